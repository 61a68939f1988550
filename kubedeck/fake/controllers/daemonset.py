"""DaemonSet controller: one pod per eligible node, RollingUpdate within maxUnavailable,
status and ControllerRevisions as pkg/controller/daemon writes them.

Daemon pods tolerate the taints the real controller adds tolerations for (cordoned,
not-ready, pressure), so a cordoned node keeps (and gets) its daemon pod. Pods are bound to
their node directly (PodScheduled as the binding sets it), which is where the scheduler
would put them anyway.
"""

from __future__ import annotations

import math
import threading

from kubedeck.fake.controllers.base import Controller, Manager
from kubedeck.fake.controllers.nodematch import matches_node_selector, untolerated_taint
from kubedeck.fake.controllers.podutil import (
    controller_ref,
    is_available,
    is_ready,
    is_terminating,
    phase,
    random_suffix,
)
from kubedeck.fake.controllers.revisions import History, hash_of
from kubedeck.fake.controllers.scheduler import SCHEDULER
from kubedeck.fake.nodes import CLUSTER_NAME
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339

REVISION_LABEL = "controller-revision-hash"
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"

_DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")
POD_SYNC_DELAY = 0.5


def daemon_pod_spec(template_spec: dict, node_name: str | None) -> dict:
    """The template's pod spec with the daemon tolerations and, for a node, the node
    affinity the controller pins each pod with (ReplaceDaemonSetPodNodeNameNodeAffinity)."""
    spec = clone(template_spec)
    tolerations = list(spec.get("tolerations") or ())
    wanted = list(_DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(_NETWORK_TOLERATION)
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    spec["tolerations"] = tolerations
    if node_name is None:
        return spec
    pinned = {"key": "metadata.name", "operator": "In", "values": [node_name]}
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    required = node_affinity.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {})
    terms = required.get("nodeSelectorTerms") or [{}]
    for term in terms:
        term["matchFields"] = [pinned]
    required["nodeSelectorTerms"] = terms
    spec["nodeName"] = node_name
    return spec


def eligible_nodes(template_spec: dict, nodes: list[dict]) -> set[str]:
    """Nodes a daemon pod would be placed on (selector, affinity, tolerated taints)."""
    spec = daemon_pod_spec(template_spec, None)
    return {n["metadata"]["name"] for n in nodes
            if matches_node_selector(spec, n) and untolerated_taint(spec, n) is None}


def max_unavailable(ds: dict, desired: int) -> int:
    rolling = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {}
    value = rolling.get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        scaled = math.ceil(int(value[:-1]) * desired / 100)
    else:
        scaled = int(value)
    surge = rolling.get("maxSurge", 0)
    if scaled == 0 and surge in (0, "0", "0%"):
        return 1
    return scaled


