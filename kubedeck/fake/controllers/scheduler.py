"""The default scheduler: binds pending pods to the node with the fewest pods that passes
the filters (cordon, taints, node selector/affinity, pod capacity), or marks the pod
Unschedulable with the scheduler's FitError message and a FailedScheduling event."""

from __future__ import annotations

import threading
from collections import Counter

from kubedeck.fake.controllers.base import Controller, Timer
from kubedeck.fake.controllers.nodematch import matches_node_selector, untolerated_taint
from kubedeck.fake.nodes import CLUSTER_NAME
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339

SCHEDULER = "default-scheduler"
_INSTANCE = f"{SCHEDULER}-{CLUSTER_NAME}"
_UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
# Retry unschedulable pods at least this often (podMaxInUnschedulablePodsDuration).
_RETRY = 300.0


def _node_condition_pods(node: dict) -> int:
    alloc = (node.get("status") or {}).get("allocatable") or {}
    try:
        return int(alloc.get("pods", 110))
    except ValueError:
        return 110


class Scheduler(Controller):
    name = SCHEDULER
    watches = ("pods", "nodes")

    def __init__(self, manager) -> None:
        super().__init__(manager)
        self._lock = threading.Lock()
        self._bound: dict[tuple[str, str], str] = {}
        self._per_node: Counter[str] = Counter()
        # Unschedulable pods -> the generation that failed (a new spec retries at once).
        self._waiting: dict[tuple[str, str], int] = {}
        self._retry: dict[tuple[str, str], Timer] = {}

    def on_event(self, ev: WatchEvent) -> None:
        if ev.key == "nodes":
            if ev.type != "DELETED":
                with self._lock:
                    waiting = list(self._waiting)
                for ns, name in waiting:
                    self.enqueue(ns, name)
            return
        meta = ev.object["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        spec = ev.object.get("spec") or {}
        node = spec.get("nodeName") or ""
        phase = (ev.object.get("status") or {}).get("phase")
        counted = bool(node) and ev.type != "DELETED" and phase not in ("Succeeded", "Failed")
        with self._lock:
            old = self._bound.pop(key, None)
            if old is not None:
                self._per_node[old] -= 1
            if counted:
                self._bound[key] = node
                self._per_node[node] += 1
            failed_generation = self._waiting.get(key)
            if ev.type == "DELETED" or node:
                self._waiting.pop(key, None)
                retry = self._retry.pop(key, None)
                if retry is not None:
                    retry.cancel()
        if old is not None and not counted:
            with self._lock:
                waiting = list(self._waiting)
            for ns, name in waiting:
                self.enqueue(ns, name)
        if (ev.type != "DELETED" and not node and "deletionTimestamp" not in meta
                and spec.get("schedulerName", SCHEDULER) == SCHEDULER
                and failed_generation != meta.get("generation")):
            self.enqueue(*key)

    def reconcile(self, namespace: str, name: str) -> None:
        rt = self.rt("pods")
        pod = self.store.get(rt, namespace, name)
        if pod is None or (pod.get("spec") or {}).get("nodeName") \
                or "deletionTimestamp" in pod["metadata"]:
            return
        nodes, _ = self.store.list(self.rt("nodes"))
        fits, reasons = self._filter(pod, nodes)
        if not fits:
            self._unschedulable(pod, nodes, reasons)
            return
        with self._lock:
            target = min(fits, key=lambda n: (self._per_node[n["metadata"]["name"]],
                                              n["metadata"]["name"]))["metadata"]["name"]
        self._bind(pod, target)

    def _filter(self, pod: dict, nodes: list[dict]) -> tuple[list[dict], Counter[str]]:
        spec = pod.get("spec") or {}
        reasons: Counter[str] = Counter()
        fits = []
        with self._lock:
            counts = dict(self._per_node)
        for node in nodes:
            nspec = node.get("spec") or {}
            taint = untolerated_taint(spec, node)
            if nspec.get("unschedulable") and (taint is None or taint.get("key")
                                               == _UNSCHEDULABLE_TAINT):
                reasons["node(s) were unschedulable"] += 1
            elif taint is not None:
                value = taint.get("value", "")
                reasons[f"node(s) had untolerated taint {{{taint.get('key')}: {value}}}"] += 1
            elif not matches_node_selector(spec, node):
                reasons["node(s) didn't match Pod's node affinity/selector"] += 1
            elif counts.get(node["metadata"]["name"], 0) >= _node_condition_pods(node):
                reasons["Too many pods"] += 1
            else:
                fits.append(node)
        return fits, reasons

    def _bind(self, pod: dict, node: str) -> None:
        rt = self.rt("pods")
        bound = clone(pod)
        bound["spec"]["nodeName"] = node
        bound = self.store.update(rt, bound)
        status = clone(bound)
        conds = [c for c in status.setdefault("status", {}).get("conditions") or ()
                 if c.get("type") != "PodScheduled"]
        conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                      "lastTransitionTime": rfc3339(self.now())})
        status["status"]["conditions"] = conds
        self.store.write_status(rt, status)
        meta = pod["metadata"]
        self.manager.events.record(
            bound, "Normal", "Scheduled",
            f"Successfully assigned {meta.get('namespace')}/{meta['name']} to {node}",
            component=SCHEDULER, host=_INSTANCE, action="Binding")

    def _unschedulable(self, pod: dict, nodes: list[dict], reasons: Counter[str]) -> None:
        if not nodes:
            message = "no nodes available to schedule pods"
        else:
            total = len(nodes)
            parts = sorted(f"{n} {r}" for r, n in reasons.items())
            victims = reasons.get("Too many pods", 0)
            hopeless = total - victims
            pre = sorted(([f"{victims} No preemption victims found for incoming pod"]
                          if victims else [])
                         + ([f"{hopeless} Preemption is not helpful for scheduling"]
                            if hopeless else []))
            message = (f"0/{total} nodes are available: {', '.join(parts)}. preemption: "
                       f"0/{total} nodes are available: {', '.join(pre)}.")
        rt = self.rt("pods")
        key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        with self._lock:
            self._waiting[key] = pod["metadata"].get("generation", 0)
        updated = clone(pod)
        status = updated.setdefault("status", {})
        old = next((c for c in status.get("conditions") or ()
                    if c.get("type") == "PodScheduled"), None)
        cond = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                "lastTransitionTime": rfc3339(self.now()), "reason": "Unschedulable",
                "message": message}
        if old is not None and old.get("status") == "False":
            cond["lastTransitionTime"] = old.get("lastTransitionTime")
        status["conditions"] = [c for c in status.get("conditions") or ()
                                if c.get("type") != "PodScheduled"] + [cond]
        status["phase"] = "Pending"
        if updated != pod:
            try:
                self.store.write_status(rt, updated)
            except StoreError:
                return
        self.manager.events.record(pod, "Warning", "FailedScheduling", message,
                                   component=SCHEDULER, host=_INSTANCE, action="Scheduling")
        with self._lock:
            old_timer = self._retry.pop(key, None)
            if old_timer is not None:
                old_timer.cancel()
            self._retry[key] = self.after(_RETRY, lambda: self.enqueue(*key))
