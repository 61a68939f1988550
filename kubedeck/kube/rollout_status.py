"""`kubectl rollout status`, decided and printed as kubectl's status viewers do, line by line.

The viewers (Deployment, DaemonSet, StatefulSet) are pure functions of the object so the deploy
pipelines and the TUI can reuse them; `watch_rollout` drives them the way kubectl does: list
the one object by field selector, then watch it from the list's resourceVersion, calling the
viewer on every ADDED/MODIFIED event (re-watching after the stream ends, re-listing after 410
or a broken connection) until it reports done, fails, or the timeout passes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

import msgspec
import urllib3

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource, Discovery
from kubedeck.kube.errors import ApiError, ConnectError, KubedeckError

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
TIMEOUT_MESSAGE = "error: timed out waiting for the condition"


class RolloutError(KubedeckError):
    """The rollout failed or cannot be judged; the message is kubectl's error line."""

    def __init__(self, message: str) -> None:
        super().__init__(f"error: {message}")


Viewer = Callable[[dict, int], tuple[str, bool]]


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _replicas(spec: dict) -> int | None:
    v = spec.get("replicas")
    return v if isinstance(v, int) else None


def _go_parse_int(text: str) -> int:
    try:
        if not text or text.strip() != text or "_" in text:
            raise ValueError
        return int(text, 10)
    except ValueError:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def deployment_status(obj: dict, revision: int = 0) -> tuple[str, bool]:
    """kubectl's DeploymentStatusViewer.Status."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    name = meta.get("name", "")
    if revision > 0:
        raw = (meta.get("annotations") or {}).get(REVISION_ANNOTATION)
        try:
            current = _go_parse_int(raw) if raw is not None else 0
        except ValueError as exc:
            raise RolloutError(f'cannot get the revision of deployment "{name}": {exc}') from None
        if revision != current:
            raise RolloutError(f"desired revision ({revision}) is different from the running "
                               f"revision ({current})")
    if _int(meta.get("generation")) <= _int(status.get("observedGeneration")):
        cond = next((c for c in status.get("conditions") or []
                     if c.get("type") == "Progressing"), None)
        if cond is not None and cond.get("reason") == TIMED_OUT_REASON:
            raise RolloutError(f'deployment "{name}" exceeded its progress deadline')
        want = _replicas(spec)
        updated = _int(status.get("updatedReplicas"))
        if want is not None and updated < want:
            return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} '
                    "new replicas have been updated...\n", False)
        replicas = _int(status.get("replicas"))
        if replicas > updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {replicas - updated} '
                    "old replicas are pending termination...\n", False)
        available = _int(status.get("availableReplicas"))
        if available < updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} '
                    "updated replicas are available...\n", False)
        return f'deployment "{name}" successfully rolled out\n', True
    return "Waiting for deployment spec update to be observed...\n", False


def daemonset_status(obj: dict, revision: int = 0) -> tuple[str, bool]:
    """kubectl's DaemonSetStatusViewer.Status (revision is ignored, as kubectl ignores it)."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    name = meta.get("name", "")
    if (spec.get("updateStrategy") or {}).get("type", "") != "RollingUpdate":
        raise RolloutError("rollout status is only available for RollingUpdate strategy type")
    if _int(meta.get("generation")) <= _int(status.get("observedGeneration")):
        desired = _int(status.get("desiredNumberScheduled"))
        updated = _int(status.get("updatedNumberScheduled"))
        if updated < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {updated} out of '
                    f"{desired} new pods have been updated...\n", False)
        available = _int(status.get("numberAvailable"))
        if available < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {available} of '
                    f"{desired} updated pods are available...\n", False)
        return f'daemon set "{name}" successfully rolled out\n', True
    return "Waiting for daemon set spec update to be observed...\n", False


def statefulset_status(obj: dict, revision: int = 0) -> tuple[str, bool]:
    """kubectl's StatefulSetStatusViewer.Status."""
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "") != "RollingUpdate":
        raise RolloutError("rollout status is only available for RollingUpdate strategy type")
    observed = _int(status.get("observedGeneration"))
    if observed == 0 or _int(meta.get("generation")) > observed:
        return "Waiting for statefulset spec update to be observed...\n", False
    want = _replicas(spec)
    ready = _int(status.get("readyReplicas"))
    if want is not None and ready < want:
        return f"Waiting for {want - ready} pods to be ready...\n", False
    rolling = strategy.get("rollingUpdate")
    updated = _int(status.get("updatedReplicas"))
    if rolling is not None:
        partition = rolling.get("partition")
        if want is not None and isinstance(partition, int) and updated < want - partition:
            return (f"Waiting for partitioned roll out to finish: {updated} out of "
                    f"{want - partition} new pods have been updated...\n", False)
        return f"partitioned roll out complete: {updated} new pods have been updated...\n", True
    update_rev = status.get("updateRevision", "")
    current_rev = status.get("currentRevision", "")
    if update_rev != current_rev:
        return (f"waiting for statefulset rolling update to complete {updated} pods at "
                f"revision {update_rev}...\n", False)
    return (f"statefulset rolling update complete {_int(status.get('currentReplicas'))} pods at "
            f"revision {current_rev}...\n", True)


_VIEWERS: dict[tuple[str, str], Viewer] = {
    ("apps", "Deployment"): deployment_status,
    ("extensions", "Deployment"): deployment_status,
    ("apps", "DaemonSet"): daemonset_status,
    ("extensions", "DaemonSet"): daemonset_status,
    ("apps", "StatefulSet"): statefulset_status,
}


