"""Namespace lifecycle: DELETE makes a namespace Terminating, the namespace controller
deletes its contents, reports progress in status conditions as the real one does, and the
namespace goes once nothing is left and its `kubernetes` finalizer is dropped."""

from __future__ import annotations

import threading

from kubedeck.fake.controllers.base import Controller, Manager
from kubedeck.fake.resources import ResourceType
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339

FINALIZER = "kubernetes"


class NamespaceController(Controller):
    name = "namespace"
    watches = ("*",)

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        self._lock = threading.Lock()
        self._terminating: set[str] = set()

    def delete(self, rt: ResourceType, obj: dict) -> dict:
        """The DELETE verb on a namespace: Terminating until its content is gone."""
        meta = obj["metadata"]
        if not (obj.get("spec") or {}).get("finalizers") and not meta.get("finalizers"):
            return self.store.remove(rt, "", meta["name"])
        marked = self.store.mark_deleted(rt, "", meta["name"])
        if (marked.get("status") or {}).get("phase") != "Terminating":
            updated = clone(marked)
            updated.setdefault("status", {})["phase"] = "Terminating"
            marked = self.store.write_status(rt, updated)
        return marked

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object.get("metadata") or {}
        if ev.key == "namespaces":
            name = meta.get("name", "")
            with self._lock:
                if ev.type != "DELETED" and "deletionTimestamp" in meta:
                    self._terminating.add(name)
                else:
                    self._terminating.discard(name)
            self.enqueue("", name)
            return
        namespace = meta.get("namespace")
        if ev.type == "DELETED" and namespace:
            with self._lock:
                terminating = namespace in self._terminating
            if terminating:
                self.enqueue("", namespace)

    def reconcile(self, _namespace: str, name: str) -> None:
        rt = self.rt("namespaces")
        ns = self.store.get(rt, "", name)
        if ns is None or "deletionTimestamp" not in ns["metadata"]:
            return
        remaining = self._delete_content(name)
        status = clone(ns.get("status") or {})
        status["phase"] = "Terminating"
        status["conditions"] = self._conditions(status.get("conditions") or [], remaining)
        if status != ns.get("status"):
            updated = clone(ns)
            updated["status"] = status
            ns = self.store.write_status(rt, updated)
        if remaining:
            return
        finalizers = [f for f in (ns.get("spec") or {}).get("finalizers") or () if f != FINALIZER]
        updated = clone(ns)
        updated.setdefault("spec", {})["finalizers"] = finalizers
        if not finalizers:
            del updated["spec"]["finalizers"]
        self.store.update(rt, updated)

    def _delete_content(self, namespace: str) -> dict[str, int]:
        """Delete every namespaced object left; count what still exists per resource."""
        remaining: dict[str, int] = {}
        seen: set[str] = set()
        for rt in self.cluster.resource_types():
            if not rt.namespaced or rt.key in seen:
                continue
            seen.add(rt.key)
            for obj_name in self.manager.index.names(rt.key, namespace):
                obj = self.store.get(rt, namespace, obj_name)
                if obj is None:
                    continue
                if "deletionTimestamp" not in obj["metadata"]:
                    try:
                        self.cluster.delete(rt, namespace, obj_name, propagation="Background")
                    except StoreError as exc:
                        if exc.code != 404:
                            raise
                if self.store.get(rt, namespace, obj_name) is not None:
                    label = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
                    remaining[label] = remaining.get(label, 0) + 1
        return remaining

    def _conditions(self, old: list[dict], remaining: dict[str, int]) -> list[dict]:
        stamp = rfc3339(self.now())
        listing = ", ".join(f"{res} has {count} resource instances"
                            for res, count in sorted(remaining.items()))
        wanted = [
            ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
             "All resources successfully discovered"),
            ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
             "All legacy kube types successfully parsed"),
            ("NamespaceDeletionContentFailure", "False", "ContentDeleted",
             "All content successfully deleted, may be waiting on finalization"),
            ("NamespaceContentRemaining", "True", "SomeResourcesRemain",
             f"Some resources are remaining: {listing}") if remaining else
            ("NamespaceContentRemaining", "False", "ContentRemoved",
             "All content successfully removed"),
            ("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
             "All content-preserving finalizers finished"),
        ]
        by_type = {c.get("type"): c for c in old}
        out = []
        for type_, status, reason, message in wanted:
            prev = by_type.get(type_)
            since = prev.get("lastTransitionTime") if prev and prev.get("status") == status \
                else stamp
            out.append({"type": type_, "status": status, "lastTransitionTime": since,
                        "reason": reason, "message": message})
        return out
