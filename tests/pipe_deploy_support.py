"""Shared pieces of the deploy tests: a simulated cluster reached over HTTP through the
normal client path, hand-built documents (a Deployment and its Service), an event recorder,
a pipeline spec, and the check every failure test ends with — the live Service still selects
ready pods."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import msgspec

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig
from kubedeck.kube.connect import Connection, connect
from kubedeck.kube.discovery import Discovery
from pipelines.events import Event, LogLine, StageFailed, StageFinished, StageStarted
from pipelines.spec import (
    BlueGreenSpec,
    BuildSpec,
    DeploySpec,
    HttpCheck,
    ManifestSpec,
    PipelineSpec,
    TargetSpec,
)

_names = itertools.count(1)


def start_sim(directory: Path, ready_delay: float = 0.2) -> SimpleNamespace:
    """A FakeCluster with running controllers served on 127.0.0.1:0, and a Connection and
    Discovery through a kubeconfig, as a user's cluster is reached."""
    cluster = FakeCluster(ready_delay=ready_delay)
    running = serve(cluster, bookmark_interval=0.2)
    cluster.start()
    kubeconfig = write_kubeconfig(directory / "kubeconfig", running)
    conn = connect(str(kubeconfig))

    def stop() -> None:
        conn.close()
        running.stop()
        cluster.stop()

    return SimpleNamespace(cluster=cluster, server=running, conn=conn, kubeconfig=kubeconfig,
                           discovery=Discovery(conn, use_disk=False), stop=stop)


def fresh_namespace(prefix: str = "t") -> str:
    return f"{prefix}-{next(_names)}-{int(time.time() * 1000) % 100000}"


def web_docs(image: str = "nginx:1.25", *, app: str = "web", replicas: int = 2,
             port: int = 8080, extra: list[dict] | None = None) -> list[dict]:
    """A Deployment and a Service for it, as a template set renders them."""
    labels = {"app": app}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": app, "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                     {"name": app, "image": image,
                      "ports": [{"containerPort": port, "name": "http"}]}]}}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app,
                                                                   "labels": labels},
               "spec": {"selector": labels,
                        "ports": [{"name": "http", "port": 80, "targetPort": port}]}}
    return [deployment, service, *(extra or [])]


def make_spec(app: str = "web", *, strategy: str = "rolling", timeout: float = 30.0,
              rollback: bool = True, auto_promote: bool = True, scale_down_delay: float = 0.0,
              check: HttpCheck | None = None, namespace: str = "default") -> PipelineSpec:
    target = TargetSpec(name="test", context="kubedeck-sim", namespace=namespace)
    return PipelineSpec(
        path=Path("/nonexistent/kubedeck.yaml"), app=app, images=(), build=BuildSpec(),
        registry="demo", registry_insecure=False, targets={"test": target},
        deploy=DeploySpec(strategy=strategy, timeout=timeout, rollback_on_failure=rollback,
                          bluegreen=BlueGreenSpec(auto_promote=auto_promote,
                                                  scale_down_delay=scale_down_delay,
                                                  check=check)),
        manifests=ManifestSpec(template="webapp", values={}, target_values={}))


def target_of(spec: PipelineSpec, namespace: str) -> TargetSpec:
    return replace(spec.targets["test"], namespace=namespace)


@dataclass
class Recorder:
    """Collects events (from any thread); `on` lets a test act when one arrives."""

    events: list[Event] = field(default_factory=list)
    hooks: list[Callable[[Event], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)
        for hook in list(self.hooks):
            hook(event)

    def logs(self, stage: str | None = None) -> list[str]:
        return [e.text for e in self.events if isinstance(e, LogLine)
                and (stage is None or e.stage == stage)]

    def failed(self) -> list[StageFailed]:
        return [e for e in self.events if isinstance(e, StageFailed)]

    def stages(self) -> list[tuple[str, str]]:
        """(event type, stage) for the start/finish/fail events, in order."""
        out = []
        for e in self.events:
            if isinstance(e, StageStarted | StageFinished | StageFailed):
                out.append((type(e).__name__, e.stage))
        return out


def get(conn: Connection, path: str) -> dict:
    return msgspec.json.decode(conn.get(path))


def pods(conn: Connection, namespace: str, selector: str) -> list[dict]:
    return msgspec.json.decode(conn.get(f"/api/v1/namespaces/{namespace}/pods",
                                        {"labelSelector": selector}))["items"]


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def service_ready_pods(conn: Connection, namespace: str, service: str) -> list[dict]:
    """The ready pods the Service's selector picks (empty when it selects none)."""
    svc = get(conn, f"/api/v1/namespaces/{namespace}/services/{service}")
    selector = (svc.get("spec") or {}).get("selector") or {}
    if not selector:
        return []
    text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return [p for p in pods(conn, namespace, text)
            if is_ready(p) and "deletionTimestamp" not in p["metadata"]]


def wait_for(predicate: Callable[[], object], timeout: float = 20.0,
             what: str = "condition") -> object:
    """Poll `predicate` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_service_healthy(conn: Connection, namespace: str, service: str,
                           image: str | None = None, timeout: float = 20.0) -> list[dict]:
    """The Service selects ready pods (of `image`, when given) — waited for, since a
    rollback converges after the run returns."""
    def check() -> list[dict]:
        ready = service_ready_pods(conn, namespace, service)
        if image is not None:
            ready = [p for p in ready if all(c["image"] == image
                                             for c in p["spec"]["containers"])]
        return ready

    return wait_for(check, timeout, f"Service {service} to select ready pods"
                    + (f" of {image}" if image else ""))  # type: ignore[return-value]


class PodLog:
    """Every pod change in one namespace, in the store's order, recorded in process (the
    independent witness for "old pods were gone before a new one started")."""

    def __init__(self, cluster: FakeCluster, namespace: str) -> None:
        self.namespace = namespace
        self.changes: list[tuple[str, dict]] = []
        cluster.store.add_listener(self._on_change)

    def _on_change(self, ev) -> None:
        if ev.key == "pods" and ev.object["metadata"].get("namespace") == self.namespace:
            self.changes.append((ev.type, ev.object))
