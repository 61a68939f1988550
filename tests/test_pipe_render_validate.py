"""Every rendered document is checked before anything is applied; a mistake names the template
file, the document and the field, and says what Kubernetes allows."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipe_spec_support import MINIMAL, write_spec

from pipelines.render import RenderError, render
from pipelines.spec import load_spec
from pipelines.validate import Source, validate_document

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{containerPort: 80, name: http}]
          env: [{name: A, value: "1"}]
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""
INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
"""
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {A: "1"}
"""
HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""
GOOD = {"deployment": DEPLOYMENT, "service": SERVICE, "ingress": INGRESS,
        "configmap": CONFIGMAP, "hpa": HPA}


def render_files(tmp_path: Path, files: dict[str, str]) -> list[dict]:
    folder = tmp_path / "k8s"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml.j2").write_text("{% raw %}" + text + "{% endraw %}")
    spec = load_spec(write_spec(tmp_path, MINIMAL + "manifests: {template: k8s}\n"))
    return render(spec, "demo", {})


def test_the_good_documents_pass(tmp_path: Path) -> None:
    docs = render_files(tmp_path, GOOD)
    assert [d["kind"] for d in docs] == ["ConfigMap", "Service", "Deployment",
                                         "HorizontalPodAutoscaler", "Ingress"]


CASES = [
    ("deployment", "selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: api}}",
     "k8s/deployment.yaml.j2 (document 1, Deployment 'web'): spec.selector.matchLabels: "
     "app=api does not match the pod template's labels (app=web); the selector must select "
     "the pods the template creates"),
    ("deployment", "          image: nginx:1.27\n", "",
     "k8s/deployment.yaml.j2 (document 1, Deployment 'web'): spec.template.spec."
     "containers[0].image: must be a non-empty string (got nothing)"),
    ("deployment", "        - name: web\n", "        - name: Web_1\n",
     "spec.template.spec.containers[0].name: 'Web_1' is not a DNS-1123 label"),
    ("deployment", 'value: "1"', "value: 1",
     "spec.template.spec.containers[0].env[0].value: must be a string (got 1); use "
     "`| string` in the template"),
    ("deployment", "containerPort: 80", "containerPort: 0",
     "spec.template.spec.containers[0].ports[0].containerPort: must be from 1 to 65535"),
    ("deployment", "replicas: 2", "replicas: two",
     "spec.replicas: must be an integer (got the string 'two')"),
    ("deployment", "selector: {matchLabels: {app: web}}", "selector: {}",
     "spec.selector: needs matchLabels (or matchExpressions)"),
    ("deployment", "apiVersion: apps/v1", "apiVersion: extensions/v1beta1",
     "apiVersion: Deployment is served as apps/v1 (got 'extensions/v1beta1')"),
    ("deployment", "metadata: {name: web, labels: {app: web}}",
     "metadata: {name: web, labels: {app: 'a b'}}",
     "metadata.labels.app: label value 'a b' must be empty or letters"),
    ("service", "ports: [{port: 80, targetPort: http}]", "ports: []",
     "k8s/service.yaml.j2 (document 1, Service 'web'): spec.ports: needs at least one port"),
    ("service", "ports: [{port: 80, targetPort: http}]",
     "ports: [{port: 80}, {port: 81}]",
     "spec.ports[0].name: is required when a Service has more than one port"),
    ("service", "metadata: {name: web}", "metadata: {name: 1web}",
     "metadata.name: '1web' is not a DNS-1035 name"),
    ("service", "targetPort: http", "targetPort: 70000", "spec.ports[0].targetPort: must be "
     "from 1 to 65535 (got 70000)"),
    ("ingress", "path: /,", "path: web,",
     "k8s/ingress.yaml.j2 (document 1, Ingress 'web'): spec.rules[0].http.paths[0].path: must "
     "start with / (got the string 'web')"),
    ("ingress", "pathType: Prefix", "pathType: Glob",
     "spec.rules[0].http.paths[0].pathType: must be one of Exact, Prefix, "
     "ImplementationSpecific (got the string 'Glob')"),
    ("ingress", "host: web.example.com", "host: 'http://web.example.com'",
     "spec.rules[0].host: 'http://web.example.com' is not a DNS host name"),
    ("ingress", "port: {number: 80}", "port: {}", "backend.service.port: needs a number or a "
     "name"),
    ("configmap", 'data: {A: "1"}', "data: {A: 1}",
     "k8s/configmap.yaml.j2 (document 1, ConfigMap 'web-config'): data.A: must be a string "
     "(got 1); quote it or use `| string` in the template"),
    ("configmap", "data: {A: \"1\"}", "data: {'a/b': x}", "data.a/b: keys are letters, digits"),
    ("hpa", "minReplicas: 1", "minReplicas: 5",
     "k8s/hpa.yaml.j2 (document 1, HorizontalPodAutoscaler 'web'): spec.minReplicas: must be "
     "from 1 to 3 (got 5)"),
    ("hpa", "kind: Deployment, name: web}", "kind: Deployment}",
     "spec.scaleTargetRef.name: must be a non-empty string (got nothing)"),
    ("hpa", "type: Resource\n", "type: Magic\n", "spec.metrics[0].type: must be one of Resource"),
]


@pytest.mark.parametrize("file, old, new, expected", CASES)
def test_mistakes_are_named(tmp_path: Path, file: str, old: str, new: str,
                            expected: str) -> None:
    assert old in GOOD[file]
    files = dict(GOOD)
    files[file] = files[file].replace(old, new)
    with pytest.raises(RenderError) as err:
        render_files(tmp_path, files)
    assert err.value.exit_code == 2
    assert expected in str(err.value)
    assert str(err.value).startswith(f"k8s/{file}.yaml.j2 (document 1")


def test_common_fields_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"^k8s/a.yaml.j2 \(document 2\): must be a "
                                          r"Kubernetes object"):
        render_files(tmp_path, {"a": CONFIGMAP + "---\n- a list\n"})
    with pytest.raises(RenderError, match=r"\(document 1, ConfigMap\): metadata.name: must be "
                                          r"a non-empty string"):
        render_files(tmp_path, {"a": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"})
    with pytest.raises(RenderError, match=r"\(document 1\): kind: must be a non-empty string"):
        render_files(tmp_path, {"a": "apiVersion: v1\nmetadata: {name: x}\n"})
    with pytest.raises(RenderError) as err:
        render_files(tmp_path, {"a": CONFIGMAP, "b": CONFIGMAP})
    assert str(err.value) == (
        "k8s/b.yaml.j2 (document 1, ConfigMap 'web-config'): metadata.name: ConfigMap "
        "'web-config' is also rendered by k8s/a.yaml.j2 (document 1, ConfigMap 'web-config')")


def test_unknown_kinds_get_the_common_checks_only() -> None:
    validate_document({"apiVersion": "example.com/v1", "kind": "Widget",
                       "metadata": {"name": "w"}, "spec": {"anything": [1, 2]}},
                      Source("x.yaml.j2", 1))
    with pytest.raises(RenderError, match="metadata.name: 'W' is not a DNS-1123 name"):
        validate_document({"apiVersion": "example.com/v1", "kind": "Widget",
                           "metadata": {"name": "W"}}, Source("x.yaml.j2", 1))
