"""Pods for the streaming tests (exec, attach, port-forward) on the module's simulated
cluster: a Debian-based image, an Alpine one, a distroless one and a pod with two containers,
each with declared ports the simulated app listens on."""

from __future__ import annotations

import time

from kubedeck.fake.cluster import FakeCluster

PODS = {
    "deb": [{"name": "web", "image": "docker.io/library/nginx:1.27.2",
             "ports": [{"containerPort": 8080}],
             "env": [{"name": "GREETING", "value": "hello world"}]}],
    "alp": [{"name": "main", "image": "docker.io/library/alpine:3.20",
             "command": ["sleep", "infinity"]}],
    "bare": [{"name": "app", "image": "gcr.io/distroless/static:nonroot"}],
    "two": [{"name": "api", "image": "ghcr.io/kubedeck/api:2.0.1", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "docker.io/library/busybox:1.36"}],
}


def create_pods(cluster: FakeCluster, namespace: str = "default") -> None:
    pods = cluster.type_for("pods")
    for name, containers in PODS.items():
        cluster.create(pods, {"metadata": {"name": name, "namespace": namespace},
                              "spec": {"containers": containers}})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        phases = {cluster.get(pods, namespace, n).get("status", {}).get("phase") for n in PODS}
        if phases == {"Running"}:
            return
        time.sleep(0.05)
    raise AssertionError(f"demo pods did not start: {phases}")
