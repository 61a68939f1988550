"""The ReplicaSet controller: keep `spec.replicas` active pods, adopting orphans that match
the selector and releasing pods that no longer do; status as the real controller writes it."""

from __future__ import annotations

from kubedeck.fake.controllers.base import Controller, Orphans, parse_time
from kubedeck.fake.controllers.podutil import (
    condition,
    controller_ref,
    is_active,
    is_available,
    is_ready,
)
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339
from kubedeck.kube.selectors import selector_from_match_labels

COMPONENT = "replicaset-controller"
BURST = 500  # pods created or deleted per sync at most (burstReplicas)


def _controller_uid(obj: dict) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref.get("uid")
    return None


def _deletion_rank(pod: dict) -> tuple:
    """Sort key putting the pods to delete first, as ActivePodsWithRanks orders them:
    unscheduled, pending, not ready, ready for less time, more restarts, newer."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(status.get("phase", ""), 0)
    ready = is_ready(pod)
    ready_since = parse_time((condition(pod, "Ready") or {}).get("lastTransitionTime") or "")
    restarts = sum(cs.get("restartCount", 0) for cs in status.get("containerStatuses") or ())
    created = parse_time(pod["metadata"].get("creationTimestamp") or "")
    return (bool(spec.get("nodeName")), phase_rank, ready, -ready_since if ready else 0,
            -restarts, -created, pod["metadata"]["name"])


class ReplicaSetController(Controller):
    name = COMPONENT
    watches = ("replicasets.apps", "pods")

    def __init__(self, manager) -> None:
        super().__init__(manager)
        self._orphans = Orphans()

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object["metadata"]
        ns = meta.get("namespace", "")
        if ev.key != "pods":
            self.enqueue(ns, meta["name"])
            return
        self.enqueue_controller_of(ev, "ReplicaSet")
        orphan = ev.type != "DELETED" and _controller_uid(ev.object) is None \
            and "deletionTimestamp" not in meta
        self.track_orphan(self._orphans, ev, orphan, "replicasets", "apps")

    # -- sync ------------------------------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("replicasets", "apps")
        rs = self.store.get(rt, namespace, name)
        if rs is None:
            return
        pods = self._claim_pods(rs)
        active = [p for p in pods if is_active(p)]
        error = None
        if "deletionTimestamp" not in rs["metadata"]:
            error = self._manage(rs, active)
        rs = self.store.get(rt, namespace, name)
        if rs is None:
            return
        status = self._status(rs, self._claim_pods(rs, adopt=False), error)
        if status != rs.get("status") or \
                rs["metadata"].get("generation") != (rs.get("status") or {}).get(
                    "observedGeneration"):
            updated = clone(rs)
            updated["status"] = status
            rs = self.store.write_status(rt, updated)
        self._requeue_for_availability(rs)

    def _claim_pods(self, rs: dict, adopt: bool = True) -> list[dict]:
        """Pods this ReplicaSet controls, after adopting matching orphans and releasing
        owned pods whose labels stopped matching (ClaimPods)."""
        pods_rt = self.rt("pods")
        meta = rs["metadata"]
        ns, uid = meta.get("namespace", ""), meta["uid"]
        match = selector_from_match_labels((rs.get("spec") or {}).get("selector"))
        out = []
        for _, _, pod_name in self.manager.index.owned(uid, "pods"):
            pod = self.store.get(pods_rt, ns, pod_name)
            if pod is None or _controller_uid(pod) != uid:
                continue
            if adopt and not match(pod["metadata"].get("labels") or {}) \
                    and "deletionTimestamp" not in pod["metadata"]:
                released = clone(pod)
                released["metadata"]["ownerReferences"] = [
                    r for r in pod["metadata"].get("ownerReferences") or ()
                    if r.get("uid") != uid]
                if not released["metadata"]["ownerReferences"]:
                    del released["metadata"]["ownerReferences"]
                self.store.update(pods_rt, released)
                continue
            out.append(pod)
        if not adopt or "deletionTimestamp" in meta:
            return out
        for pod_name in self._orphans.names(ns):
            pod = self.store.get(pods_rt, ns, pod_name)
            if pod is None or _controller_uid(pod) is not None \
                    or "deletionTimestamp" in pod["metadata"] \
                    or not match(pod["metadata"].get("labels") or {}):
                continue
            adopted = clone(pod)
            adopted["metadata"].setdefault("ownerReferences", []).append(controller_ref(rs))
            out.append(self.store.update(pods_rt, adopted))
        return out

    def _manage(self, rs: dict, active: list[dict]) -> str | None:
        """Create or delete pods towards spec.replicas; the error text on a failed create."""
        want = int((rs.get("spec") or {}).get("replicas", 1))
        diff = len(active) - want
        if diff < 0:
            for _ in range(min(-diff, BURST)):
                error = self._create_pod(rs)
                if error is not None:
                    return error
        elif diff > 0:
            pods_rt = self.rt("pods")
            for pod in sorted(active, key=_deletion_rank)[:min(diff, BURST)]:
                self.manager.delete(pods_rt, pod, "Background", None)
                self.manager.events.record(rs, "Normal", "SuccessfulDelete",
                                           f"Deleted pod: {pod['metadata']['name']}",
                                           component=COMPONENT)
        return None

    def _create_pod(self, rs: dict) -> str | None:
        template = clone((rs.get("spec") or {}).get("template") or {})
        tmeta = template.get("metadata") or {}
        meta = rs["metadata"]
        pod_meta: dict = {"generateName": f"{meta['name']}-", "namespace": meta.get("namespace"),
                          "ownerReferences": [controller_ref(rs)]}
        for key in ("labels", "annotations", "finalizers"):
            if tmeta.get(key):
                pod_meta[key] = tmeta[key]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta,
               "spec": template.get("spec") or {}}
        try:
            created = self.cluster.create(self.rt("pods"), pod)
        except StoreError as exc:
            if exc.code == 409:
                raise
            self.manager.events.record(rs, "Warning", "FailedCreate",
                                       f"Error creating: {exc.message}", component=COMPONENT)
            return exc.message
        self.manager.events.record(rs, "Normal", "SuccessfulCreate",
                                   f"Created pod: {created['metadata']['name']}",
                                   component=COMPONENT)
        return None

    def _status(self, rs: dict, pods: list[dict], error: str | None) -> dict:
        spec = rs.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds", 0))
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        now = self.now()
        active = [p for p in pods if is_active(p)]
        fully = ready = available = 0
        for pod in active:
            labels = pod["metadata"].get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully += 1
            if is_ready(pod):
                ready += 1
                if is_available(pod, min_ready, now):
                    available += 1
        old = rs.get("status") or {}
        status: dict = {"replicas": len(active)}
        if fully:
            status["fullyLabeledReplicas"] = fully
        if ready:
            status["readyReplicas"] = ready
        if available:
            status["availableReplicas"] = available
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        conds = [c for c in old.get("conditions") or () if c.get("type") != "ReplicaFailure"]
        failure = next((c for c in old.get("conditions") or ()
                        if c.get("type") == "ReplicaFailure"), None)
        if error is not None:
            conds.append(failure or {"type": "ReplicaFailure", "status": "True",
                                     "lastTransitionTime": rfc3339(now),
                                     "reason": "FailedCreate", "message": error})
        if conds:
            status["conditions"] = conds
        return status

    def _requeue_for_availability(self, rs: dict) -> None:
        """Look again when a ready pod has been ready for minReadySeconds."""
        spec, status = rs.get("spec") or {}, rs.get("status") or {}
        min_ready = int(spec.get("minReadySeconds", 0))
        if min_ready <= 0 or status.get("readyReplicas", 0) == status.get("availableReplicas", 0):
            return
        pods_rt = self.rt("pods")
        meta = rs["metadata"]
        now = self.now()
        soonest = None
        for _, ns, pod_name in self.manager.index.owned(meta["uid"], "pods"):
            pod = self.store.get(pods_rt, ns, pod_name)
            if pod is None or not is_ready(pod) or is_available(pod, min_ready, now):
                continue
            since = parse_time((condition(pod, "Ready") or {}).get("lastTransitionTime") or "")
            when = since + min_ready - now
            soonest = when if soonest is None else min(soonest, when)
        if soonest is not None:
            self.enqueue(meta.get("namespace", ""), meta["name"], after=max(soonest, 0.001))
