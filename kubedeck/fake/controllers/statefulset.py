"""StatefulSet controller: stable pods `<set>-<ordinal>`, created and updated in order,
status and ControllerRevisions as pkg/controller/statefulset writes them.

OrderedReady (the default) creates one pod at a time and waits for it to be Running and
Ready; scale-down removes the highest ordinal first; RollingUpdate replaces pods from the
highest ordinal down to `partition`. Parallel creates and deletes without waiting.
"""

from __future__ import annotations

import re

from kubedeck.fake.controllers.base import Controller, parse_time
from kubedeck.fake.controllers.podutil import (
    controller_ref,
    is_available,
    is_ready,
    is_terminating,
    phase,
)
from kubedeck.fake.controllers.revisions import History
from kubedeck.fake.store import StoreError, WatchEvent, clone

REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def _running_and_ready(pod: dict) -> bool:
    return phase(pod) == "Running" and is_ready(pod)


def _healthy(pod: dict) -> bool:
    return _running_and_ready(pod) and not is_terminating(pod)


def template_of(revision: dict) -> dict:
    """The pod template a ControllerRevision recorded."""
    template = clone(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def claim_name(template_name: str, set_name: str, ordinal: int) -> str:
    return f"{template_name}-{set_name}-{ordinal}"


class StatefulSetController(Controller):
    name = "statefulset"
    watches = ("statefulsets.apps", "pods")
    component = "statefulset-controller"

    def on_event(self, ev: WatchEvent) -> None:
        if ev.key == "pods":
            self.enqueue_controller_of(ev, "StatefulSet")
            return
        super().on_event(ev)

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("statefulsets", "apps")
        sts = self.store.get(rt, namespace, name)
        if sts is None or is_terminating(sts):
            return
        spec = sts.get("spec") or {}
        history = History(self, sts)
        update_rev = history.ensure_current(history.list())
        revisions = history.list()
        status = sts.get("status") or {}
        current_rev = next((r for r in revisions
                            if r["metadata"]["name"] == status.get("currentRevision")), update_rev)
        self._converge(sts, current_rev, update_rev)
        pods = self.controlled(sts, "pods")
        new_status = self._status(sts, pods, current_rev, update_rev)
        in_use = {current_rev["metadata"]["name"], update_rev["metadata"]["name"]}
        in_use |= {(p["metadata"].get("labels") or {}).get(REVISION_LABEL, "") for p in pods}
        history.truncate(revisions, in_use, int(spec.get("revisionHistoryLimit", 10)))
        if new_status != status:
            updated = clone(sts)
            updated["status"] = new_status
            self.store.write_status(rt, updated)

    # -- pods ------------------------------------------------------------------------------

    def _ordinal(self, sts: dict, pod: dict) -> int | None:
        m = re.fullmatch(re.escape(sts["metadata"]["name"]) + r"-(\d+)", pod["metadata"]["name"])
        return int(m.group(1)) if m else None

    def _converge(self, sts: dict, current_rev: dict, update_rev: dict) -> None:
        """One pass of updateStatefulSet: create, replace failed, scale down, roll."""
        spec = sts.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        start = int((spec.get("ordinals") or {}).get("start", 0))
        monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        by_ordinal: dict[int, dict] = {}
        condemned: list[tuple[int, dict]] = []
        for pod in self.controlled(sts, "pods"):
            ordinal = self._ordinal(sts, pod)
            if ordinal is None:
                continue
            if start <= ordinal < start + replicas:
                by_ordinal[ordinal] = pod
            else:
                condemned.append((ordinal, pod))
        condemned.sort(key=lambda item: item[0], reverse=True)
        healthy_so_far = True
        for ordinal in range(start, start + replicas):
            pod = by_ordinal.get(ordinal)
            if pod is None:
                self._create_pod(sts, ordinal, current_rev, update_rev)
                healthy_so_far = False
                if monotonic:
                    return
                continue
            if phase(pod) == "Failed" and not is_terminating(pod):
                self.manager.events.record(
                    sts, "Warning", "RecreatingFailedPod",
                    f"StatefulSet {sts['metadata']['namespace']}/{sts['metadata']['name']} "
                    f"is recreating failed Pod {pod['metadata']['name']}",
                    component=self.component)
                self._delete_pod(sts, pod)
                healthy_so_far = False
                if monotonic:
                    return
                continue
            if not _healthy(pod):
                healthy_so_far = False
                if monotonic:
                    return
        for _ordinal, pod in condemned:
            if is_terminating(pod):
                if monotonic:
                    return
                continue
            if monotonic and not healthy_so_far:
                return
            self._delete_pod(sts, pod)
            if monotonic:
                return
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate" or not healthy_so_far:
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
        update_name = update_rev["metadata"]["name"]
        for ordinal in range(start + replicas - 1, start + partition - 1, -1):
            pod = by_ordinal[ordinal]
            if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != update_name:
                self._delete_pod(sts, pod)
                return
            if not _healthy(pod):
                return

    def _create_pod(self, sts: dict, ordinal: int, current_rev: dict, update_rev: dict) -> None:
        spec = sts.get("spec") or {}
        meta = sts["metadata"]
        strategy = spec.get("updateStrategy") or {}
        partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
        start = int((spec.get("ordinals") or {}).get("start", 0))
        revision = update_rev
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and ordinal < start + partition:
            revision = current_rev
        template = template_of(revision)
        name = f"{meta['name']}-{ordinal}"
        tmeta = template.get("metadata") or {}
        labels = dict(tmeta.get("labels") or {})
        labels[REVISION_LABEL] = revision["metadata"]["name"]
        labels[POD_NAME_LABEL] = name
        labels[POD_INDEX_LABEL] = str(ordinal)
        pod_meta: dict = {"name": name, "generateName": f"{meta['name']}-",
                          "namespace": meta["namespace"], "labels": labels,
                          "ownerReferences": [controller_ref(sts)]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        pod_spec = template.get("spec") or {}
        pod_spec["hostname"] = name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        self._attach_claims(sts, ordinal, pod_spec)
        try:
            self.cluster.create(self.rt("pods"), {"metadata": pod_meta, "spec": pod_spec})
        except StoreError as exc:
            if exc.code != 409:
                raise
            return
        self.manager.events.record(sts, "Normal", "SuccessfulCreate",
                                   f"create Pod {name} in StatefulSet {meta['name']} successful",
                                   component=self.component)

    def _attach_claims(self, sts: dict, ordinal: int, pod_spec: dict) -> None:
        """Create the pod's PersistentVolumeClaims from volumeClaimTemplates and mount them."""
        spec = sts.get("spec") or {}
        meta = sts["metadata"]
        pvc_rt = self.rt("persistentvolumeclaims")
        selector_labels = (spec.get("selector") or {}).get("matchLabels") or {}
        volumes = [v for v in pod_spec.get("volumes") or ()
                   if v.get("name") not in {t["metadata"]["name"]
                                            for t in spec.get("volumeClaimTemplates") or ()}]
        for template in spec.get("volumeClaimTemplates") or ():
            tname = template["metadata"]["name"]
            claim = claim_name(tname, meta["name"], ordinal)
            volumes.append({"name": tname, "persistentVolumeClaim": {"claimName": claim}})
            if self.store.get(pvc_rt, meta["namespace"], claim) is not None:
                continue
            labels = dict(template["metadata"].get("labels") or {})
            labels.update(selector_labels)
            pvc = {"metadata": {"name": claim, "namespace": meta["namespace"], "labels": labels},
                   "spec": clone(template.get("spec") or {})}
            if template["metadata"].get("annotations"):
                pvc["metadata"]["annotations"] = dict(template["metadata"]["annotations"])
            try:
                self.cluster.create(pvc_rt, pvc)
            except StoreError as exc:
                if exc.code != 409:
                    raise
                continue
            self.manager.events.record(
                sts, "Normal", "SuccessfulCreate",
                f"create Claim {claim} Pod {meta['name']}-{ordinal} in StatefulSet "
                f"{meta['name']} success", component=self.component)
        if volumes:
            pod_spec["volumes"] = volumes

    def _delete_pod(self, sts: dict, pod: dict) -> None:
        self.delete_pod(sts, pod, f"delete Pod {pod['metadata']['name']} in StatefulSet "
                                  f"{sts['metadata']['name']} successful")

    # -- status ----------------------------------------------------------------------------

    def _status(self, sts: dict, pods: list[dict], current_rev: dict, update_rev: dict) -> dict:
        spec = sts.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds", 0))
        now = self.now()
        current_name = current_rev["metadata"]["name"]
        update_name = update_rev["metadata"]["name"]
        counts = {"replicas": 0, "readyReplicas": 0, "availableReplicas": 0,
                  "currentReplicas": 0, "updatedReplicas": 0}
        for pod in pods:
            created = bool(phase(pod))
            if created:
                counts["replicas"] += 1
            if _running_and_ready(pod):
                counts["readyReplicas"] += 1
                if is_available(pod, min_ready, now):
                    counts["availableReplicas"] += 1
            if created and not is_terminating(pod):
                revision = (pod["metadata"].get("labels") or {}).get(REVISION_LABEL)
                if revision == current_name:
                    counts["currentReplicas"] += 1
                if revision == update_name:
                    counts["updatedReplicas"] += 1
        old = sts.get("status") or {}
        status: dict = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": counts["replicas"],
            "availableReplicas": counts["availableReplicas"],
            "currentRevision": current_name,
            "updateRevision": update_name,
            "collisionCount": int(old.get("collisionCount") or 0),
        }
        for field in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if counts[field]:
                status[field] = counts[field]
        strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
        if (strategy == "RollingUpdate" and counts["updatedReplicas"] == counts["replicas"]
                and counts["readyReplicas"] == counts["replicas"]):
            status["currentRevision"] = update_name
            if counts["updatedReplicas"]:
                status["currentReplicas"] = counts["updatedReplicas"]
            else:
                status.pop("currentReplicas", None)
        if min_ready > 0:
            self._requeue_for_availability(sts, pods, min_ready, now)
        return status

    def _requeue_for_availability(self, sts: dict, pods: list[dict], min_ready: int,
                                  now: float) -> None:
        """minReadySeconds: look again when the next ready pod becomes available."""
        waits = []
        for pod in pods:
            if _running_and_ready(pod) and not is_available(pod, min_ready, now):
                for cond in (pod.get("status") or {}).get("conditions") or ():
                    if cond.get("type") == "Ready":
                        waits.append(parse_time(cond.get("lastTransitionTime") or "")
                                     + min_ready - now)
        if waits:
            meta = sts["metadata"]
            self.enqueue(meta["namespace"], meta["name"], after=max(0.0, min(waits)) + 0.001)
