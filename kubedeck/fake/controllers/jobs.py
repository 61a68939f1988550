"""Job and CronJob controllers, writing status the way pkg/controller/job and
pkg/controller/cronjob (v2) of Kubernetes 1.31 do.

Job pods finish when the kubelet simulation ends their containers (pods whose
restartPolicy is Never or OnFailure run for a while, then exit); this controller only
counts what the pods report. Terminal conditions follow 1.31: `SuccessCriteriaMet` /
`FailureTarget` first, `Complete` / `Failed` once no pod of the Job is left running.
"""

from __future__ import annotations

import threading
from datetime import datetime
from email.utils import formatdate

from kubedeck.fake.controllers.base import Controller, Manager, Timer, parse_time
from kubedeck.fake.controllers.podutil import (
    condition,
    controller_ref,
    is_active,
    is_ready,
    is_terminal,
    is_terminating,
    phase,
    random_suffix,
)
from kubedeck.fake.cron import CronError, parse_schedule, zone_info
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339

JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"

BACKOFF_BASE = 10.0
BACKOFF_MAX = 360.0
TOO_MANY_MISSED = 100

MSG_COMPLETIONS = "Reached expected number of succeeded pods"
MSG_BACKOFF = "Job has reached the specified backoff limit"
MSG_DEADLINE = "Job was active longer than specified deadline"


def is_finished(job: dict) -> str | None:
    """"Complete" or "Failed" when the Job carries that terminal condition."""
    for type_ in ("Complete", "Failed"):
        cond = condition(job, type_)
        if cond is not None and cond.get("status") == "True":
            return type_
    return None


def _new_condition(type_: str, reason: str, message: str, now: float) -> dict:
    stamp = rfc3339(now)
    return {"type": type_, "status": "True", "lastProbeTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def _set_condition(conditions: list[dict], new: dict) -> None:
    """Replace a condition of the same type only when its status changes (keeps times)."""
    for i, cond in enumerate(conditions):
        if cond.get("type") == new["type"]:
            if cond.get("status") != new["status"]:
                conditions[i] = new
            return
    conditions.append(new)


def compress_indexes(indexes: set[int]) -> str:
    """status.completedIndexes: sorted intervals such as "0-2,5"."""
    out: list[str] = []
    ordered = sorted(indexes)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)


def _index_of(pod: dict) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    return int(value) if value is not None and value.isdigit() else None


def _restart_count(pod: dict) -> int:
    status = pod.get("status") or {}
    return sum(int(c.get("restartCount") or 0)
               for field in ("initContainerStatuses", "containerStatuses")
               for c in status.get(field) or ())


