"""Helpers for the simulated-controller tests (tests/test_fake_controllers_*.py)."""

from __future__ import annotations

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.store import ManualClock, clone


def make_cluster(nodes: int = 3, ready_delay: float = 2.0) -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=ready_delay, nodes=nodes)


def deployment(name: str, image: str = "nginx:1.25", replicas: int = 3, **spec) -> dict:
    return {"metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}},
                     **spec}}


def create_deployment(cluster: FakeCluster, name: str, image: str = "nginx:1.25",
                      replicas: int = 3, **spec) -> dict:
    return cluster.create(cluster.type_for("deployments"),
                          deployment(name, image, replicas, **spec))


def get_deployment(cluster: FakeCluster, name: str) -> dict:
    return cluster.get(cluster.type_for("deployments"), "default", name)


def set_image(cluster: FakeCluster, name: str, image: str) -> dict:
    d = clone(get_deployment(cluster, name))
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return cluster.update(cluster.type_for("deployments"), d)


def replicasets(cluster: FakeCluster, app: str | None = None) -> list[dict]:
    selector = f"app={app}" if app else None
    return cluster.list(cluster.type_for("replicasets"), "default", label_selector=selector)[0]


def pods(cluster: FakeCluster, app: str | None = None) -> list[dict]:
    selector = f"app={app}" if app else None
    return cluster.list(cluster.type_for("pods"), "default", label_selector=selector)[0]


def pod(cluster: FakeCluster, name: str) -> dict:
    return cluster.get(cluster.type_for("pods"), "default", name)


def create_pod(cluster: FakeCluster, name: str, image: str = "nginx:1.25", **spec) -> dict:
    body = {"metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": image}], **spec}}
    return cluster.create(cluster.type_for("pods"), body)


def events(cluster: FakeCluster, name: str | None = None) -> list[dict]:
    out = cluster.list(cluster.type_for("events"))[0]
    return [e for e in out if name is None or e["involvedObject"]["name"] == name]


def reasons(cluster: FakeCluster, name: str) -> list[tuple[str, str, str]]:
    return [(e["type"], e["reason"], e["message"]) for e in events(cluster, name)]


def condition(obj: dict, type_: str) -> dict:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def is_ready(p: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in (p.get("status") or {}).get("conditions") or ())


def container_status(p: dict, index: int = 0) -> dict:
    return p["status"]["containerStatuses"][index]