class DaemonSetController(Controller):
    name = "daemonset"
    watches = ("daemonsets.apps", "pods", "nodes")
    component = "daemonset-controller"

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        self._lock = threading.Lock()
        self._sets: set[tuple[str, str]] = set()
        self._coalescing: set[tuple[str, str]] = set()

    def on_event(self, ev: WatchEvent) -> None:
        if ev.key == "pods":
            meta = ev.object.get("metadata") or {}
            for ref in meta.get("ownerReferences") or ():
                if ref.get("controller") and ref.get("kind") == "DaemonSet":
                    self._soon((meta.get("namespace", ""), ref.get("name", "")))
            return
        if ev.key == "nodes":
            with self._lock:
                keys = sorted(self._sets)
            for ns, name in keys:
                self.enqueue(ns, name)
            return
        meta = ev.object.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""))
        with self._lock:
            if ev.type == "DELETED":
                self._sets.discard(key)
            else:
                self._sets.add(key)
        self.enqueue(*key)

    def _soon(self, key: tuple[str, str]) -> None:
        """Coalesce pod changes into one sync per DaemonSet every POD_SYNC_DELAY: a sync
        walks every node, and a rollout over hundreds of nodes changes pods constantly."""
        with self._lock:
            if key in self._coalescing:
                return
            self._coalescing.add(key)

        def fire() -> None:
            with self._lock:
                self._coalescing.discard(key)
            self.enqueue(*key)

        self.after(POD_SYNC_DELAY, fire)

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("daemonsets", "apps")
        ds = self.store.get(rt, namespace, name)
        if ds is None or is_terminating(ds):
            return
        history = History(self, ds)
        current = history.ensure_current(history.list())
        digest = hash_of(current)
        nodes, _ = self.store.list(self.rt("nodes"))
        template_spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
        eligible = eligible_nodes(template_spec, nodes)
        snapshot = self._pods_by_node(ds)
        self._manage(ds, nodes, eligible, digest, snapshot)
        strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type",
                                                                            "RollingUpdate")
        if strategy == "RollingUpdate":
            self._rolling_update(ds, eligible, digest, snapshot)
        pods_by_node = self._pods_by_node(ds)
        revisions = history.list()
        in_use = {current["metadata"]["name"]}
        live_hashes = {(p["metadata"].get("labels") or {}).get(REVISION_LABEL)
                       for pods in pods_by_node.values() for p in pods}
        in_use |= {r["metadata"]["name"] for r in revisions if hash_of(r) in live_hashes}
        history.truncate(revisions, in_use,
                         int((ds.get("spec") or {}).get("revisionHistoryLimit", 10)))
        status = self._status(ds, nodes, eligible, pods_by_node, digest)
        if status != (ds.get("status") or {}):
            updated = clone(ds)
            updated["status"] = status
            self.store.write_status(rt, updated)

    # -- pods ------------------------------------------------------------------------------

    def _pods_by_node(self, ds: dict) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for pod in self.controlled(ds, "pods"):
            node = (pod.get("spec") or {}).get("nodeName", "")
            out.setdefault(node, []).append(pod)
        for pods in out.values():
            pods.sort(key=lambda p: (p["metadata"].get("creationTimestamp", ""),
                                     p["metadata"]["name"]))
        return out

    def _manage(self, ds: dict, nodes: list[dict], eligible: set[str], digest: str,
                pods_by_node: dict[str, list[dict]]) -> None:
        """Create missing daemon pods, delete failed, duplicate and misscheduled ones."""
        meta = ds["metadata"]
        for node in nodes:
            node_name = node["metadata"]["name"]
            pods = pods_by_node.get(node_name, [])
            if node_name not in eligible:
                for pod in pods:
                    if not is_terminating(pod):
                        self._delete_pod(ds, pod)
                continue
            running = []
            for pod in pods:
                if is_terminating(pod):
                    continue
                if phase(pod) == "Failed":
                    self.manager.events.record(
                        ds, "Warning", "FailedDaemonPod",
                        f"Found failed daemon pod {meta['namespace']}/{pod['metadata']['name']}"
                        f" on node {node_name}, will try to kill it", component=self.component)
                    self._delete_pod(ds, pod)
                    continue
                running.append(pod)
            if not running:
                self._create_pod(ds, node_name, digest)
            for extra in running[1:]:
                self._delete_pod(ds, extra)

    def _rolling_update(self, ds: dict, eligible: set[str], digest: str,
                        pods_by_node: dict[str, list[dict]]) -> None:
        """Replace old pods within maxUnavailable, judged on the pods as they were when the
        sync began (as the informer cache shows them to the real controller)."""
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds", 0))
        now = self.now()
        budget = max_unavailable(ds, len(eligible))
        unavailable = 0
        replace: list[dict] = []
        candidates: list[dict] = []
        for node_name in sorted(pods_by_node):
            if node_name not in eligible:
                continue
            live = [p for p in pods_by_node[node_name] if not is_terminating(p)]
            new = [p for p in live if self._is_updated(p, digest)]
            old = [p for p in live if not self._is_updated(p, digest)]
            if (not new and not old) or (new and old):
                unavailable += 1
            elif new:
                if not is_available(new[0], min_ready, now):
                    unavailable += 1
            elif not is_available(old[0], min_ready, now):
                replace.append(old[0])
            elif unavailable < budget:
                candidates.append(old[0])
        room = min(max(0, budget - unavailable), len(candidates))
        for pod in replace + candidates[:room]:
            self._delete_pod(ds, pod)
        warming = [p for pods in pods_by_node.values() for p in pods
                   if is_ready(p) and not is_available(p, min_ready, now)]
        if warming:
            meta = ds["metadata"]
            self.enqueue(meta["namespace"], meta["name"], after=float(min_ready))

    @staticmethod
    def _is_updated(pod: dict, digest: str) -> bool:
        return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) == digest

    def _template_generation(self, ds: dict) -> str:
        annotations = ds["metadata"].get("annotations") or {}
        return str(annotations.get(TEMPLATE_GENERATION_ANNOTATION)
                   or ds["metadata"].get("generation", 1))

    def _create_pod(self, ds: dict, node_name: str, digest: str) -> None:
        meta = ds["metadata"]
        template = (ds.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        labels = dict(tmeta.get("labels") or {})
        labels[REVISION_LABEL] = digest
        labels[TEMPLATE_GENERATION_LABEL] = self._template_generation(ds)
        pod_meta: dict = {"name": f"{meta['name']}-{random_suffix()}",
                          "generateName": f"{meta['name']}-", "namespace": meta["namespace"],
                          "labels": labels, "ownerReferences": [controller_ref(ds)]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        scheduled = {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                     "lastTransitionTime": rfc3339(self.now())}
        pod = {"metadata": pod_meta,
               "spec": daemon_pod_spec(template.get("spec") or {}, node_name),
               "status": {"phase": "Pending", "conditions": [scheduled]}}
        try:
            created = self.cluster.create(self.rt("pods"), pod)
        except StoreError as exc:
            if exc.code != 409:
                raise
            return
        self.manager.events.record(ds, "Normal", "SuccessfulCreate",
                                   f"Created pod: {created['metadata']['name']}",
                                   component=self.component)
        self.manager.events.record(
            created, "Normal", "Scheduled",
            f"Successfully assigned {meta['namespace']}/{created['metadata']['name']} to "
            f"{node_name}", component=SCHEDULER, host=f"{SCHEDULER}-{CLUSTER_NAME}",
            action="Binding")

    def _delete_pod(self, ds: dict, pod: dict) -> None:
        self.delete_pod(ds, pod, f"Deleted pod: {pod['metadata']['name']}")

    # -- status ----------------------------------------------------------------------------

    def _status(self, ds: dict, nodes: list[dict], eligible: set[str],
                pods_by_node: dict[str, list[dict]], digest: str) -> dict:
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds", 0))
        now = self.now()
        desired = current = misscheduled = ready = available = updated = 0
        for node in nodes:
            node_name = node["metadata"]["name"]
            pods = [p for p in pods_by_node.get(node_name, ())
                    if not (is_terminating(p) and phase(p) in ("Succeeded", "Failed"))]
            if node_name in eligible:
                desired += 1
                if pods:
                    current += 1
                    first = pods[0]
                    if is_ready(first):
                        ready += 1
                        if is_available(first, min_ready, now):
                            available += 1
                    if self._is_updated(first, digest):
                        updated += 1
            elif pods:
                misscheduled += 1
        status: dict = {
            "currentNumberScheduled": current,
            "desiredNumberScheduled": desired,
            "numberMisscheduled": misscheduled,
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        if available:
            status["numberAvailable"] = available
        if desired - available > 0:
            status["numberUnavailable"] = desired - available
        if updated:
            status["updatedNumberScheduled"] = updated
        collisions = (ds.get("status") or {}).get("collisionCount")
        if collisions:
            status["collisionCount"] = collisions
        return status