def status_viewer_for(group: str, kind: str) -> Viewer:
    viewer = _VIEWERS.get((group, kind))
    if viewer is None:
        gk = f"{kind}.{group}" if group else kind
        raise KubedeckError(f"error: no status viewer has been implemented for {gk}")
    return viewer


# -- watching ----------------------------------------------------------------------------------

class _Event(msgspec.Struct):
    type: str
    object: dict


class _List(msgspec.Struct):
    items: list[dict] = []
    metadata: dict = {}


class _Timeout(Exception):
    pass


class _Relist(Exception):
    pass


def watch_rollout(conn: Connection, resource: APIResource, namespace: str, name: str, *,
                  revision: int = 0, watch: bool = True, timeout: float | None = None,
                  out: TextIO | None = None, retry_delay: float = 1.0) -> None:
    """Print status lines until the rollout is done (return), fails (RolloutError) or
    `timeout` seconds pass (KubedeckError with kubectl's timeout line)."""
    out = out or sys.stdout
    viewer = status_viewer_for(resource.group, resource.kind)
    deadline = time.monotonic() + timeout if timeout and timeout > 0 else None
    ns = namespace if resource.namespaced else None
    selector = f"metadata.name={name}"

    def remaining() -> float | None:
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Timeout
        return left

    def judge(obj: dict) -> bool:
        line, done = viewer(obj, revision)
        out.write(line)
        out.flush()
        return done or not watch

    present = False
    delay = retry_delay
    try:
        while True:
            try:
                remaining()
                listed = msgspec.json.decode(
                    conn.get(resource.path(ns), {"fieldSelector": selector}), type=_List)
                rv = str(listed.metadata.get("resourceVersion", ""))
                found = [o for o in listed.items
                         if (o.get("metadata") or {}).get("name") == name]
                if present and not found:
                    raise RolloutError("object has been deleted")
                for obj in found:
                    present = True
                    if judge(obj):
                        return
                delay = retry_delay
                while True:
                    rv, finished = _watch_once(conn, resource, ns, selector, rv, remaining, judge)
                    if finished:
                        return
            except _Relist:
                continue
            except (ConnectError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.code in (401, 403, 404):
                    raise
                left = remaining()
                time.sleep(min(delay, left) if left is not None else delay)
                delay = min(delay * 2, 30.0)
    except _Timeout:
        raise KubedeckError(TIMEOUT_MESSAGE) from None


def _watch_once(conn: Connection, resource: APIResource, ns: str | None, selector: str, rv: str,
                remaining: Callable[[], float | None], judge: Callable[[dict], bool]
                ) -> tuple[str, bool | None]:
    """One watch request; returns (last resourceVersion, True when done / None to re-watch)."""
    left = remaining()
    server_timeout = int(min(left, 300)) + 1 if left is not None else 300
    resp = conn.stream(resource.path(ns), {
        "watch": "true", "fieldSelector": selector, "resourceVersion": rv,
        "allowWatchBookmarks": "true", "timeoutSeconds": server_timeout})
    timer = threading.Timer(left, resp.shutdown) if left is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        for line in resp:
            if not line.strip():
                continue
            ev = msgspec.json.decode(line, type=_Event)
            if ev.type == "ERROR":
                raise _Relist
            meta = ev.object.get("metadata") or {}
            rv = str(meta.get("resourceVersion", rv))
            if ev.type == "BOOKMARK":
                continue
            if ev.type == "DELETED":
                raise RolloutError("object has been deleted")
            if ev.type in ("ADDED", "MODIFIED") and judge(ev.object):
                return rv, True
            remaining()
    except (msgspec.DecodeError, OSError, urllib3.exceptions.HTTPError) as exc:
        remaining()
        raise _Relist from exc
    finally:
        if timer is not None:
            timer.cancel()
        resp.release_conn()
        resp.close()
    remaining()
    return rv, None


# -- the command -------------------------------------------------------------------------------

def run_rollout_status(conn: Connection, discovery: Discovery, args: list[str], *, revision: int = 0,
                       watch: bool = True, timeout: float | None = None,
                       out: TextIO | None = None) -> int:
    """`rollout status KIND/NAME | KIND NAME` in the connection's namespace."""
    if not args:
        raise KubedeckError("error: required resource not specified")
    if "/" in args[0]:
        pairs = [a.partition("/")[::2] for a in args]
    elif len(args) == 1:
        pairs = [(args[0], "")]
    else:
        pairs = [(args[0], name) for name in args[1:]]
    if any(not kind for kind, _ in pairs):
        raise KubedeckError(f"error: arguments in resource/name form must have a single resource "
                            f"and name: {args[0]!r}")
    resources = {discovery.resolve(kind) for kind, _ in pairs}
    if len(resources) > 1:
        raise KubedeckError("error: you must provide one or more resources by argument or "
                            "filename (.json|.yaml|.yml|stdin) of a single type")
    resource = resources.pop()
    ns = conn.namespace if resource.namespaced else None
    names = [name for _, name in pairs if name]
    if not names:
        listed = msgspec.json.decode(conn.get(resource.path(ns)), type=_List)
        names = [(o.get("metadata") or {}).get("name", "") for o in listed.items]
    else:
        for name in names:
            conn.get(resource.path(ns, name))
    if len(names) != 1:
        raise KubedeckError("error: rollout status is only supported on individual resources and "
                            f"resource collections - {len(names)} resources were found")
    watch_rollout(conn, resource, conn.namespace, names[0], revision=revision, watch=watch,
                  timeout=timeout, out=out)
    return 0
