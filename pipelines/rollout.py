"""Waiting for Deployments to roll out: decided exactly as `kubectl rollout status` decides,
and failed early from the new pods.

Everything is watch-driven: each Deployment, its ReplicaSets and its pods are list+watch
streams (pipelines.watching), and the judgement runs when one of them changes, so "rollout
complete" is reported within milliseconds of the status that makes it so. The verdict on a
Deployment is kubectl's own (`kubedeck.kube.rollout_status.deployment_status`: observed
generation, updated / available replicas, ProgressDeadlineExceeded) and its messages are
passed on as log lines; the pods of the new ReplicaSet are checked meanwhile
(pipelines.diagnose), so a bad image or a crashing container fails the rollout in seconds,
with the pod's reason and last log lines, instead of at the progress deadline.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.humanize import human_duration
from kubedeck.kube.rollout_status import RolloutError, deployment_status
from kubedeck.kube.selectors import selector_string
from pipelines.diagnose import diagnose, last_logs
from pipelines.events import CancelToken, Emit, LogLine, Stage, StageProgress
from pipelines.staged import Failure
from pipelines.watching import Deadline, Watches

HASH_LABEL = "pod-template-hash"
# Longest wait between two looks at the cancel token while nothing changes.
CANCEL_TICK = 0.05


def seconds_text(seconds: float) -> str:
    """`1.5s`, `90s`, `5m`: a configured duration as the user wrote it, roughly."""
    return f"{seconds:g}s" if seconds < 120 else human_duration(seconds)


def template_without_hash(template: dict) -> dict:
    out = copy.deepcopy(template or {})
    labels = (out.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return out


def _owned_by(obj: dict, uid: str) -> bool:
    return any(ref.get("uid") == uid and ref.get("controller")
               for ref in (obj.get("metadata") or {}).get("ownerReferences") or ())


def new_replicaset(deployment: dict, replicasets: Sequence[dict]) -> dict | None:
    """The ReplicaSet running the Deployment's current template (the controller's
    FindNewReplicaSet: same template once the pod-template-hash label is left out)."""
    uid = (deployment.get("metadata") or {}).get("uid", "")
    want = template_without_hash((deployment.get("spec") or {}).get("template") or {})
    owned = [rs for rs in replicasets if _owned_by(rs, uid)]
    owned.sort(key=lambda rs: (rs.get("metadata") or {}).get("creationTimestamp", ""))
    for rs in owned:
        if template_without_hash((rs.get("spec") or {}).get("template") or {}) == want:
            return rs
    return None


def _started(pod: dict) -> bool:
    """A container of the pod has started running (it may serve or write data)."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        state = cs.get("state") or {}
        if "running" in state or "terminated" in state or (cs.get("lastState") or {}):
            return True
    return False


@dataclass
class _Tracked:
    """What we know about one Deployment while it rolls out."""

    name: str
    selector: str
    last_line: str = ""
    last_progress: tuple[int, int, int] = (-1, -1, -1)
    done: bool = False
    new_hash: str | None = None
    old_gone_logged: bool = False
    seen: bool = False
    final: dict = field(default_factory=dict)


