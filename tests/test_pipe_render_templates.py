"""The built-in template sets render to the objects their values ask for, with images pinned by
digest, the target's namespace, labels, apply order, and the blue-green colour variant."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pipe_spec_support import EXAMPLE, MINIMAL, pinned, write_spec

from pipelines.render import COLOR_LABEL, render, render_text
from pipelines.spec import load_spec


def load(tmp_path: Path, manifests: str, base: str = MINIMAL):
    return load_spec(write_spec(tmp_path, base + manifests))


def by_kind(docs: list[dict]) -> dict[str, dict]:
    return {d["kind"]: d for d in docs}


def test_webapp_minimal(tmp_path: Path) -> None:
    spec = load(tmp_path, "manifests: {template: webapp}\n")
    docs = render(spec, "demo", {"web": pinned("web")})
    assert [d["kind"] for d in docs] == ["Service", "Deployment"]
    kinds = by_kind(docs)
    deploy = kinds["Deployment"]
    assert deploy["metadata"]["name"] == "web"
    assert deploy["metadata"]["namespace"] == "shop"
    assert deploy["spec"]["replicas"] == 1
    assert deploy["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "web"}
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.local/apps/web:v1@sha256:" + "a" * 64
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    assert "readinessProbe" not in container and "env" not in container
    service = kinds["Service"]
    assert service["metadata"] == {"name": "web", "namespace": "shop", "labels": {
        "app.kubernetes.io/name": "web", "app.kubernetes.io/managed-by": "kubedeck"}}
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "web"}
    assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": 8080,
                                         "protocol": "TCP"}]


def test_webapp_with_every_option(tmp_path: Path) -> None:
    spec = load(tmp_path, """\
manifests:
  template: webapp
  values:
    replicas: 3
    port: 9000
    servicePort: 80
    healthPath: /healthz
    env: {MODE: fast, COUNT: 3}
    config: {GREETING: hi, LIMIT: 10}
    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
    ingress: {host: web.example.com, path: /app, className: nginx, tlsSecret: web-tls}
    autoscale: {min: 2, max: 6, cpu: 70}
