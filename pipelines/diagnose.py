"""Why a new pod will never become ready, read from its status, so a rollout fails in seconds
instead of waiting out its progress deadline (kubectl rollout status waits the full 10
minutes on an image typo).

Only states that do not heal by themselves count: a pull that failed (the kubelet retries it,
but a wrong name or a missing tag stays wrong), a container that crashed or could not be
created, a pod no node can take. A pod that is merely slow is left to the deadline.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kubedeck.kube.actions.logs import LogOptions, stream_logs
from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import KubedeckError

# Waiting reasons of a container that mean the pod is not going to start.
FATAL_WAITING = {
    "ErrImagePull": "the image cannot be pulled",
    "ImagePullBackOff": "the image cannot be pulled",
    "InvalidImageName": "the image reference is not valid",
    "ErrImageNeverPull": "the image is not on the node and imagePullPolicy is Never",
    "CrashLoopBackOff": "the container keeps crashing",
    "RunContainerError": "the container cannot be started",
    "CreateContainerConfigError": "the container's configuration is broken",
    "CreateContainerError": "the container cannot be created",
}
_PULL = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
LOG_TAIL = 20


@dataclass(frozen=True)
class PodProblem:
    """One pod's blocking problem; `container` is empty for scheduling problems."""

    pod: str
    reason: str
    message: str
    container: str = ""
    ran: bool = False  # the container ran, so it may have logs worth showing
    previous: bool = False  # its logs are those of the last terminated instance

    def summary(self) -> str:
        where = f'pod "{self.pod}"' + (f' container "{self.container}"' if self.container else "")
        detail = f": {self.message}" if self.message else ""
        return f"{where} {self.reason}{detail}"

    def hint(self) -> str:
        if self.reason in _PULL:
            return ("check the image name, tag and digest, and that the cluster can pull from "
                    "the registry (imagePullSecrets, network)")
        if self.reason == "Unschedulable":
            return ("no node can run the pod: lower its resource requests, fix its node "
                    "selector/affinity/tolerations, or add nodes")
        if self.reason in ("CreateContainerConfigError", "CreateContainerError"):
            return "check the ConfigMaps, Secrets and volumes the container refers to"
        return "the container's last log lines are below; fix the app or its command and deploy again"


def _fatal_container(status: dict) -> tuple[str, str, bool, bool] | None:
    """(reason, message, ran, logs are previous) for one container status, if it is stuck."""
    state = status.get("state") or {}
    waiting = state.get("waiting")
    restarted = int(status.get("restartCount") or 0) > 0
    if waiting and waiting.get("reason") in FATAL_WAITING:
        reason = waiting["reason"]
        message = waiting.get("message") or FATAL_WAITING[reason]
        ran = reason not in _PULL
        return reason, message, ran, ran and restarted
    terminated = state.get("terminated")
    if terminated and int(terminated.get("exitCode") or 0) != 0:
        return _exited(terminated, previous=False)
    last = (status.get("lastState") or {}).get("terminated")
    if last and int(last.get("exitCode") or 0) != 0 and restarted:
        return _exited(last, previous=True)
    return None


def _exited(terminated: dict, previous: bool) -> tuple[str, str, bool, bool]:
    detail = terminated.get("message")
    message = f"exited with code {terminated.get('exitCode')}" + (f": {detail}" if detail else "")
    return terminated.get("reason") or "Error", message, True, previous


def diagnose(pod: dict) -> PodProblem | None:
    """The pod's blocking problem, or None while it may still become ready."""
    meta = pod.get("metadata") or {}
    if "deletionTimestamp" in meta:
        return None
    name = meta.get("name", "")
    status = pod.get("status") or {}
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False" \
                and cond.get("reason") == "Unschedulable":
            return PodProblem(name, "Unschedulable", " ".join(str(cond.get("message", "")).split()))
    statuses = list(status.get("initContainerStatuses") or ()) + \
        list(status.get("containerStatuses") or ())
    for cs in statuses:
        found = _fatal_container(cs)
        if found is not None:
            reason, message, ran, previous = found
            return PodProblem(name, reason, " ".join(str(message).split()),
                              cs.get("name", ""), ran, previous)
    return None


def last_logs(conn: Connection, namespace: str, problem: PodProblem,
              tail: int = LOG_TAIL) -> tuple[str, ...]:
    """The failing container's last log lines (its previous instance's when it restarted),
    prefixed with the pod name; a line saying why when they cannot be read."""
    if not problem.ran or not problem.container:
        return ()
    stop = threading.Event()

    def read(previous: bool) -> list[str]:
        opts = LogOptions(container=problem.container, previous=previous, tail_lines=tail,
                          follow=False)
        return [line.decode("utf-8", "replace")
                for line in stream_logs(conn, namespace, problem.pod, opts, stop)]

    try:
        lines = read(problem.previous)
    except KubedeckError as exc:
        return (f"(logs of pod {problem.pod} unavailable: {exc.message})",)
    finally:
        stop.set()
    return tuple(f"{problem.pod}: {line}" for line in lines[-tail:])