class RolloutWatch:
    """Watches Deployments until each has rolled out (see `wait_rollouts`)."""

    def __init__(self, conn: Connection, discovery: Discovery, namespace: str,
                 deployments: Sequence[dict], *, emit: Emit, cancel: CancelToken,
                 stage: Stage = "rollout", exclusive: bool = False) -> None:
        self.conn = conn
        self.namespace = namespace
        self.emit = emit
        self.cancel = cancel
        self.stage = stage
        self.exclusive = exclusive
        self._resources = (discovery.resolve("deployments.apps"),
                           discovery.resolve("replicasets.apps"), discovery.resolve("pods"))
        self.tracked = {}
        for d in deployments:
            meta, spec = d.get("metadata") or {}, d.get("spec") or {}
            name = meta.get("name", "")
            self.tracked[name] = _Tracked(name, selector_string(spec.get("selector")))

    def wait(self, timeout: float | None) -> dict[str, dict]:
        """Block until every Deployment rolled out (their final objects by name), or raise
        Failure (failed, deadline exceeded, timed out) or Cancelled."""
        deadline = Deadline(timeout)
        deployments, replicasets, pods = self._resources
        with Watches(self.conn) as watches:
            for t in self.tracked.values():
                watches.add(f"deploy/{t.name}", deployments, self.namespace,
                            field_selector=f"metadata.name={t.name}")
                watches.add(f"rs/{t.name}", replicasets, self.namespace,
                            label_selector=t.selector or None)
                watches.add(f"pods/{t.name}", pods, self.namespace,
                            label_selector=t.selector or None)
            while not all(t.done for t in self.tracked.values()):
                self.cancel.check()
                left = deadline.left()
                if left <= 0:
                    raise self._timed_out(timeout, watches)
                change = watches.next(min(left, CANCEL_TICK))
                if change is None:
                    continue
                name = change.tag.split("/", 1)[1]
                t = self.tracked[name]
                if not t.done:
                    self._judge(t, watches)
        return {t.name: t.final for t in self.tracked.values()}

    # -- judging ---------------------------------------------------------------------------

    def _judge(self, t: _Tracked, watches: Watches) -> None:
        found = list(watches.objects[f"deploy/{t.name}"].values())
        if not found:
            if t.seen:
                raise Failure(f'deployment "{t.name}" was deleted during its rollout',
                              "find out who deleted it, then deploy again")
            return
        t.seen = True
        dep = found[0]
        try:
            line, done = deployment_status(dep)
        except RolloutError as exc:
            raise self._deadline_failure(t, watches, exc.message) from None
        line = line.rstrip("\n")
        if line != t.last_line:
            t.last_line = line
            self.emit(LogLine(self.stage, line, "rollout"))
        self._progress(t, dep)
        rs = new_replicaset(dep, list(watches.objects[f"rs/{t.name}"].values()))
        if rs is not None:
            t.new_hash = ((rs.get("metadata") or {}).get("labels") or {}).get(HASH_LABEL)
        if done:
            t.done = True
            t.final = dep
            return
        new_pods, old_pods = self._pods_by_revision(t, watches)
        for pod in new_pods:
            problem = diagnose(pod)
            if problem is not None:
                logs = last_logs(self.conn, self.namespace, problem)
                raise Failure(f'deployment "{t.name}" rollout failed: {problem.summary()}',
                              problem.hint(), logs)
        if self.exclusive:
            self._check_exclusive(t, new_pods, old_pods)

    def _pods_by_revision(self, t: _Tracked, watches: Watches) -> tuple[list[dict], list[dict]]:
        if t.new_hash is None:
            return [], []
        new, old = [], []
        for pod in watches.objects[f"pods/{t.name}"].values():
            labels = (pod.get("metadata") or {}).get("labels") or {}
            (new if labels.get(HASH_LABEL) == t.new_hash else old).append(pod)
        return new, old

    def _check_exclusive(self, t: _Tracked, new_pods: list[dict], old_pods: list[dict]) -> None:
        """Recreate's promise: no pod of an old revision exists once a new one has started."""
        started = [p for p in new_pods if _started(p)]
        if not started:
            return
        if old_pods:
            old = (old_pods[0].get("metadata") or {}).get("name", "")
            new = (started[0].get("metadata") or {}).get("name", "")
            raise Failure(f'deployment "{t.name}" (Recreate): pod "{old}" of the old revision '
                          f'still existed when pod "{new}" of the new one started',
                          "check that spec.strategy.type is Recreate on the live Deployment")
        if not t.old_gone_logged:
            t.old_gone_logged = True
            self.emit(LogLine(self.stage, f'deployment "{t.name}": no old pod left when the '
                                          "first new pod started (Recreate)", "rollout"))

    def _progress(self, t: _Tracked, dep: dict) -> None:
        spec, status = dep.get("spec") or {}, dep.get("status") or {}
        want = int(spec.get("replicas", 1) or 0)
        updated = int(status.get("updatedReplicas") or 0)
        available = min(int(status.get("availableReplicas") or 0), updated)
        key = (want, updated, available)
        if key == t.last_progress:
            return
        t.last_progress = key
        fraction = 1.0 if want == 0 else min(1.0, (updated + available) / (2 * want))
        self.emit(StageProgress(self.stage, f"{t.name}: {updated}/{want} updated, {available} "
                                            "available", fraction))

    # -- failures --------------------------------------------------------------------------

    def _stuck_pods(self, t: _Tracked, watches: Watches) -> str:
        new_pods, _ = self._pods_by_revision(t, watches)
        names = sorted((p.get("metadata") or {}).get("name", "") for p in new_pods
                       if not _ready(p))
        if not names:
            return ""
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        return f" (not ready: {shown})"

    def _deadline_failure(self, t: _Tracked, watches: Watches, message: str) -> Failure:
        return Failure(f"{message.removeprefix('error: ')}{self._stuck_pods(t, watches)}",
                       f"see why with: kubectl -n {self.namespace} describe pods -l "
                       f"{t.selector}")

    def _timed_out(self, timeout: float | None, watches: Watches) -> Failure:
        waiting = [t for t in self.tracked.values() if not t.done]
        t = waiting[0]
        status = t.last_line or "no status seen"
        errors = watches.errors()
        why = f"; the watch failed: {errors[0]}" if errors else ""
        return Failure(f'deployment "{t.name}" did not finish rolling out within '
                       f"{seconds_text(timeout or 0)} (deploy.timeout): {status}"
                       f"{self._stuck_pods(t, watches)}{why}",
                       "raise deploy.timeout if the app starts slowly, or see why with: "
                       f"kubectl -n {self.namespace} describe pods -l {t.selector}")


def _ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def wait_rollouts(conn: Connection, discovery: Discovery, namespace: str,
                  deployments: Sequence[dict], *, timeout: float | None, emit: Emit,
                  cancel: CancelToken, stage: Stage = "rollout",
                  exclusive: bool = False) -> dict[str, dict]:
    """Wait until every Deployment in `deployments` (applied objects or documents: name and
    selector are read) has rolled out; `exclusive` also checks Recreate's promise that old
    pods are gone before new ones start. Raises Failure with the reason, a hint and the
    failing pod's last log lines, or Cancelled."""
    watch = RolloutWatch(conn, discovery, namespace, deployments, emit=emit, cancel=cancel,
                         stage=stage, exclusive=exclusive)
    return watch.wait(timeout)
