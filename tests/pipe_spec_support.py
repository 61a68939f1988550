"""Helpers for the pipeline-file, render and diff tests: kubedeck.yaml written to a temp folder
(with the Dockerfile it names), pinned image results, and the check that a live Service still
selects ready pods."""

from __future__ import annotations

import json
import time
from pathlib import Path

from kubedeck.kube.connect import Connection
from pipelines.events import ImageResult

# The example, exactly as written there.
EXAMPLE = """\
app: hello                      # DNS-1123 name, required
images:
  - name: hello                 # repository name under the registry
    context: .                  # relative to this file
    dockerfile: Dockerfile
    buildArgs: {}
build:
  builder: auto                 # auto | docker | buildah | cloudbuild | demo
  tag: git                      # git (commit, "-dirty" if changed) | digest (of the inputs) | datetime | a literal
registry: localhost:5000/apps   # LOCATION-docker.pkg.dev/PROJECT/REPO | host[:port]/path | minikube | demo
registryInsecure: false         # plain HTTP registry (local)
targets:
  dev:
    context: minikube           # a kubeconfig context
    namespace: hello
  prod:
    gke: {project: my-proj, location: us-central1, cluster: prod}
    namespace: hello
deploy:
  strategy: rolling             # rolling | recreate | bluegreen
  timeout: 300s
  rollbackOnFailure: true
  bluegreen:
    autoPromote: true
    scaleDownDelay: 30s
    check: {path: /healthz, port: 8080}   # optional HTTP gate through the preview Service
manifests:
  template: webapp              # a built-in set under templates/, or a folder of *.yaml.j2
  values: {replicas: 2, port: 8080}
  targetValues: {prod: {replicas: 5}}
"""

MINIMAL = """\
app: web
images: [{name: web}]
registry: demo
targets: {demo: {demo: true, namespace: shop}}
"""


def write_spec(folder: Path, text: str, *, dockerfile: bool = True) -> Path:
    """kubedeck.yaml in `folder` (plus an empty Dockerfile unless told otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    if dockerfile:
        (folder / "Dockerfile").write_text("FROM scratch\n")
    path = folder / "kubedeck.yaml"
    path.write_text(text)
    return path


def pinned(name: str, tag: str = "v1", fill: str = "a",
           repository: str | None = None) -> ImageResult:
    return ImageResult(name, repository or f"registry.local/apps/{name}", tag,
                       "sha256:" + fill * 64)


def _pods(conn: Connection, namespace: str, selector: dict) -> list[dict]:
    label = ",".join(f"{k}={v}" for k, v in selector.items())
    data = conn.get(f"/api/v1/namespaces/{namespace}/pods", {"labelSelector": label})
    return json.loads(data)["items"]


def _ready(pod: dict) -> bool:
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def service_selects_ready_pods(conn: Connection, namespace: str, name: str) -> bool:
    """The live Service selects at least one pod and every pod it selects is ready."""
    service = json.loads(conn.get(f"/api/v1/namespaces/{namespace}/services/{name}"))
    pods = _pods(conn, namespace, service["spec"]["selector"])
    return bool(pods) and all(_ready(p) for p in pods)


def wait_until(condition, timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll `condition` until it is true or the deadline passes; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
