"""Per-kind describers for workloads, each printing what `kubectl describe <kind>` prints, in
its order; the registry DESCRIBERS also holds the network/config/storage ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from kubedeck.kube.actions.describe_pod import (
    controller_of,
    describe_pod,
    label_selector_text,
    pod_template,
)
from kubedeck.kube.actions.describe_util import (
    annotations_block,
    go_time,
    labels_block,
)
from kubedeck.kube.actions.tabwriter import PrefixWriter
from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import ApiError
from kubedeck.kube.humanize import human_duration, parse_rfc3339


@dataclass(frozen=True)
class Context:
    """What a describer may need beyond the object: related lookups and the clock."""

    conn: Connection
    discovery: Discovery
    now: float

    def items(self, path: str, **query: str) -> list[dict]:
        """A list's items, or [] when listing is refused (kubectl describes without them)."""
        try:
            return json.loads(self.conn.get(path, query or None)).get("items") or []
        except ApiError:
            return []


Describer = Callable[[PrefixWriter, dict, Context], None]


def _head(w: PrefixWriter, obj: dict, namespace: bool = True) -> tuple[dict, dict, dict]:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    if namespace:
        w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    return meta, spec, status


def _owned(obj: dict, uid: str) -> bool:
    return any(r.get("controller") and r.get("uid") == uid
               for r in (obj.get("metadata") or {}).get("ownerReferences") or [])