""")
    docs = render(spec, "demo", {"web": pinned("web")})
    assert [d["kind"] for d in docs] == ["ConfigMap", "Service", "Deployment",
                                         "HorizontalPodAutoscaler", "Ingress"]
    kinds = by_kind(docs)
    deploy = kinds["Deployment"]
    assert "replicas" not in deploy["spec"]  # the HPA owns it
    (c,) = deploy["spec"]["template"]["spec"]["containers"]
    assert c["env"] == [{"name": "COUNT", "value": "3"}, {"name": "MODE", "value": "fast"}]
    assert c["envFrom"] == [{"configMapRef": {"name": "web-config"}}]
    assert c["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": 9000}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 9000}
    assert c["resources"] == {"requests": {"cpu": "100m", "memory": "64Mi"},
                              "limits": {"memory": "128Mi"}}
    assert kinds["ConfigMap"]["data"] == {"GREETING": "hi", "LIMIT": "10"}
    assert kinds["Service"]["spec"]["ports"][0] | {} == {"name": "http", "port": 80,
                                                       "targetPort": 9000, "protocol": "TCP"}
    ingress = kinds["Ingress"]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["rules"][0]["host"] == "web.example.com"
    assert ingress["rules"][0]["http"]["paths"][0] == {
        "path": "/app", "pathType": "Prefix",
        "backend": {"service": {"name": "web", "port": {"number": 80}}}}
    assert ingress["tls"] == [{"hosts": ["web.example.com"], "secretName": "web-tls"}]
    hpa = kinds["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "web"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 70


def test_target_values_and_namespace_override(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, EXAMPLE))
    image = {"hello": pinned("hello")}
    assert by_kind(render(spec, "prod", image))["Deployment"]["spec"]["replicas"] == 5
    dev = render(spec, "dev", image, "elsewhere")
    assert by_kind(dev)["Deployment"]["spec"]["replicas"] == 2
    assert {d["metadata"]["namespace"] for d in dev} == {"elsewhere"}


def test_color_renders_the_blue_green_variant(tmp_path: Path) -> None:
    spec = load(tmp_path, "manifests: {template: webapp, values: {config: {A: b}}}\n")
    docs = by_kind(render(spec, "demo", {"web": pinned("web")}, color="green"))
    deploy = docs["Deployment"]
    assert deploy["metadata"]["name"] == "web-green"
    assert deploy["metadata"]["labels"][COLOR_LABEL] == "green"
    assert deploy["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "web",
                                                         COLOR_LABEL: "green"}
    assert deploy["spec"]["template"]["metadata"]["labels"][COLOR_LABEL] == "green"
    assert docs["ConfigMap"]["metadata"]["name"] == "web-green-config"
    service = docs["Service"]
    assert service["metadata"]["name"] == "web"
    assert COLOR_LABEL not in service["metadata"]["labels"]
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "web",
                                           COLOR_LABEL: "green"}


def test_guestbook(tmp_path: Path) -> None:
    spec = load(tmp_path, "manifests: {template: guestbook, values: {followers: 3}}\n",
                MINIMAL.replace("app: web", "app: guestbook").replace("name: web",
                                                                      "name: frontend"))
    docs = render(spec, "demo", {"frontend": pinned("frontend")})
    names = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert names == [("Deployment", "guestbook"), ("Deployment", "redis-follower"),
                     ("Deployment", "redis-leader"), ("Service", "guestbook"),
                     ("Service", "redis-follower"), ("Service", "redis-leader")]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    images = {n: d["spec"]["template"]["spec"]["containers"][0]["image"]
              for n, d in deployments.items()}
    assert images == {"guestbook": pinned("frontend").pinned,
                      "redis-leader": "docker.io/redis:6.0.5",
                      "redis-follower": "gcr.io/google_samples/gb-redis-follower:v2"}
    assert deployments["redis-follower"]["spec"]["replicas"] == 3
    assert deployments["guestbook"]["spec"]["replicas"] == 3
    # blue-green colours only the frontend; the redis objects render the same
    green = render(spec, "demo", {"frontend": pinned("frontend")}, color="green")
    green_names = {(d["kind"], d["metadata"]["name"]) for d in green}
    assert ("Deployment", "guestbook-green") in green_names
    assert [d for d in green if "redis" in d["metadata"]["name"]] == [
        d for d in docs if "redis" in d["metadata"]["name"]]


def test_render_text_is_the_same_objects_with_their_sources(tmp_path: Path) -> None:
    spec = load(tmp_path, "manifests: {template: webapp, values: {config: {N: 'y', Y: n}}}\n")
    images = {"web": pinned("web")}
    text = render_text(spec, "demo", images)
    assert text.startswith("---\n# Source: webapp/configmap.yaml.j2\napiVersion: v1\n")
    assert "# Source: webapp/deployment.yaml.j2" in text
    assert list(yaml.safe_load_all(text)) == render(spec, "demo", images)
    # Go's YAML 1.1 (kubectl) reads bare y/n as booleans: they are quoted
    assert "'N': 'y'" in text and "'Y': 'n'" in text


def test_a_user_template_folder(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "job.yaml.j2").write_text("""\
{% for n in range(values.count) %}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ app ~ "-" ~ n }}
data:
  target: {{ target }}
  image: {{ images["web"] }}
{% endfor %}
""")
    (folder / "README.md").write_text("not a template\n")
    spec = load(tmp_path, "manifests: {template: deploy, values: {count: 2}}\n")
    docs = render(spec, "demo", {"web": pinned("web")})
    assert [(d["metadata"]["name"], d["data"]["target"]) for d in docs] == [
        ("web-0", "demo"), ("web-1", "demo")]
    assert docs[0]["data"]["image"] == pinned("web").pinned


@pytest.mark.parametrize("template", ["webapp", "guestbook"])
def test_every_built_in_template_documents_its_values(template: str) -> None:
    from pipelines.spec import builtin_templates_dir

    readme = (builtin_templates_dir() / "README.md").read_text()
    assert f"## {template}" in readme
    for path in (builtin_templates_dir() / template).glob("*.yaml.j2"):
        assert path.read_text().startswith("{#-"), f"{path.name} says what it renders"


def test_the_wheel_ships_every_template() -> None:
    """pyproject's package data covers each built-in file, so an installed kubedeck finds its
    sets (a wheel built from this tree lists exactly these)."""
    import fnmatch
    import tomllib

    from pipelines.spec import builtin_templates_dir

    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert "templates*" in setuptools["packages"]["find"]["include"]
    patterns = setuptools["package-data"]["templates"]
    root = builtin_templates_dir()
    files = [p.relative_to(root).as_posix() for p in root.rglob("*")
             if p.is_file() and p.suffix != ".pyc" and p.name != "__init__.py"]
    assert files
    for file in files:
        assert any(fnmatch.fnmatch(file, pattern) for pattern in patterns), file
