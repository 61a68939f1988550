"""Deletion as the API server and garbage collector do it: graceful pods, finalizers and
ownerReference propagation (Background, Foreground, Orphan).

Queue keys of this controller are (resource key, "namespace/name"): it works on every kind,
and Kubernetes names never contain "/".
"""

from __future__ import annotations

from kubedeck.fake.controllers.base import Controller
from kubedeck.fake.resources import ResourceType
from kubedeck.fake.store import StoreError, WatchEvent, clone

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
_GC_FINALIZERS = (ORPHAN, FOREGROUND)


def _uid(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("uid", "")


class GarbageCollector(Controller):
    name = "garbage-collector"
    watches = ("*",)

    # -- the DELETE verb -------------------------------------------------------------------

    def delete(self, rt: ResourceType, obj: dict, propagation: str,
               grace_seconds: int | None) -> dict:
        """What DELETE does to `obj` now; the rest (dependents, finalizers) follows on the
        worker. Returns the object as the API returns it (with deletionTimestamp when the
        deletion is not complete yet)."""
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise StoreError(400, "BadRequest",
                             f'propagationPolicy: Unsupported value: "{propagation}": supported '
                             'values: "Orphan", "Background", "Foreground"')
        meta = obj["metadata"]
        ns = meta.get("namespace", "")
        grace = self._pod_grace(obj, grace_seconds) if rt.key == "pods" else 0
        finalizers = list(meta.get("finalizers") or ())
        if propagation == "Orphan" and ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
        if propagation == "Foreground" and FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
        if "deletionTimestamp" in meta:
            if grace == 0 and rt.key == "pods" and not finalizers:
                return self.store.remove(rt, ns, meta["name"])
            return obj
        if not finalizers and grace == 0:
            return self.store.remove(rt, ns, meta["name"])
        marked = self.store.mark_deleted(rt, ns, meta["name"],
                                         grace if rt.key == "pods" else 0)
        if finalizers != list(marked["metadata"].get("finalizers") or ()):
            updated = clone(marked)
            updated["metadata"]["finalizers"] = finalizers
            marked = self.store.update(rt, updated, check_rv=False)
        return marked

    @staticmethod
    def _pod_grace(pod: dict, grace_seconds: int | None) -> int:
        """Pods that never reached a node, or already finished, go at once (as the pod
        strategy's CheckGracefulDelete decides)."""
        spec = pod.get("spec") or {}
        phase = (pod.get("status") or {}).get("phase")
        if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
            return 0
        if grace_seconds is not None:
            return max(0, int(grace_seconds))
        return int(spec.get("terminationGracePeriodSeconds", 30))

    # -- the collector ---------------------------------------------------------------------

    def _enqueue_ref(self, key: str, ns: str, name: str) -> None:
        self.enqueue(key, f"{ns}/{name}")

    def on_event(self, ev: WatchEvent) -> None:
        """Dependents of a removed owner, owners deleting with a GC finalizer, owners of a
        removed dependent (a foreground owner may be unblocked), and new objects (whose
        owner may already be gone)."""
        meta = ev.object.get("metadata") or {}
        if ev.type == "DELETED":
            for key, ns, name in self.manager.index.owned(meta.get("uid", "")):
                self._enqueue_ref(key, ns, name)
            for ref in meta.get("ownerReferences") or ():
                where = self.manager.index.lookup_uid(ref.get("uid", ""))
                if where is not None:
                    self._enqueue_ref(*where)
            return
        gc_deleting = "deletionTimestamp" in meta and bool(
            set(meta.get("finalizers") or ()) & set(_GC_FINALIZERS))
        if gc_deleting or (ev.type == "ADDED" and meta.get("ownerReferences")):
            self._enqueue_ref(ev.key, meta.get("namespace", ""), meta.get("name", ""))

    def reconcile(self, key: str, ref: str) -> None:
        ns, _, name = ref.partition("/")
        rt = self.manager.rt_for_key(key)
        if rt is None:
            return
        obj = self.store.get(rt, ns, name)
        if obj is None:
            return
        finalizers = (obj["metadata"].get("finalizers") or ())
        if "deletionTimestamp" in obj["metadata"] and ORPHAN in finalizers:
            self._orphan_dependents(obj)
            self._drop_finalizer(rt, obj, ORPHAN)
            return
        if "deletionTimestamp" in obj["metadata"] and FOREGROUND in finalizers:
            if not self._delete_dependents_foreground(obj):
                self._drop_finalizer(rt, obj, FOREGROUND)
            return
        self._collect_if_orphaned(rt, obj)

    def _dependents(self, owner: dict) -> list[tuple[ResourceType, dict]]:
        out = []
        for key, ns, name in self.manager.index.owned(_uid(owner)):
            rt = self.manager.rt_for_key(key)
            dep = self.store.get(rt, ns, name) if rt is not None else None
            if rt is not None and dep is not None:
                out.append((rt, dep))
        return out

    def _orphan_dependents(self, owner: dict) -> None:
        uid = _uid(owner)
        for rt, dep in self._dependents(owner):
            updated = clone(dep)
            refs = [r for r in updated["metadata"].get("ownerReferences") or ()
                    if r.get("uid") != uid]
            if refs:
                updated["metadata"]["ownerReferences"] = refs
            else:
                updated["metadata"].pop("ownerReferences", None)
            self.store.update(rt, updated)

    def _delete_dependents_foreground(self, owner: dict) -> bool:
        """Delete dependents (in foreground themselves when they own others); True while
        some dependent that blocks the owner's deletion still exists."""
        uid = _uid(owner)
        blocked = False
        for rt, dep in self._dependents(owner):
            ref = next((r for r in dep["metadata"].get("ownerReferences") or ()
                        if r.get("uid") == uid), {})
            if ref.get("blockOwnerDeletion"):
                blocked = True
            if "deletionTimestamp" not in dep["metadata"]:
                policy = "Foreground" if self.manager.index.owned(_uid(dep)) else "Background"
                self.delete(rt, dep, policy, None)
        return blocked

    def _drop_finalizer(self, rt: ResourceType, obj: dict, finalizer: str) -> None:
        updated = clone(obj)
        updated["metadata"]["finalizers"] = [
            f for f in obj["metadata"].get("finalizers") or () if f != finalizer]
        if not updated["metadata"]["finalizers"]:
            del updated["metadata"]["finalizers"]
        self.store.update(rt, updated)

    def _collect_if_orphaned(self, rt: ResourceType, obj: dict) -> None:
        """Delete a dependent whose owners are all gone; forget owners that are gone when
        some remain, as the real collector does."""
        refs = obj["metadata"].get("ownerReferences") or ()
        if not refs:
            return
        live = [r for r in refs if self.manager.index.lookup_uid(r.get("uid", "")) is not None]
        if len(live) == len(refs):
            return
        if live:
            updated = clone(obj)
            updated["metadata"]["ownerReferences"] = live
            self.store.update(rt, updated)
            return
        if "deletionTimestamp" not in obj["metadata"]:
            self.delete(rt, obj, "Background", None)
