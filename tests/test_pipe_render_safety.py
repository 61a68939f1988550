"""Values can never change a manifest's shape: every inserted value is one YAML scalar, whatever
it contains; undefined values and template mistakes are errors naming the value, the template
file and its line, and nothing is rendered past them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pipe_spec_support import MINIMAL, pinned, write_spec

from pipelines.render import RenderError, render
from pipelines.spec import load_spec
from pipelines.yamlquote import dump, quote

ATTACKS = [
    "x: y",
    "x\nkind: Secret",
    "a\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: pwned}",
    "} , privileged: true, {",
    "value # comment",
    "'single' \"double\" \\back\\slash",
    "&anchor *alias !!python/object:os.system",
    "tab\there\r\nand crlf",
    "line\u2028separator\u0085next\u2029para",
    "nul\x00bell\x07del\x7f",
    "emoji \U0001f600 and bom \ufeff",
    "- list item",
    "@at `backtick` %percent |pipe >folded",
    "",
    "null",
    "true",
    "0x10",
    "1e3",
    "y",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_quote_round_trips_any_string(text: str) -> None:
    line = quote(text)
    assert "\n" not in line
    assert yaml.safe_load(f"key: {line}\nother: 1\n") == {"key": text, "other": 1}
    assert yaml.safe_load(f"- {line}") == [text]


def test_quote_round_trips_every_character() -> None:
    text = "".join(chr(c) for c in range(0x0, 0x3000) if not 0xD800 <= c <= 0xDFFF)
    assert yaml.safe_load("v: " + quote(text)) == {"v": text}


@pytest.mark.parametrize("value", [0, -7, 2**40, 1.5, True, False, None,
                                   {"a": [1, "b: c"], "k:\n": {"x": None}}, [], {}])
def test_quote_keeps_plain_data(value) -> None:
    assert yaml.safe_load("v: " + quote(value)) == {"v": value}


def test_dump_is_read_back_by_yaml_1_1_readers_as_written() -> None:
    obj = {"N": "y", "on": "off", "list": ["n", "Y", "yes", "1:20", "0o7"]}
    text = dump(obj)
    assert yaml.safe_load(text) == obj
    for word in ("'N'", "'y'", "'Y'", "'n'"):
        assert word in text


def spec_with(tmp_path: Path, values: str, template: str | None = None):
    manifests = f"manifests: {{template: webapp, values: {values}}}\n"
    if template is not None:
        folder = tmp_path / "tpl"
        folder.mkdir(exist_ok=True)
        (folder / "app.yaml.j2").write_text(template)
        manifests = f"manifests: {{template: tpl, values: {values}}}\n"
    return load_spec(write_spec(tmp_path, MINIMAL + manifests))


@pytest.mark.parametrize("attack", ATTACKS[:8])
def test_injection_through_values_changes_nothing_but_the_value(tmp_path: Path,
                                                                attack: str) -> None:
    values = f"{{env: {{MODE: {quote(attack)}}}, config: {{NOTE: {quote(attack)}}}}}"
    docs = render(spec_with(tmp_path, values), "demo", {"web": pinned("web")})
    assert [d["kind"] for d in docs] == ["ConfigMap", "Service", "Deployment"]
    config = docs[0]
    assert config["data"] == {"NOTE": attack}
    assert set(config) == {"apiVersion", "kind", "metadata", "data"}
    (container,) = docs[2]["spec"]["template"]["spec"]["containers"]
    assert container["env"] == [{"name": "MODE", "value": attack}]
    assert set(container) == {"name", "image", "ports", "env", "envFrom"}


def test_injection_through_keys_and_the_image(tmp_path: Path) -> None:
    key = "A: b\n  evil"
    spec = spec_with(tmp_path, f"{{config: {{{quote(key)}: v}}}}")
    with pytest.raises(RenderError) as err:
        render(spec, "demo", {"web": pinned("web")})
    # the key stayed one key, and Kubernetes' own rule for ConfigMap keys refuses it
    assert str(err.value).startswith(
        "webapp/configmap.yaml.j2 (document 1, ConfigMap 'web-config'): data.A: b\n  evil: "
        "keys are letters")
    image = pinned("web", tag="v1\n    securityContext: {privileged: true}")
    docs = render(spec_with(tmp_path, "{}"), "demo", {"web": image})
    (container,) = docs[1]["spec"]["template"]["spec"]["containers"]
    assert "securityContext" not in container
    assert container["image"] == image.pinned


def test_undefined_value_names_the_value_the_file_and_the_line(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{}", """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ app }}
data:
  host: {{ values.database.host }}
