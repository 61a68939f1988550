"""Node lifecycle: a cordoned node (`spec.unschedulable`) carries the
`node.kubernetes.io/unschedulable:NoSchedule` taint, as TaintNodesByCondition makes it."""

from __future__ import annotations

from kubedeck.fake.controllers.base import Controller
from kubedeck.fake.store import clone, rfc3339

UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


class NodeLifecycleController(Controller):
    name = "node-lifecycle"
    watches = ("nodes",)

    def reconcile(self, _namespace: str, name: str) -> None:
        rt = self.rt("nodes")
        node = self.store.get(rt, "", name)
        if node is None:
            return
        spec = node.get("spec") or {}
        taints = list(spec.get("taints") or ())
        has = any(t.get("key") == UNSCHEDULABLE_TAINT and t.get("effect") == "NoSchedule"
                  for t in taints)
        want = bool(spec.get("unschedulable"))
        if has == want:
            return
        if want:
            taints.append({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule",
                           "timeAdded": rfc3339(self.now())})
        else:
            taints = [t for t in taints if t.get("key") != UNSCHEDULABLE_TAINT]
        updated = clone(node)
        if taints:
            updated["spec"]["taints"] = taints
        else:
            updated["spec"].pop("taints", None)
        self.store.update(rt, updated)
