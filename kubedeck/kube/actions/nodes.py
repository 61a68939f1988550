"""cordon, uncordon and drain with `kubectl drain`'s rules (pkg/drain): which pods may be
evicted, the messages it prints, and waiting until the evicted pods are gone."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kubedeck.kube.actions.mutate import STRATEGIC_PATCH
from kubedeck.kube.actions.ref import send
from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import ApiError, KubedeckError
from kubedeck.kube.humanize import human_duration

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "Pods declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
RETRY_SECONDS = 5.0
POLL_SECONDS = 0.2

Progress = Callable[[str], None]


def _node_path(node: str) -> str:
    return f"/api/v1/nodes/{node}"


def _get_node(conn: Connection, node: str) -> dict:
    try:
        return json.loads(conn.get(_node_path(node)))
    except ApiError as exc:
        if exc.code == 404:
            raise KubedeckError(f'node "{node}" not found (it was deleted)') from None
        raise


def cordon(conn: Connection, node: str, unschedulable: bool = True) -> bool:
    """Mark the node (un)schedulable; False when it already was (kubectl: "already cordoned")."""
    current = bool((_get_node(conn, node).get("spec") or {}).get("unschedulable"))
    if current == unschedulable:
        return False
    patch = {"spec": {"unschedulable": True if unschedulable else None}}
    send(conn, "PATCH", _node_path(node), patch, content_type=STRATEGIC_PATCH)
    return True


@dataclass
class _Plan:
    """Which pods a drain evicts, and what it warns about or refuses (by message)."""

    evict: list[dict] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    fatal: dict[str, list[str]] = field(default_factory=dict)


def _key(pod: dict) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _controller(pod: dict) -> dict | None:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    return next((r for r in refs if r.get("controller")), None)


def _finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _status(pod: dict, *, ignore_daemonsets: bool, delete_emptydir_data: bool,
            force: bool) -> tuple[str, str]:
    """kubectl's filter chain for one pod: ("skip" | "evict" | "warn" | "fatal", message).
    Filters run in kubectl's order and stop at the first that keeps the pod; the last
    status computed is the pod's, so a later warning replaces an earlier one."""
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return "skip", ""
    status = ("evict", "")
    controller = _controller(pod)
    if controller is not None and controller.get("kind") == "DaemonSet":
        return ("warn", DAEMONSET_WARNING) if ignore_daemonsets else ("fatal", DAEMONSET_FATAL)
    if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
        return "skip", ""
    volumes = (pod.get("spec") or {}).get("volumes") or []
    if not _finished(pod) and any("emptyDir" in v for v in volumes):
        if not delete_emptydir_data:
            return "fatal", LOCAL_STORAGE_FATAL
        status = ("warn", LOCAL_STORAGE_WARNING)
    if controller is None and not _finished(pod):
        if not force:
            return "fatal", UNMANAGED_FATAL
        status = ("warn", UNMANAGED_WARNING)
    return status


def _plan(pods: list[dict], *, ignore_daemonsets: bool, delete_emptydir_data: bool,
          force: bool) -> _Plan:
    plan = _Plan()
    for pod in pods:
        kind, message = _status(pod, ignore_daemonsets=ignore_daemonsets,
                                delete_emptydir_data=delete_emptydir_data, force=force)
        if kind == "fatal":
            plan.fatal.setdefault(message, []).append(_key(pod))
        elif kind == "warn":
            plan.warnings.setdefault(message, []).append(_key(pod))
            if message != DAEMONSET_WARNING:
                plan.evict.append(pod)
        elif kind == "evict":
            plan.evict.append(pod)
    return plan


def _evict(conn: Connection, pod: dict, deadline: float, timeout: float, progress: Progress,
           clock: Callable[[], float], sleep: Callable[[float], None],
           retry_seconds: float) -> bool:
    """POST the Eviction; retry while the server says 429 (a disruption budget). False when
    the pod was already gone."""
    meta = pod["metadata"]
    ns, name = meta["namespace"], meta["name"]
    body = {"apiVersion": "policy/v1", "kind": "Eviction",
            "metadata": {"name": name, "namespace": ns}, "deleteOptions": {}}
    path = f"/api/v1/namespaces/{ns}/pods/{name}/eviction"
    progress(f"evicting pod {ns}/{name}")
    while True:
        try:
            send(conn, "POST", path, body)
            return True
        except ApiError as exc:
            if exc.code == 404:
                return False
            if exc.code != 429:
                raise
            detail = exc.message.removeprefix("Error from server (TooManyRequests): ")
            progress(f'error when evicting pods/"{name}" -n "{ns}" (will retry after '
                     f"{retry_seconds:g}s): {detail}")
            if clock() + retry_seconds > deadline:
                raise KubedeckError(f'error: error when evicting pods/"{name}" -n "{ns}": '
                                    f"global timeout reached: {human_duration(timeout)} - "
                                    "the node stays cordoned") from None
            sleep(retry_seconds)


def _gone(conn: Connection, pod: dict) -> bool:
    meta = pod["metadata"]
    try:
        now = json.loads(conn.get(f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"))
    except ApiError as exc:
        if exc.code == 404:
            return True
        raise
    return (now.get("metadata") or {}).get("uid") != meta.get("uid")


def drain(conn: Connection, node: str, *, ignore_daemonsets: bool = True,
          delete_emptydir_data: bool = False, force: bool = False, timeout: float = 60.0,
          progress: Progress | None = None, clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep,
          retry_seconds: float = RETRY_SECONDS) -> None:
    """`kubectl drain NODE`: cordon, evict every evictable pod, wait until they are gone.
    Refusals leave the node cordoned, as kubectl does, and raise one line naming the pods."""
    say = progress or (lambda line: None)
    deadline = clock() + timeout
    say(f"node/{node} cordoned" if cordon(conn, node) else f"node/{node} already cordoned")
    doc = json.loads(conn.get("/api/v1/pods", {"fieldSelector": f"spec.nodeName={node}"}))
    plan = _plan(doc.get("items") or [], ignore_daemonsets=ignore_daemonsets,
                 delete_emptydir_data=delete_emptydir_data, force=force)
    if plan.fatal:
        errors = ", ".join(f"cannot delete {msg}: {', '.join(pods)}"
                           for msg, pods in plan.fatal.items())
        if len(plan.fatal) > 1:
            errors = f"[{errors}]"
        raise KubedeckError(f'error: unable to drain node "{node}" due to error: {errors} '
                            "- the node stays cordoned")
    if plan.warnings:
        say("Warning: " + "; ".join(f"{msg}: {', '.join(pods)}"
                                    for msg, pods in plan.warnings.items()))
    pending = [p for p in plan.evict
               if _evict(conn, p, deadline, timeout, say, clock, sleep, retry_seconds)]
    while pending:
        still = []
        for pod in pending:
            if _gone(conn, pod):
                say(f"pod/{pod['metadata']['name']} evicted")
            else:
                still.append(pod)
        pending = still
        if not pending:
            break
        if clock() >= deadline:
            names = ", ".join(_key(p) for p in pending)
            raise KubedeckError(f'error: unable to drain node "{node}": global timeout reached '
                                f"({human_duration(timeout)}) waiting for pods to terminate: "
                                f"{names} - the node stays cordoned")
        sleep(POLL_SECONDS)
    say(f"node/{node} drained")