""")
    with pytest.raises(RenderError) as err:
        render(spec, "demo", {"web": pinned("web")})
    assert err.value.exit_code == 2
    assert str(err.value) == (
        "tpl/app.yaml.j2:6: undefined value values.database; set manifests.values.database "
        "(or manifests.targetValues.demo.database) in the pipeline file, or give it a default "
        "in the template")


def test_undefined_nested_value_and_unknown_names(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{database: {port: 5432}}", """\
kind: ConfigMap
data:
  port: {{ values.database.port }}

  host: {{ values.database.host }}
""")
    with pytest.raises(RenderError, match=r"^tpl/app.yaml.j2:5: undefined value "
                                          r"values.database.host; set manifests.values."
                                          r"database.host"):
        render(spec, "demo", {})
    spec = spec_with(tmp_path, "{}", "name: {{ colour }}\n")
    with pytest.raises(RenderError, match=r"^tpl/app.yaml.j2:1: undefined value colour; the "
                                          r"template context has app, namespace, target, "):
        render(spec, "demo", {})


def test_webapp_needs_an_image(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{}")
    with pytest.raises(RenderError, match=r"^webapp/deployment.yaml.j2:\d+: undefined value "
                                          r"image; no image was built"):
        render(spec, "demo", {})


def test_an_ingress_without_host_is_named(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{ingress: {path: /x}}")
    with pytest.raises(RenderError, match=r"^webapp/ingress.yaml.j2:\d+: undefined value "
                                          r"values.ingress.host"):
        render(spec, "demo", {"web": pinned("web")})


def test_template_syntax_and_runtime_errors(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{}", "a: 1\nb: {{ app \n")
    with pytest.raises(RenderError, match=r"^tpl/app.yaml.j2:2: template syntax error: "):
        render(spec, "demo", {})
    spec = spec_with(tmp_path, "{n: 'x'}", "a: 1\nb: {{ values.n + 1 }}\n")
    with pytest.raises(RenderError, match=r"^tpl/app.yaml.j2:2: TypeError: "):
        render(spec, "demo", {})


def test_rendered_yaml_errors_and_foreign_namespaces(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{}", "kind: ConfigMap\n  bad: indent\n")
    with pytest.raises(RenderError, match=r"^tpl/app.yaml.j2: rendered YAML is invalid at "
                                          r"line 2 of its output"):
        render(spec, "demo", {})
    spec = spec_with(tmp_path, "{}", """\
apiVersion: v1
kind: ConfigMap
metadata: {name: x, namespace: kube-system}
""")
    with pytest.raises(RenderError) as err:
        render(spec, "demo", {})
    assert str(err.value).startswith(
        "tpl/app.yaml.j2 (document 1, ConfigMap 'x'): metadata.namespace: 'kube-system' is "
        "not the target's namespace 'shop'")


def test_a_bad_color_and_no_objects(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "{}", "{% if false %}kind: x{% endif %}\n")
    with pytest.raises(RenderError, match="rendered no objects for target 'demo'"):
        render(spec, "demo", {})
    with pytest.raises(RenderError, match="color 'Blue!' must be a DNS-1123 label"):
        render(spec, "demo", {}, color="Blue!")
