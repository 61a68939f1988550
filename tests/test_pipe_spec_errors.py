"""Every mistake in kubedeck.yaml is one line naming the file, the line and the field, saying
what is allowed (exit code 2), before anything is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipe_spec_support import EXAMPLE, MINIMAL, write_spec

from pipelines.spec import SpecError, load_spec

TAIL = "manifests: {template: webapp}\n"


def error_of(tmp_path: Path, text: str, *, dockerfile: bool = True) -> str:
    path = write_spec(tmp_path, text, dockerfile=dockerfile)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.exit_code == 2
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:")
    return message.removeprefix(f"{path}")


def test_bad_strategy_names_the_line_field_and_choices(tmp_path: Path) -> None:
    text = EXAMPLE.replace("strategy: rolling ", 'strategy: "blue"')
    assert error_of(tmp_path, text) == (
        ':20: deploy.strategy: must be one of rolling, recreate, bluegreen (got "blue")')


def test_app_must_be_a_dns_name(tmp_path: Path) -> None:
    assert error_of(tmp_path, 'app: "Hello_World"\n' + EXAMPLE.split("\n", 1)[1]) == (
        ':1: app: "Hello_World" is not a DNS-1123 name (lowercase letters, digits and \'-\', '
        "at most 63 characters)")
    assert "is not a DNS-1123 name" in error_of(tmp_path, EXAMPLE.replace(
        "app: hello ", "app: " + "a" * 64))


@pytest.mark.parametrize("old, new, expected", [
    ("    buildArgs: {}", "    build_args: {}",
     ':6: images[0].build_args: unknown key; did you mean "buildArgs"? allowed here: name, '
     "context, dockerfile, buildArgs, target"),
    ("  rollbackOnFailure: true", "  rollbackOnFailur: true",
     ':22: deploy.rollbackOnFailur: unknown key; did you mean "rollbackOnFailure"?'),
    ("registryInsecure: false ", "registryinsecure: false ",
     ':11: registryinsecure: unknown key; did you mean "registryInsecure"?'),
    ("  targetValues:", "  targetvalue:",
     ':30: manifests.targetvalue: unknown key; did you mean "targetValues"?'),
    ("manifests:\n", "manifest:\n",
     ":27: manifest: unknown key; did you mean \"manifests\"?"),
])
def test_unknown_keys_suggest_the_right_one(tmp_path: Path, old: str, new: str,
                                           expected: str) -> None:
    assert old in EXAMPLE
    assert error_of(tmp_path, EXAMPLE.replace(old, new)).startswith(expected)


def test_unknown_key_without_a_close_match_lists_what_is_allowed(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + TAIL + "colour: blue\n") == (
        ":6: colour: unknown key; allowed here: app, images, build, registry, "
        "registryInsecure, targets, deploy, manifests")


@pytest.mark.parametrize("old, new, expected", [
    ("  timeout: 300s", "  timeout: soon",
     ':21: deploy.timeout: must be a duration like 300s, 5m or 1h30m (got "soon")'),
    ("  timeout: 300s", "  timeout: 0s", ":21: deploy.timeout: must be more than zero"),
    ("    scaleDownDelay: 30s", "    scaleDownDelay: -5s",
     ":25: deploy.bluegreen.scaleDownDelay: must be zero or more"),
    ("  rollbackOnFailure: true", "  rollbackOnFailure: sure",
     ':22: deploy.rollbackOnFailure: must be true or false (got "sure")'),
    ("    autoPromote: true", "    autoPromote: [yes]",
     ":24: deploy.bluegreen.autoPromote: must be true or false (got a list)"),
    ("check: {path: /healthz, port: 8080}", "check: {path: /healthz, port: 80800}",
     ":26: deploy.bluegreen.check.port: must be from 1 to 65535 (got 80800)"),
    ("check: {path: /healthz, port: 8080}", "check: {path: healthz, port: 8080}",
     ':26: deploy.bluegreen.check.path: "healthz" is not an HTTP path starting with /'),
    ("check: {path: /healthz, port: 8080}", "check: {path: /healthz}",
     ":26: deploy.bluegreen.check.port: is required"),
    ("  builder: auto ", "  builder: podman ",
     ':8: build.builder: must be one of auto, docker, buildah, cloudbuild, demo (got '
     '"podman")'),
    ("  tag: git ", "  tag: -latest ", ':9: build.tag: "-latest" is not git, digest, datetime '
     "or a literal image tag"),
    ("  values: {replicas: 2, port: 8080}", "  values: [replicas]",
     ":29: manifests.values: must be a mapping (got a list)"),
    ("  - name: hello ", "  - name: Hello ", ':3: images[0].name: "Hello" is not an image '
     "repository name"),
    ("    namespace: hello\n  prod:", "    namespace: Hello\n  prod:",
     ':15: targets.dev.namespace: "Hello" is not a DNS-1123 name'),
    ("    context: minikube ", "    context: 1.5 ",
     ":14: targets.dev.context: must be a string (got 1.5); quote it if it is meant as text"),
    ("    buildArgs: {}", "    buildArgs: [a]",
     ":6: images[0].buildArgs: must be a mapping (got a list)"),
    ("    buildArgs: {}", "    buildArgs: {A: {b: c}}",
     ":6: images[0].buildArgs.A: must be a string (got a mapping)"),
])
def test_types_and_values_are_checked(tmp_path: Path, old: str, new: str,
                                      expected: str) -> None:
    assert old in EXAMPLE
    assert error_of(tmp_path, EXAMPLE.replace(old, new)).startswith(expected)


@pytest.mark.parametrize("registry", ["http://localhost:5000/apps", "localhost:5000/Apps",
                                      "us-central1-docker.pkg.dev/my-proj", "two words"])
def test_registry_forms_are_explained(tmp_path: Path, registry: str) -> None:
    message = error_of(tmp_path, EXAMPLE.replace("registry: localhost:5000/apps",
                                                 f"registry: {registry}"))
    assert message.startswith(":10: registry: ")
    assert ("LOCATION-docker.pkg.dev/PROJECT/REPO" in message)


def test_registry_is_required_with_images(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL.replace("registry: demo\n", "") + TAIL).startswith(
        ":1: registry: is required when there are images to push")


def test_targets_need_exactly_one_way_to_reach_a_cluster(tmp_path: Path) -> None:
    both = EXAMPLE.replace("    context: minikube ", "    gke: {project: my-proj, location: "
                           "us-central1, cluster: x}\n    context: minikube ")
    assert error_of(tmp_path, both) == (
        ":14: targets.dev: needs exactly one of context (a kubeconfig context), gke ({project, "
        "location, cluster}) or demo: true (got context and gke)")
    neither = MINIMAL.replace("{demo: true, namespace: shop}", "{namespace: shop}") + TAIL
    assert error_of(tmp_path, neither).endswith("(got none)")
    assert error_of(tmp_path, MINIMAL.replace("demo: true", "demo: false") + TAIL).startswith(
        ":4: targets.demo.demo: must be true")
    assert error_of(tmp_path, MINIMAL.replace("targets: {demo: {demo: true, namespace: shop}}",
                                              "targets: {}") + TAIL).startswith(
        ":4: targets: needs at least one target")


def test_gke_fields_are_checked(tmp_path: Path) -> None:
    text = EXAMPLE.replace("location: us-central1,", "location: Mars,")
    assert error_of(tmp_path, text).startswith(
        ':17: targets.prod.gke.location: "Mars" is not a region or zone')
    text = EXAMPLE.replace("gke: {project: my-proj, location: us-central1, cluster: prod}",
                           "gke: {project: my-proj, cluster: prod}")
    assert error_of(tmp_path, text) == ":17: targets.prod.gke.location: is required"


def test_target_values_keys_must_be_targets(tmp_path: Path) -> None:
    text = EXAMPLE.replace("targetValues: {prod: {replicas: 5}}",
                           "targetValues: {production: {replicas: 5}}")
    assert error_of(tmp_path, text) == (
        ':30: manifests.targetValues.production: "production" is not a target '
        "(targets: dev, prod)")


def test_paths_are_resolved_and_must_exist(tmp_path: Path) -> None:
    message = error_of(tmp_path, EXAMPLE, dockerfile=False)
    assert message.startswith(f":5: images[0].dockerfile: {tmp_path.resolve()}/Dockerfile "
                              "not found")
    assert "kubedeck init" in message
    message = error_of(tmp_path, EXAMPLE.replace("context: . ", "context: app "))
    assert message.startswith(f":4: images[0].context: {tmp_path.resolve()}/app is not a "
                              "directory")


def test_template_must_be_a_built_in_set_or_a_folder(tmp_path: Path) -> None:
    message = error_of(tmp_path, EXAMPLE.replace("template: webapp ", "template: webap "))
    assert message.startswith(':28: manifests.template: "webap" is neither a built-in set (')
    assert "guestbook" in message and "webapp" in message
    (tmp_path / "empty").mkdir()
    assert error_of(tmp_path, EXAMPLE.replace("template: webapp ", "template: empty ")) == (
        f":28: manifests.template: {tmp_path.resolve()}/empty has no *.yaml.j2 templates")


def test_duplicates(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + TAIL + "app: other\n") == (
        ":6: app: duplicate key (first at line 1)")
    text = MINIMAL.replace("images: [{name: web}]", "images: [{name: web}, {name: web}]")
    assert error_of(tmp_path, text + TAIL) == (
        ':2: images[1].name: "web" is already the name of images[0]; image names must be '
        "unique")


def test_required_sections(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL) == (
        ":1: manifests: is required: `manifests: {template: webapp, values: {port: 8080}}`")
    assert error_of(tmp_path, "images: []\ntargets: {d: {demo: true}}\n" + TAIL) == (
        ":1: app: is required")


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, EXAMPLE.replace("  timeout: 300s", "  timeout: [300s"))
    assert message.startswith(":22: invalid YAML: ")
    assert error_of(tmp_path, "").startswith(": the file is empty")
    assert error_of(tmp_path, "- just\n- a list\n") == (
        ":1: must be a mapping (got a list)")
    assert error_of(tmp_path, MINIMAL + TAIL + "---\napp: two\n").startswith(
        ":7: one YAML document expected")


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        load_spec(tmp_path / "kubedeck.yaml")
    assert err.value.exit_code == 2
    assert str(err.value) == (f"{tmp_path}/kubedeck.yaml: no such file; run `kubedeck init` "
                              "to write a starter kubedeck.yaml, or pass -f FILE")