def _pods_status(ctx: Context, obj: dict) -> str:
    """getPodStatusForController: the owned pods counted by phase."""
    meta = obj.get("metadata") or {}
    selector = label_selector_text((obj.get("spec") or {}).get("selector"))
    pods = ctx.items(f"/api/v1/namespaces/{meta.get('namespace', '')}/pods",
                     labelSelector="" if selector == "<none>" else selector)
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        if _owned(pod, meta.get("uid", "")):
            phase = (pod.get("status") or {}).get("phase", "")
            if phase in counts:
                counts[phase] += 1
    return (f"{counts['Running']} Running / {counts['Pending']} Waiting / "
            f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed")


def _conditions(w: PrefixWriter, status: dict) -> None:
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def _template_equal(rs: dict, deploy: dict) -> bool:
    """EqualIgnoreHash: the RS's pod template is the deployment's, bar pod-template-hash."""
    a = json.loads(json.dumps((rs.get("spec") or {}).get("template") or {}))
    b = (deploy.get("spec") or {}).get("template") or {}
    labels = (a.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop("pod-template-hash", None)
    return a == b


def _rs_list(rss: list[dict]) -> str:
    text = ", ".join(f"{(r.get('metadata') or {}).get('name', '')} "
                     f"({(r.get('status') or {}).get('replicas', 0)}/"
                     f"{(r.get('spec') or {}).get('replicas', 0)} replicas created)"
                     for r in rss)
    return text or "<none>"


def deployment(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = _head(w, obj)
    w.write(0, f"CreationTimestamp:\t{go_time(meta.get('creationTimestamp'))}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    selector = label_selector_text(spec.get("selector"))
    w.write(0, f"Selector:\t{selector}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 0)} desired | "
               f"{status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} "
               f"total | {status.get('availableReplicas', 0)} available | "
               f"{status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', 0)} max unavailable, "
                   f"{ru.get('maxSurge', 0)} max surge\n")
    pod_template(w, spec.get("template"))
    _conditions(w, status)
    rss = [r for r in ctx.items(f"/apis/apps/v1/namespaces/{meta.get('namespace', '')}"
                                "/replicasets",
                                labelSelector="" if selector == "<none>" else selector)
           if _owned(r, meta.get("uid", ""))]
    rss.sort(key=lambda r: ((r.get("metadata") or {}).get("creationTimestamp", ""),
                            (r.get("metadata") or {}).get("name", "")))
    new = next((r for r in rss if _template_equal(r, obj)), None)
    old = [r for r in rss if r is not new and (r.get("spec") or {}).get("replicas", 0) != 0]
    if rss:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")


def replicaset(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = _head(w, obj)
    w.write(0, f"Selector:\t{label_selector_text(spec.get('selector'))}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    owner = controller_of(obj)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    w.write(0, f"Replicas:\t{status.get('replicas', 0)} current / "
               f"{spec.get('replicas', 0)} desired\n")
    w.write(0, f"Pods Status:\t{_pods_status(ctx, obj)}\n")
    pod_template(w, spec.get("template"))
    _conditions(w, status)


def statefulset(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = _head(w, obj)
    w.write(0, f"CreationTimestamp:\t{go_time(meta.get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{label_selector_text(spec.get('selector'))}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Replicas:\t{spec.get('replicas', 0)} desired | "
               f"{status.get('replicas', 0)} total\n")
    strategy = spec.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{strategy.get('type', '')}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None and ru.get("partition") is not None:
        w.write(1, f"Partition:\t{ru['partition']}\n")
        if ru.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{ru['maxUnavailable']}\n")
    w.write(0, f"Pods Status:\t{_pods_status(ctx, obj)}\n")
    pod_template(w, spec.get("template"))
    claims = spec.get("volumeClaimTemplates") or []
    if not claims:
        w.write(0, "Volume Claims:\t<none>\n")
        return
    w.write(0, "Volume Claims:\n")
    for pvc in claims:
        pmeta, pspec = pvc.get("metadata") or {}, pvc.get("spec") or {}
        w.write(1, f"Name:\t{pmeta.get('name', '')}\n")
        storage_class = pspec.get("storageClassName") or (pmeta.get("annotations") or {}).get(
            "volume.beta.kubernetes.io/storage-class", "")
        w.write(1, f"StorageClass:\t{storage_class}\n")
        labels_block(w, "Labels", pmeta.get("labels"), initial="  ")
        labels_block(w, "Annotations", pmeta.get("annotations"), initial="  ")
        capacity = ((pspec.get("resources") or {}).get("requests") or {}).get("storage")
        w.write(1, f"Capacity:\t{capacity if capacity is not None else '<default>'}\n")
        w.write(1, f"Access Modes:\t[{' '.join(pspec.get('accessModes') or [])}]\n")


def daemonset(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = _head(w, obj, namespace=False)
    w.write(0, f"Selector:\t{label_selector_text(spec.get('selector'))}\n")
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    text = ",".join(f"{k}={node_selector[k]}" for k in sorted(node_selector)) or "<none>"
    w.write(0, f"Node-Selector:\t{text}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Desired Number of Nodes Scheduled: {status.get('desiredNumberScheduled', 0)}\n")
    w.write(0, f"Current Number of Nodes Scheduled: {status.get('currentNumberScheduled', 0)}\n")
    w.write(0, "Number of Nodes Scheduled with Up-to-date Pods: "
               f"{status.get('updatedNumberScheduled', 0)}\n")
    w.write(0, "Number of Nodes Scheduled with Available Pods: "
               f"{status.get('numberAvailable', 0)}\n")
    w.write(0, f"Number of Nodes Misscheduled: {status.get('numberMisscheduled', 0)}\n")
    w.write(0, f"Pods Status:\t{_pods_status(ctx, obj)}\n")
    pod_template(w, spec.get("template"))


def _job_body(w: PrefixWriter, spec: dict) -> None:
    """The job fields kubectl prints between the header and the pod template."""
    w.write(0, f"Parallelism:\t{spec.get('parallelism', 0)}\n")
    completions = spec.get("completions")
    w.write(0, f"Completions:\t{completions if completions is not None else '<unset>'}\n")
    if spec.get("completionMode"):
        w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(0, f"Suspend:\t{'true' if spec['suspend'] else 'false'}\n")
    if spec.get("backoffLimit") is not None:
        w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")


def job(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = _head(w, obj)
    w.write(0, f"Selector:\t{label_selector_text(spec.get('selector'))}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    owner = controller_of(obj)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    _job_body(w, spec)
    start = status.get("startTime")
    if start:
        w.write(0, f"Start Time:\t{go_time(start)}\n")
    done = status.get("completionTime")
    if done:
        w.write(0, f"Completed At:\t{go_time(done)}\n")
    begun, ended = parse_rfc3339(start), parse_rfc3339(done)
    if begun is not None and ended is not None:
        w.write(0, f"Duration:\t{human_duration(ended - begun)}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    ready = status.get("ready")
    ready_text = f" ({ready} Ready)" if ready is not None else ""
    w.write(0, f"Pods Statuses:\t{status.get('active', 0)} Active{ready_text} / "
               f"{status.get('succeeded', 0)} Succeeded / {status.get('failed', 0)} Failed\n")
    if spec.get("completionMode") == "Indexed":
        w.write(0, f"Completed Indexes:\t{status.get('completedIndexes') or '<none>'}\n")
    pod_template(w, spec.get("template"))


def cronjob(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = _head(w, obj)
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Schedule:\t{spec.get('schedule', '')}\n")
    w.write(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
    w.write(0, f"Suspend:\t{'True' if spec.get('suspend') else 'False'}\n")
    for key, title in (("successfulJobsHistoryLimit", "Successful Job History Limit"),
                       ("failedJobsHistoryLimit", "Failed Job History Limit")):
        value = spec.get(key)
        w.write(0, f"{title}:\t{value if value is not None else '<unset>'}\n")
    deadline = spec.get("startingDeadlineSeconds")
    w.write(0, "Starting Deadline Seconds:\t"
               f"{f'{deadline}s' if deadline is not None else '<unset>'}\n")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    selector = job_spec.get("selector")
    w.write(0, f"Selector:\t{label_selector_text(selector) if selector else '<unset>'}\n")
    for key, title in (("parallelism", "Parallelism"), ("completions", "Completions")):
        value = job_spec.get(key)
        w.write(0, f"{title}:\t{value if value is not None else '<unset>'}\n")
    if job_spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{job_spec['activeDeadlineSeconds']}s\n")
    pod_template(w, job_spec.get("template"))
    last = status.get("lastScheduleTime")
    w.write(0, f"Last Schedule Time:\t{go_time(last) if last else '<unset>'}\n")
    active = status.get("active") or []
    names = ", ".join(a.get("name", "") for a in active)
    w.write(0, f"Active Jobs:\t{names or '<none>'}\n")


def pod(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    describe_pod(w, obj, ctx.now)


WORKLOAD_DESCRIBERS: dict[tuple[str, str], Describer] = {
    ("", "Pod"): pod,
    ("apps", "Deployment"): deployment,
    ("apps", "ReplicaSet"): replicaset,
    ("apps", "StatefulSet"): statefulset,
    ("apps", "DaemonSet"): daemonset,
    ("batch", "Job"): job,
    ("batch", "CronJob"): cronjob,
}
