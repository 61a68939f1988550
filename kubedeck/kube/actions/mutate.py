"""delete, kill, scale and rollout restart: the requests kubectl sends for them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from kubedeck.kube.actions.ref import ObjectRef, acting, send
from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import KubedeckError

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
RESTARTABLE = {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet")}
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def delete(conn: Connection, ref: ObjectRef, *, propagation: str = "Background",
           grace_seconds: int | None = None) -> None:
    """DELETE with kubectl's default Background propagation (dependents go after)."""
    body: dict = {"kind": "DeleteOptions", "apiVersion": "v1",
                  "propagationPolicy": propagation}
    if grace_seconds is not None:
        body["gracePeriodSeconds"] = grace_seconds
    acting(ref, lambda: send(conn, "DELETE", ref.path(), body))


def kill(conn: Connection, ref: ObjectRef) -> None:
    """`kubectl delete pod --grace-period=0 --force`: the pod goes at once, no termination."""
    if ref.resource.name != "pods" or ref.resource.group:
        raise KubedeckError(f"cannot kill {ref.describe_name()}: only pods can be killed "
                            "- delete it instead")
    delete(conn, ref, grace_seconds=0)


def scale(conn: Connection, ref: ObjectRef, replicas: int) -> None:
    """PATCH the /scale subresource, as `kubectl scale` does."""
    if replicas < 0:
        raise KubedeckError(f"cannot scale {ref.describe_name()} to {replicas}: "
                            "replicas must be 0 or more")
    acting(ref, lambda: send(conn, "PATCH", ref.path("scale"),
                             {"spec": {"replicas": replicas}}, content_type=MERGE_PATCH))


def restart(conn: Connection, ref: ObjectRef, clock: Callable[[], float] = time.time) -> None:
    """`kubectl rollout restart`: stamp the pod template so the controller rolls every pod."""
    if (ref.resource.group, ref.kind) not in RESTARTABLE:
        raise KubedeckError(f"cannot restart {ref.describe_name()}: only deployments, "
                            "statefulsets and daemonsets can be restarted")
    stamp = datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    acting(ref, lambda: send(conn, "PATCH", ref.path(), patch, content_type=STRATEGIC_PATCH))
