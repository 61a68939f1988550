"""Which colour class a row gets: failing, pending, completed or ok.

Kept apart from the table model because it is pure kubectl knowledge (STATUS texts and
readiness counts) that the model, the tests and any other view can share. Pods are judged
from the STATUS and READY cells kubectl prints, so the class always agrees with the text the
user sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

FAILING = "failing"
PENDING = "pending"
COMPLETED = "completed"
OK = "ok"

_POD_FAILING = frozenset({
    "CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull",
    "OOMKilled", "Evicted", "Unknown", "Failed", "NodeLost", "InvalidImageName",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "StartError",
    "ContainerStatusUnknown", "ContainerCannotRun", "DeadlineExceeded", "PreStopHookError",
    "PostStartHookError", "RegistryUnavailable", "UnexpectedAdmissionError", "OutOfcpu",
    "OutOfmemory", "NodeAffinity", "Shutdown",
})
_POD_PENDING = frozenset({
    "Pending", "ContainerCreating", "PodInitializing", "Terminating", "SchedulingGated",
    "NotReady",
})
_POD_COMPLETED = frozenset({"Completed", "Succeeded"})
_INIT_PROGRESS = re.compile(r"^Init:\d+/\d+$")


def _ratio(text: str) -> tuple[int, int] | None:
    head, sep, tail = text.partition("/")
    if not sep or not head.isdigit() or not tail.isdigit():
        return None
    return int(head), int(tail)


def pod_class(status: str, ready: str) -> str:
    """From the STATUS and READY cells (`CrashLoopBackOff`, `Init:0/2`, `1/2`)."""
    if status in _POD_FAILING or status.startswith(("Signal:", "ExitCode:")):
        return FAILING
    if status.startswith("Init:"):
        return PENDING if _INIT_PROGRESS.match(status) or status == "Init:PodInitializing" \
            else FAILING
    if status in _POD_PENDING:
        return PENDING
    if status in _POD_COMPLETED:
        return COMPLETED
    counts = _ratio(ready)
    if counts is not None and counts[0] < counts[1]:
        return PENDING
    return OK


def _short(ready: int, desired: int) -> str:
    return PENDING if ready < desired else OK


def _pod(record: Any, cells: Sequence[str]) -> str:
    return pod_class(cells[2], cells[1])


def _condition(record: Any, kind: str) -> Any:
    return next((c for c in record.status.conditions if c.type == kind), None)


def _deployment(record: Any, cells: Sequence[str]) -> str:
    """Failing once the controller gave up (kubectl rollout status's own verdict) or cannot
    create pods; merely short of replicas is still progressing."""
    progressing = _condition(record, "Progressing")
    if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
        return FAILING
    failure = _condition(record, "ReplicaFailure")
    if failure is not None and failure.status == "True":
        return FAILING
    return _short(record.status.readyReplicas, record.spec.replicas)


def _replicaset(record: Any, cells: Sequence[str]) -> str:
    failure = _condition(record, "ReplicaFailure")
    if failure is not None and failure.status == "True":
        return FAILING
    return _short(record.status.readyReplicas, record.spec.replicas)


def _statefulset(record: Any, cells: Sequence[str]) -> str:
    return _short(record.status.readyReplicas, record.spec.replicas)


def _daemonset(record: Any, cells: Sequence[str]) -> str:
    return _short(record.status.numberReady, record.status.desiredNumberScheduled)


def _job(record: Any, cells: Sequence[str]) -> str:
    status = cells[1]
    if status in ("Failed", "FailureTarget"):
        return FAILING
    if status == "Complete":
        return COMPLETED
    if status in ("Terminating", "Suspended"):
        return PENDING
    return OK


def _node(record: Any, cells: Sequence[str]) -> str:
    status = cells[1]
    if status.startswith(("NotReady", "Unknown")):
        return FAILING
    return PENDING if "SchedulingDisabled" in status else OK


def _event(record: Any, cells: Sequence[str]) -> str:
    return FAILING if cells[1] == "Warning" else OK


def _namespace(record: Any, cells: Sequence[str]) -> str:
    return PENDING if cells[1] == "Terminating" else OK


def _pv(record: Any, cells: Sequence[str]) -> str:
    return FAILING if cells[4] == "Failed" else PENDING if cells[4] == "Pending" else OK


def _pvc(record: Any, cells: Sequence[str]) -> str:
    return FAILING if cells[1] == "Lost" else PENDING if cells[1] == "Pending" else OK


Classifier = Callable[[Any, Sequence[str]], str]

_BY_KIND: dict[tuple[str, str], Classifier] = {
    ("", "Pod"): _pod,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicaset,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("batch", "Job"): _job,
    ("", "Node"): _node,
    ("", "Event"): _event,
    ("events.k8s.io", "Event"): _event,
    ("", "Namespace"): _namespace,
    ("", "PersistentVolume"): _pv,
    ("", "PersistentVolumeClaim"): _pvc,
}


def _ok(record: Any, cells: Sequence[str]) -> str:
    return OK


def classifier_for(group: str, kind: str) -> Classifier:
    """(record, the kind's wide cells) -> class; every unknown kind is ok."""
    return _BY_KIND.get((group, kind), _ok)