class JobController(Controller):
    """Runs each Job's pods to the wanted completions, within its failure budget."""

    name = "job"
    watches = ("jobs.batch", "pods")
    component = "job-controller"

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        # Finished pods already counted per Job uid: pod uid -> (succeeded, index).
        self._counted: dict[str, dict[str, tuple[bool, int | None]]] = {}
        # Pods that disappeared before we saw them finish, reported from on_event.
        self._gone: dict[str, dict[str, tuple[bool, int | None]]] = {}
        self._last_failure: dict[str, float] = {}
        self._failures_since_success: dict[str, int] = {}
        # on_event runs on API threads, reconcile on the worker: guard the tables.
        self._lock = threading.Lock()

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object.get("metadata") or {}
        ns = meta.get("namespace", "")
        if ev.key != "pods":
            if ev.type == "DELETED":
                uid = meta.get("uid", "")
                with self._lock:
                    for table in (self._counted, self._gone, self._last_failure,
                                  self._failures_since_success):
                        table.pop(uid, None)
            self.enqueue(ns, meta.get("name", ""))
            return
        for ref in meta.get("ownerReferences") or ():
            if not (ref.get("controller") and ref.get("kind") == "Job"):
                continue
            if ev.type == "DELETED":
                succeeded = phase(ev.object) == "Succeeded"
                with self._lock:
                    self._gone.setdefault(ref.get("uid", ""), {})[meta.get("uid", "")] = (
                        succeeded, _index_of(ev.object))
            self.enqueue(ns, ref.get("name", ""))

    # -- reconcile -------------------------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("jobs", "batch")
        job = self.store.get(rt, namespace, name)
        if job is None or is_finished(job) or is_terminating(job):
            return
        uid = job["metadata"]["uid"]
        spec = job.get("spec") or {}
        now = self.now()
        pods = self.controlled(job, "pods")
        succeeded, failed, done_indexes, new_failure = self._count(uid, pods)
        active = [p for p in pods if is_active(p)]
        terminating = [p for p in pods if not is_terminal(p) and is_terminating(p)]
        old_status = job.get("status") or {}
        status = clone(old_status)
        conditions: list[dict] = status.get("conditions") or []
        indexed = spec.get("completionMode") == "Indexed"

        if spec.get("suspend"):
            for pod in active:
                self._delete_pod(job, pod)
            active = []
            if not self._has(conditions, "Suspended"):
                _set_condition(conditions, _new_condition("Suspended", "JobSuspended",
                                                          "Job suspended", now))
                self.manager.events.record(job, "Normal", "Suspended", "Job suspended",
                                           component=self.component)
        else:
            suspended = condition(job, "Suspended")
            if suspended is not None and suspended.get("status") == "True":
                cond = _new_condition("Suspended", "JobResumed", "Job resumed", now)
                cond["status"] = "False"
                _set_condition(conditions, cond)
                status["startTime"] = rfc3339(now)
                self.manager.events.record(job, "Normal", "Resumed", "Job resumed",
                                           component=self.component)
            status.setdefault("startTime", rfc3339(now))
            active = self._progress(job, status, conditions, pods, active, terminating,
                                    succeeded, failed, done_indexes, new_failure, now)

        status["ready"] = sum(1 for p in active if is_ready(p))
        status["terminating"] = len(terminating)
        status["uncountedTerminatedPods"] = {}
        for field, value in (("active", len(active)), ("succeeded", succeeded),
                             ("failed", failed)):
            if value:
                status[field] = value
            else:
                status.pop(field, None)
        if indexed and done_indexes:
            status["completedIndexes"] = compress_indexes(done_indexes)
        if conditions:
            status["conditions"] = conditions
        if status != old_status:
            updated = clone(job)
            updated["status"] = status
            self.store.write_status(rt, updated)

    @staticmethod
    def _has(conditions: list[dict], type_: str) -> bool:
        return any(c.get("type") == type_ and c.get("status") == "True" for c in conditions)

    def _count(self, uid: str, pods: list[dict]) -> tuple[int, int, set[int], bool]:
        """Cumulative (succeeded, failed, succeeded indexes, whether a failure is new)."""
        new_failure = False
        fresh: dict[str, tuple[bool, int | None]] = {}
        for pod in pods:
            if is_terminal(pod):
                fresh[pod["metadata"]["uid"]] = (phase(pod) == "Succeeded", _index_of(pod))
        now = self.now()
        with self._lock:
            counted = self._counted.setdefault(uid, {})
            for pod_uid, outcome in self._gone.pop(uid, {}).items():
                fresh.setdefault(pod_uid, outcome)
            for pod_uid, outcome in fresh.items():
                if pod_uid in counted:
                    continue
                counted[pod_uid] = outcome
                if outcome[0]:
                    self._failures_since_success[uid] = 0
                else:
                    new_failure = True
                    self._failures_since_success[uid] = \
                        self._failures_since_success.get(uid, 0) + 1
                    self._last_failure[uid] = now
            counted = dict(counted)
        succeeded_indexes = {i for ok, i in counted.values() if ok and i is not None}
        succeeded = sum(1 for ok, _ in counted.values() if ok)
        failed = sum(1 for ok, _ in counted.values() if not ok)
        return succeeded, failed, succeeded_indexes, new_failure

    def _progress(self, job: dict, status: dict, conditions: list[dict], pods: list[dict],
                  active: list[dict], terminating: list[dict], succeeded: int, failed: int,
                  done_indexes: set[int], new_failure: bool, now: float) -> list[dict]:
        """Decide the Job's fate or converge its pods; returns the pods still active."""
        spec = job.get("spec") or {}
        indexed = spec.get("completionMode") == "Indexed"
        completions = spec.get("completions")
        target = self._terminal_target(conditions)
        if target is None:
            target = self._failure(job, status, active, failed, new_failure, now)
            if target is not None:
                _set_condition(conditions, _new_condition("FailureTarget", *target, now))
            elif self._complete(spec, succeeded, done_indexes, active):
                target = ("CompletionsReached", MSG_COMPLETIONS)
                _set_condition(conditions, _new_condition("SuccessCriteriaMet", *target, now))
        if target is not None:
            for pod in active:
                self._delete_pod(job, pod)
            if active or terminating:
                return []
            failing = self._has(conditions, "FailureTarget")
            final = "Failed" if failing else "Complete"
            _set_condition(conditions, _new_condition(final, target[0], target[1], now))
            if failing:
                self.manager.events.record(job, "Warning", target[0], target[1],
                                           component=self.component)
            else:
                status["completionTime"] = rfc3339(now)
                self.manager.events.record(job, "Normal", "Completed", "Job completed",
                                           component=self.component)
            return []
        parallelism = int(spec.get("parallelism", 1))
        if indexed and completions is not None:
            busy = {_index_of(p) for p in active}
            todo = [i for i in range(int(completions)) if i not in done_indexes and i not in busy]
            want_new = max(0, min(parallelism - len(active), len(todo)))
            wanted: list[int | None] = list(todo[:want_new])
        else:
            if completions is not None:
                want = min(parallelism, int(completions) - succeeded)
            else:
                want = len(active) if succeeded else parallelism
            excess = len(active) - max(want, 0)
            if excess > 0:
                newest = sorted(active, key=lambda p: p["metadata"].get("creationTimestamp", ""))
                for pod in newest[-excess:]:
                    self._delete_pod(job, pod)
                active = newest[:-excess]
            wanted = [None] * max(0, want - len(active))
        if wanted:
            wait = self._backoff_left(job["metadata"]["uid"], now)
            if wait > 0:
                self.enqueue(job["metadata"]["namespace"], job["metadata"]["name"], after=wait)
            else:
                for index in wanted:
                    active.append(self._create_pod(job, index))
        return active

    @staticmethod
    def _terminal_target(conditions: list[dict]) -> tuple[str, str] | None:
        for cond in conditions:
            if cond.get("type") in ("FailureTarget", "SuccessCriteriaMet") and \
                    cond.get("status") == "True":
                return cond.get("reason", ""), cond.get("message", "")
        return None

    def _failure(self, job: dict, status: dict, active: list[dict], failed: int,
                 new_failure: bool, now: float) -> tuple[str, str] | None:
        spec = job.get("spec") or {}
        limit = int(spec.get("backoffLimit", 6))
        restart_policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
        if new_failure and failed > limit:
            return "BackoffLimitExceeded", MSG_BACKOFF
        if restart_policy == "OnFailure":
            restarts = sum(_restart_count(p) for p in active
                           if phase(p) in ("Running", "Pending"))
            if (restarts > 0) if limit == 0 else (restarts >= limit):
                return "BackoffLimitExceeded", MSG_BACKOFF
        deadline = spec.get("activeDeadlineSeconds")
        if deadline is not None and status.get("startTime"):
            left = parse_time(status["startTime"]) + int(deadline) - now
            if left <= 0:
                return "DeadlineExceeded", MSG_DEADLINE
            meta = job["metadata"]
            self.enqueue(meta["namespace"], meta["name"], after=left)
        return None

    @staticmethod
    def _complete(spec: dict, succeeded: int, done_indexes: set[int], active: list[dict]) -> bool:
        completions = spec.get("completions")
        if completions is None:
            return succeeded > 0 and not active
        if spec.get("completionMode") == "Indexed":
            return len(done_indexes) >= int(completions)
        return succeeded >= int(completions)

    def _backoff_left(self, uid: str, now: float) -> float:
        with self._lock:
            failures = self._failures_since_success.get(uid, 0)
            last = self._last_failure.get(uid, now)
        if not failures:
            return 0.0
        delay = min(BACKOFF_BASE * 2 ** (failures - 1), BACKOFF_MAX)
        return last + delay - now

    def _create_pod(self, job: dict, index: int | None) -> dict:
        meta = job["metadata"]
        template = clone((job.get("spec") or {}).get("template") or {})
        tmeta = template.get("metadata") or {}
        labels = dict(tmeta.get("labels") or {})
        labels.setdefault(CONTROLLER_UID_LABEL, meta["uid"])
        labels.setdefault(JOB_NAME_LABEL, meta["name"])
        labels.setdefault(LEGACY_CONTROLLER_UID_LABEL, meta["uid"])
        labels.setdefault(LEGACY_JOB_NAME_LABEL, meta["name"])
        annotations = dict(tmeta.get("annotations") or {})
        pod_spec = template.get("spec") or {}
        prefix = f"{meta['name']}-"
        if index is not None:
            annotations[COMPLETION_INDEX] = str(index)
            labels[COMPLETION_INDEX] = str(index)
            prefix = f"{meta['name']}-{index}-"
            pod_spec.setdefault("hostname", f"{meta['name']}-{index}")
            env_var = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                "fieldPath": f"metadata.labels['{COMPLETION_INDEX}']"}}}
            for field in ("initContainers", "containers"):
                for container in pod_spec.get(field) or ():
                    env = container.setdefault("env", [])
                    if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                        env.append(dict(env_var))
        pod_meta: dict = {"name": prefix + random_suffix(), "namespace": meta["namespace"],
                          "labels": labels, "ownerReferences": [controller_ref(job)]}
        if annotations:
            pod_meta["annotations"] = annotations
        pod = self.cluster.create(self.rt("pods"), {"metadata": pod_meta, "spec": pod_spec})
        self.manager.events.record(job, "Normal", "SuccessfulCreate",
                                   f"Created pod: {pod['metadata']['name']}",
                                   component=self.component)
        return pod

    def _delete_pod(self, job: dict, pod: dict) -> None:
        self.delete_pod(job, pod, f"Deleted pod: {pod['metadata']['name']}")


