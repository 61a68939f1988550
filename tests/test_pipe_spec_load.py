"""kubedeck.yaml loads into the contract's dataclasses: the issue's example exactly as written,
the defaults, the additions (demo targets, image target stage, preview Service name, a user
template folder) and values merged per target."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipe_spec_support import EXAMPLE, MINIMAL, write_spec

from pipelines.spec import (
    BlueGreenSpec,
    BuildSpec,
    DeploySpec,
    GkeTarget,
    HttpCheck,
    ImageSpec,
    SpecError,
    TargetSpec,
    builtin_template_sets,
    load_spec,
    registry_kind,
)


def test_the_issue_example_loads_exactly(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, EXAMPLE))
    assert spec.path == (tmp_path / "kubedeck.yaml").resolve()
    assert spec.app == "hello"
    assert spec.images == (ImageSpec(name="hello", context=tmp_path.resolve(),
                                      dockerfile=tmp_path.resolve() / "Dockerfile",
                                      build_args={}),)
    assert spec.build == BuildSpec(builder="auto", tag="git")
    assert spec.registry == "localhost:5000/apps"
    assert spec.registry_insecure is False
    assert spec.targets == {
        "dev": TargetSpec(name="dev", context="minikube", namespace="hello"),
        "prod": TargetSpec(name="prod", gke=GkeTarget("my-proj", "us-central1", "prod"),
                           namespace="hello"),
    }
    assert spec.deploy == DeploySpec(
        strategy="rolling", timeout=300.0, rollback_on_failure=True,
        bluegreen=BlueGreenSpec(auto_promote=True, scale_down_delay=30.0,
                                check=HttpCheck(path="/healthz", port=8080)))
    assert spec.manifests.template == "webapp"
    assert spec.manifests.values == {"replicas": 2, "port": 8080}
    assert spec.manifests.target_values == {"prod": {"replicas": 5}}
    assert spec.manifests.directory is not None
    assert (spec.manifests.directory / "deployment.yaml.j2").is_file()


def test_values_merge_per_target_without_touching_the_spec(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, EXAMPLE.replace(
        "values: {replicas: 2, port: 8080}",
        "values: {replicas: 2, port: 8080, env: {A: '1', B: '2'}}").replace(
        "targetValues: {prod: {replicas: 5}}",
        "targetValues: {prod: {replicas: 5, env: {B: '3'}}}")))
    prod = spec.values_for("prod")
    assert prod == {"replicas": 5, "port": 8080, "env": {"A": "1", "B": "3"}}
    assert spec.values_for("dev") == {"replicas": 2, "port": 8080, "env": {"A": "1", "B": "2"}}
    prod["env"]["A"] = "changed"
    assert spec.manifests.values["env"]["A"] == "1"


def test_defaults_of_a_minimal_file(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, MINIMAL + "manifests: {template: webapp}\n"))
    assert spec.build == BuildSpec()
    assert spec.deploy == DeploySpec()
    assert spec.deploy.bluegreen == BlueGreenSpec()
    assert spec.registry_insecure is False
    assert spec.targets["demo"] == TargetSpec(name="demo", namespace="shop", demo=True)
    assert spec.manifests.values == {} and spec.manifests.target_values == {}
    assert spec.preview_service == "web-preview"
    assert spec.target(None).name == "demo"


def test_additions_beyond_the_example(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "build.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "cm.yaml.j2").write_text("kind: ConfigMap\n")
    spec = load_spec(write_spec(tmp_path, """\
app: shop
images:
  - name: team/shop-api
    context: svc
    dockerfile: build.Dockerfile
    buildArgs: {VERSION: 1.10, DEBUG: "no"}
    target: runtime
build: {builder: buildah, tag: "1.2.3"}
registry: us-central1-docker.pkg.dev/my-proj/apps
targets:
  local: {context: "kind-kind"}
  cloud: {gke: {project: my-proj, location: europe-west1-b, cluster: c1}}
deploy:
  strategy: bluegreen
  timeout: 1h30m
  bluegreen: {autoPromote: false, scaleDownDelay: 0, previewService: shop-next}
manifests: {template: k8s}
"""))
    image = spec.images[0]
    assert image.name == "team/shop-api"
    assert image.context == (tmp_path / "svc").resolve()
    assert image.dockerfile == (tmp_path / "svc" / "build.Dockerfile").resolve()
    assert image.build_args == {"VERSION": "1.10", "DEBUG": "no"}
    assert image.target == "runtime"
    assert spec.build == BuildSpec(builder="buildah", tag="1.2.3")
    assert spec.targets["local"].namespace == "default"
    assert spec.targets["cloud"].gke == GkeTarget("my-proj", "europe-west1-b", "c1")
    assert spec.deploy.timeout == 5400.0
    assert spec.deploy.bluegreen.auto_promote is False
    assert spec.deploy.bluegreen.scale_down_delay == 0.0
    assert spec.preview_service == "shop-next"
    assert spec.manifests.directory == (tmp_path / "k8s").resolve()


@pytest.mark.parametrize("registry, kind", [
    ("localhost:5000/apps", "oci"),
    ("127.0.0.1:5000", "oci"),
    ("ghcr.io/acme/tools", "oci"),
    ("registry.example.com:443/a/b_c/d-e", "oci"),
    ("us-central1-docker.pkg.dev/my-proj/apps", "artifact"),
    ("europe-docker.pkg.dev/my-proj/apps/sub", "artifact"),
    ("minikube", "minikube"),
    ("demo", "demo"),
])
def test_registry_forms(tmp_path: Path, registry: str, kind: str) -> None:
    spec = load_spec(write_spec(tmp_path, MINIMAL.replace("registry: demo",
                                                          f"registry: {registry}")
                                + "manifests: {template: webapp}\n"))
    assert spec.registry == registry
    assert registry_kind(spec.registry) == kind


@pytest.mark.parametrize("text, seconds", [("300s", 300.0), ("5m", 300.0), ("1h30m", 5400.0),
                                           ("1.5s", 1.5), ("90", 90.0)])
def test_durations(tmp_path: Path, text: str, seconds: float) -> None:
    spec = load_spec(write_spec(tmp_path, MINIMAL + f"deploy: {{timeout: {text}}}\n"
                                "manifests: {template: webapp}\n"))
    assert spec.deploy.timeout == seconds


def test_literal_tags_keep_their_spelling(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, MINIMAL + "build: {tag: 1.10}\n"
                                "manifests: {template: webapp}\n"))
    assert spec.build.tag == "1.10"


def test_target_lookup_errors(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, EXAMPLE))
    with pytest.raises(SpecError, match=r'no target "staging" \(targets: dev, prod\)') as err:
        spec.target("staging")
    assert err.value.exit_code == 2
    with pytest.raises(SpecError, match="several targets .*--target"):
        spec.target(None)


def test_both_built_in_sets_are_listed() -> None:
    assert {"webapp", "guestbook"} <= set(builtin_template_sets())
