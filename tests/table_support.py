"""Pod records for the table tests, built as the reflector's decoder would hold them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubedeck.kube import decode as d

NOW = 1_700_000_000.0


def ts(seconds_ago: float) -> str:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name: str, ns: str = "shop", *, age: float = 60, restarts: int = 0,
        waiting: str | None = None, ready: bool = True, phase: str = "Running",
        labels: dict[str, str] | None = None, uid: str | None = None, rv: str = "1",
        owner: str | None = None, terminated: str | None = None) -> Any:
    state: dict = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    if terminated:
        state = {"terminated": {"reason": terminated, "exitCode": 0}}
    meta: dict = {"name": name, "namespace": ns, "uid": uid or f"uid-{ns}-{name}",
                  "resourceVersion": rv, "creationTimestamp": ts(age),
                  "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "Job", "name": "j",
                                    "uid": owner, "controller": True}]
    return d.convert(d.Pod, {
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "node-1"},
        "status": {"phase": phase,
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                   "containerStatuses": [{"name": "c", "ready": ready and not waiting,
                                          "restartCount": restarts, "state": state}]}})