# -- CronJob -------------------------------------------------------------------------------


def job_name_for(cronjob: str, scheduled: float) -> str:
    """The deterministic Job name for one scheduled time: minutes since the epoch."""
    return f"{cronjob}-{int(scheduled) // 60}"


def rfc1123z(ts: float) -> str:
    """Go's time.RFC1123Z, which the MissSchedule event uses."""
    return formatdate(ts, usegmt=False).replace("-0000", "+0000")


def job_from_template(cronjob: dict, scheduled: float) -> dict:
    """The Job a CronJob creates for a scheduled time (getJobFromTemplate2)."""
    meta = cronjob["metadata"]
    spec = cronjob.get("spec") or {}
    template = clone(spec.get("jobTemplate") or {})
    tmeta = template.get("metadata") or {}
    annotations = dict(tmeta.get("annotations") or {})
    local = datetime.fromtimestamp(scheduled, zone_info(spec.get("timeZone")))
    annotations[SCHEDULED_TIMESTAMP] = local.isoformat().replace("+00:00", "Z")
    job_meta: dict = {"name": job_name_for(meta["name"], scheduled),
                      "namespace": meta["namespace"], "annotations": annotations,
                      "ownerReferences": [controller_ref(cronjob)]}
    if tmeta.get("labels"):
        job_meta["labels"] = dict(tmeta["labels"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
            "spec": template.get("spec") or {}}


class CronJobController(Controller):
    """Creates a Job per schedule tick, tracks active ones and trims finished history."""

    name = "cronjob"
    watches = ("cronjobs.batch", "jobs.batch")
    component = "cronjob-controller"

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        self._timers: dict[tuple[str, str], Timer] = {}

    def on_event(self, ev: WatchEvent) -> None:
        if ev.key == "jobs.batch":
            self.enqueue_controller_of(ev, "CronJob")
            return
        super().on_event(ev)

    def _requeue_at(self, namespace: str, name: str, when: float | None) -> None:
        key = (namespace, name)
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()
        if when is not None:
            self._timers[key] = self.after(max(0.0, when - self.now()) + 0.1,
                                           lambda: self.enqueue(namespace, name))

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("cronjobs", "batch")
        cronjob = self.store.get(rt, namespace, name)
        if cronjob is None:
            self._requeue_at(namespace, name, None)
            return
        if is_terminating(cronjob):
            return
        old_status = cronjob.get("status") or {}
        status = clone(old_status)
        jobs = self._jobs(cronjob)
        self._track_jobs(cronjob, status, jobs)
        self._cleanup(cronjob, jobs)
        when = None
        if not (cronjob.get("spec") or {}).get("suspend"):
            when = self._schedule(cronjob, status)
        self._requeue_at(namespace, name, when)
        if not status.get("active"):
            status.pop("active", None)
        if status != old_status:
            updated = clone(cronjob)
            updated["status"] = status
            self.store.write_status(rt, updated)

    def _jobs(self, cronjob: dict) -> list[dict]:
        return self.controlled(cronjob, "jobs", "batch")

    def _track_jobs(self, cronjob: dict, status: dict, jobs: list[dict]) -> None:
        active = list(status.get("active") or [])
        active_uids = {ref.get("uid") for ref in active}
        for job in jobs:
            meta = job["metadata"]
            finished = is_finished(job)
            if meta["uid"] not in active_uids and not finished:
                self.manager.events.record(
                    cronjob, "Warning", "UnexpectedJob",
                    f"Saw a job that the controller did not create or forgot: {meta['name']}",
                    component=self.component)
            elif meta["uid"] in active_uids and finished:
                active = [ref for ref in active if ref.get("uid") != meta["uid"]]
                self.manager.events.record(
                    cronjob, "Normal", "SawCompletedJob",
                    f"Saw completed job: {meta['name']}, status: {finished}",
                    component=self.component)
            if finished == "Complete":
                done = (job.get("status") or {}).get("completionTime")
                last = status.get("lastSuccessfulTime")
                if done and (not last or parse_time(done) > parse_time(last)):
                    status["lastSuccessfulTime"] = done
        live = {job["metadata"]["uid"] for job in jobs}
        for ref in list(active):
            if ref.get("uid") not in live:
                active.remove(ref)
                self.manager.events.record(cronjob, "Normal", "MissingJob",
                                           f"Active job went missing: {ref.get('name')}",
                                           component=self.component)
        status["active"] = active

    def _cleanup(self, cronjob: dict, jobs: list[dict]) -> None:
        spec = cronjob.get("spec") or {}
        for outcome, field, default in (("Complete", "successfulJobsHistoryLimit", 3),
                                         ("Failed", "failedJobsHistoryLimit", 1)):
            limit = spec.get(field, default)
            if limit is None:
                continue
            finished = [j for j in jobs if is_finished(j) == outcome]
            if len(finished) <= int(limit):
                continue
            finished.sort(key=self._start_key)
            for job in finished[:len(finished) - int(limit)]:
                self._delete_job(cronjob, job)

    @staticmethod
    def _start_key(job: dict) -> tuple:
        start = (job.get("status") or {}).get("startTime")
        return (start is None, parse_time(start) if start else 0.0, job["metadata"]["name"])

    def _delete_job(self, cronjob: dict, job: dict) -> None:
        meta = job["metadata"]
        try:
            self.cluster.delete(self.rt("jobs", "batch"), meta["namespace"], meta["name"],
                                propagation="Background")
        except StoreError as exc:
            if exc.code != 404:
                raise
            return
        self.manager.events.record(cronjob, "Normal", "SuccessfulDelete",
                                   f"Deleted job {meta['name']}", component=self.component)

    def _schedule(self, cronjob: dict, status: dict) -> float | None:
        """Start the Job for the most recent missed tick if due; the next time to look."""
        spec = cronjob.get("spec") or {}
        time_zone = spec.get("timeZone")
        try:
            zone_info(time_zone)
        except CronError:
            self.manager.events.record(cronjob, "Warning", "UnknownTimeZone",
                                       f"invalid timeZone: {time_zone!r}: unknown time zone "
                                       f"{time_zone}", component=self.component)
            return None
        try:
            schedule = parse_schedule(spec.get("schedule", ""))
        except CronError as exc:
            self.manager.events.record(cronjob, "Warning", "InvalidSchedule",
                                       f"invalid schedule: {spec.get('schedule', '')} : {exc}",
                                       component=self.component)
            return None
        now = self.now()
        last = status.get("lastScheduleTime") or cronjob["metadata"].get("creationTimestamp")
        earliest = parse_time(last)
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - int(deadline))
        scheduled = schedule.next_after(earliest, time_zone)
        if scheduled is None or scheduled > now:
            return scheduled
        missed = 1
        while missed <= 100_000:
            following = schedule.next_after(scheduled, time_zone)
            if following is None or following > now:
                break
            scheduled = following
            missed += 1
        if missed > TOO_MANY_MISSED:
            self.manager.events.record(
                cronjob, "Warning", "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
                "or check clock skew", component=self.component)
        next_tick = schedule.next_after(now, time_zone)
        if deadline is not None and scheduled + int(deadline) < now:
            self.manager.events.record(cronjob, "Warning", "MissSchedule",
                                       f"Missed scheduled time to start a job: "
                                       f"{rfc1123z(scheduled)}", component=self.component)
            return next_tick
        job_name = job_name_for(cronjob["metadata"]["name"], scheduled)
        active = status.get("active") or []
        if any(ref.get("name") == job_name for ref in active) or \
                status.get("lastScheduleTime") == rfc3339(scheduled):
            return next_tick
        policy = spec.get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and active:
            return next_tick
        if policy == "Replace":
            jobs_rt = self.rt("jobs", "batch")
            for ref in list(active):
                job = self.store.get(jobs_rt, ref.get("namespace", ""), ref.get("name", ""))
                if job is not None:
                    self._delete_job(cronjob, job)
                active.remove(ref)
        try:
            job = self.cluster.create(self.rt("jobs", "batch"),
                                      job_from_template(cronjob, scheduled))
        except StoreError as exc:
            if exc.code != 409:
                raise
            return next_tick
        self.manager.events.record(cronjob, "Normal", "SuccessfulCreate",
                                   f"Created job {job['metadata']['name']}",
                                   component=self.component)
        jmeta = job["metadata"]
        active.append({"kind": "Job", "namespace": jmeta["namespace"], "name": jmeta["name"],
                       "uid": jmeta["uid"], "apiVersion": "batch/v1",
                       "resourceVersion": jmeta["resourceVersion"]})
        status["active"] = active
        status["lastScheduleTime"] = rfc3339(scheduled)
        return next_tick
