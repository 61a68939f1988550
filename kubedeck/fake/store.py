"""Object storage for the simulated cluster: resourceVersions, bounded history, watch fan-out.

Objects are plain JSON-shaped dicts. A dict handed to or returned by the store is owned by
the store and never mutated afterwards: callers `clone()` before changing one.
"""

from __future__ import annotations

import queue
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import msgspec

from kubedeck.fake.resources import ResourceType

# generateName suffixes use apimachinery's rand alphabet (no vowels, no 0/1/3).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_rng = random.Random()


def new_uid() -> str:
    """A v4 UUID from the store's generator, so a seeded world has the same uids every run."""
    return str(uuid.UUID(int=_rng.getrandbits(128), version=4))


def _type_first(obj: dict, rt: ResourceType) -> None:
    """apiVersion, kind and metadata lead, as a real apiserver serializes objects, whatever
    order a controller or client built the dict in (the same dict is kept)."""
    meta = obj.pop("metadata", None)
    rest = {key: obj.pop(key) for key in list(obj) if key not in ("apiVersion", "kind")}
    obj.clear()
    obj["apiVersion"] = rt.api_version
    obj["kind"] = rt.kind
    if meta is not None:
        obj["metadata"] = meta
    obj.update(rest)

_encode = msgspec.json.encode
_decode = msgspec.json.decode


def clone(obj: dict) -> dict:
    """Deep copy through msgspec: an order of magnitude faster than copy.deepcopy."""
    return _decode(_encode(obj))


class Clock:
    """Wall time, optionally shifted: `advance(-s)` then stepping forward builds a world as
    if it had been running for `s` seconds (the demo). Tests substitute ManualClock."""

    _offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds


class ManualClock(Clock):
    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


def rfc3339(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def rfc3339_micro(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1e6) % 1_000_000:06d}Z"


class StoreError(Exception):
    """An API error with the HTTP code, reason and message a real API server would send."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}


def not_found(rt: ResourceType, name: str) -> StoreError:
    group = rt.group
    return StoreError(404, "NotFound", f'{rt.plural}{"." + group if group else ""} "{name}" not found',
                      {"name": name, "group": group, "kind": rt.plural})


def already_exists(rt: ResourceType, name: str) -> StoreError:
    group = rt.group
    return StoreError(409, "AlreadyExists",
                      f'{rt.plural}{"." + group if group else ""} "{name}" already exists',
                      {"name": name, "group": group, "kind": rt.plural})


def conflict(rt: ResourceType, name: str) -> StoreError:
    group = rt.group
    return StoreError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {rt.plural}{"." + group if group else ""} "{name}": '
        "the object has been modified; please apply your changes to the latest version and try again",
        {"name": name, "group": group, "kind": rt.plural})


def gone(rv: int) -> StoreError:
    return StoreError(410, "Expired", f"too old resource version: {rv}")


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED | BOOKMARK
    key: str  # ResourceType.key of the object
    object: dict
    rv: int
    old: dict | None = None  # the state a MODIFIED replaced, for selector watches


class Watch:
    """One watcher's queue. `next()` returns None on timeout; closed watches return None."""

    def __init__(self, store: Store, select: Callable[[WatchEvent], WatchEvent | None]) -> None:
        self._store = store
        self._select = select
        self._queue: queue.SimpleQueue[WatchEvent | None] = queue.SimpleQueue()
        self.closed = False

    def offer(self, ev: WatchEvent) -> None:
        if self.closed:
            return
        seen = self._select(ev)
        if seen is not None:
            self._queue.put(seen)

    def next(self, timeout: float | None = None) -> WatchEvent | None:
        if self.closed:
            return None
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def empty(self) -> bool:
        """No event waiting; under the store lock this means every change so far was read."""
        return self._queue.empty()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._store._remove_watch(self)
            self._queue.put(None)


def _meta(obj: Mapping) -> Mapping:
    return obj.get("metadata") or {}


def _namespace_finalizers(rt: ResourceType, obj: Mapping) -> bool:
    """A deleted namespace stays until its spec.finalizers ("kubernetes") are finalized."""
    return rt.key == "namespaces" and bool((obj.get("spec") or {}).get("finalizers"))


class Store:
    """Objects by (resource key, namespace, name) with etcd-like versioning and watch."""

    def __init__(self, clock: Clock | None = None, history_limit: int = 5000) -> None:
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self._rv = 1
        self._objects: dict[str, dict[tuple[str, str], dict]] = {}
        self._history: deque[WatchEvent] = deque(maxlen=history_limit)
        self._watches: list[Watch] = []
        self._listeners: list[Callable[[WatchEvent], None]] = []

    # -- reading ---------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict | None:
        with self.lock:
            return self._objects.get(rt.key, {}).get((namespace if rt.namespaced else "", name))

    def require(self, rt: ResourceType, namespace: str, name: str) -> dict:
        obj = self.get(rt, namespace, name)
        if obj is None:
            raise not_found(rt, name)
        return obj

    def list(self, rt: ResourceType, namespace: str | None = None,
             match: Callable[[dict], bool] | None = None) -> tuple[list[dict], int]:
        """Objects sorted by (namespace, name) and the resourceVersion they were read at."""
        with self.lock:
            bucket = self._objects.get(rt.key, {})
            if namespace and rt.namespaced:
                items = [o for (ns, _), o in bucket.items() if ns == namespace]
            else:
                items = list(bucket.values())
            rv = self._rv
        if match is not None:
            items = [o for o in items if match(o)]
        items.sort(key=lambda o: (_meta(o).get("namespace", ""), _meta(o).get("name", "")))
        return items, rv

    def compacted(self, rv: int) -> bool:
        """True when history no longer reaches back to `rv` (etcd would have compacted it)."""
        with self.lock:
            oldest = self._history[0].rv if self._history else self._rv + 1
            return rv < oldest - 1 and rv < self._rv

    def count(self, rt: ResourceType) -> int:
        with self.lock:
            return len(self._objects.get(rt.key, {}))

    def keys(self) -> Iterable[str]:
        with self.lock:
            return list(self._objects)

    # -- writing ---------------------------------------------------------------------------

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def _emit(self, ev: WatchEvent) -> None:
        self._history.append(ev)
        for w in list(self._watches):
            w.offer(ev)
        for fn in list(self._listeners):
            fn(ev)

    def create(self, rt: ResourceType, obj: dict) -> dict:
        """Store a new object, filling uid, creationTimestamp, generation and resourceVersion."""
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            gen = meta.get("generateName")
            if not gen:
                raise StoreError(422, "Invalid", f"{rt.kind} is invalid: metadata.name: Required value: "
                                 "name or generateName is required")
            name = meta["name"] = gen + "".join(_rng.choice(_NAME_ALPHABET) for _ in range(5))
        ns = meta.get("namespace", "") if rt.namespaced else ""
        if rt.namespaced and not ns:
            ns = meta["namespace"] = "default"
        if not rt.namespaced:
            meta.pop("namespace", None)
        _type_first(obj, rt)
        with self.lock:
            bucket = self._objects.setdefault(rt.key, {})
            if (ns, name) in bucket:
                raise already_exists(rt, name)
            meta["uid"] = meta.get("uid") or new_uid()
            meta.setdefault("creationTimestamp", rfc3339(self.clock.now()))
            meta["generation"] = 1
            rv = self._next_rv()
            meta["resourceVersion"] = str(rv)
            bucket[(ns, name)] = obj
            self._emit(WatchEvent("ADDED", rt.key, obj, rv))
        return obj

    def update(self, rt: ResourceType, obj: dict, *, check_rv: bool = True,
               status_only: bool = False) -> dict:
        """Replace an object; a stale resourceVersion is a 409 Conflict, as in the real API.

        `status_only` keeps the stored spec (the status subresource); any other write keeps
        the stored status, bumping generation when the spec changed.
        """
        meta = obj.setdefault("metadata", {})
        name = meta.get("name", "")
        ns = meta.get("namespace", "") if rt.namespaced else ""
        with self.lock:
            bucket = self._objects.get(rt.key, {})
            old = bucket.get((ns, name))
            if old is None:
                raise not_found(rt, name)
            old_meta = _meta(old)
            sent_rv = meta.get("resourceVersion")
            if check_rv and sent_rv and sent_rv != old_meta.get("resourceVersion"):
                raise conflict(rt, name)
            _type_first(obj, rt)
            meta["uid"] = old_meta.get("uid")
            meta["creationTimestamp"] = old_meta.get("creationTimestamp")
            if "deletionTimestamp" in old_meta:
                meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
                meta["deletionGracePeriodSeconds"] = old_meta.get("deletionGracePeriodSeconds")
            if status_only:
                if "spec" in old:
                    obj["spec"] = old["spec"]
                meta["generation"] = old_meta.get("generation", 1)
            else:
                if "status" in rt.subresources:
                    if "status" in old:
                        obj["status"] = old["status"]
                    else:
                        obj.pop("status", None)
                changed = any(obj.get(f) != old.get(f) for f in ("spec", "data", "template"))
                meta["generation"] = old_meta.get("generation", 1) + (1 if changed else 0)
            if obj == old:
                return old
            rv = self._next_rv()
            meta["resourceVersion"] = str(rv)
            bucket[(ns, name)] = obj
            self._emit(WatchEvent("MODIFIED", rt.key, obj, rv, old))
            if ("deletionTimestamp" in meta and not meta.get("finalizers")
                    and not meta.get("deletionGracePeriodSeconds")
                    and not _namespace_finalizers(rt, obj)):
                return self._remove(rt, ns, name)
        return obj

    def write_status(self, rt: ResourceType, obj: dict) -> dict:
        return self.update(rt, obj, check_rv=False, status_only=True)

    def mark_deleted(self, rt: ResourceType, namespace: str, name: str,
                     grace_seconds: int | None = None) -> dict:
        """Set deletionTimestamp (graceful deletion or pending finalizers) and return it."""
        with self.lock:
            old = self.require(rt, namespace, name)
            if "deletionTimestamp" in _meta(old):
                return old
            obj = clone(old)
            meta = obj["metadata"]
            meta["deletionTimestamp"] = rfc3339(self.clock.now() + (grace_seconds or 0))
            if grace_seconds is not None:
                meta["deletionGracePeriodSeconds"] = grace_seconds
            rv = self._next_rv()
            meta["resourceVersion"] = str(rv)
            self._objects[rt.key][(namespace if rt.namespaced else "", name)] = obj
            self._emit(WatchEvent("MODIFIED", rt.key, obj, rv, old))
            return obj

    def remove(self, rt: ResourceType, namespace: str, name: str) -> dict:
        """Delete an object now; the DELETED event carries a fresh resourceVersion."""
        with self.lock:
            return self._remove(rt, namespace if rt.namespaced else "", name)

    def _remove(self, rt: ResourceType, ns: str, name: str) -> dict:
        bucket = self._objects.get(rt.key, {})
        old = bucket.pop((ns, name), None)
        if old is None:
            raise not_found(rt, name)
        obj = dict(old)
        obj["metadata"] = dict(_meta(old))
        rv = self._next_rv()
        obj["metadata"]["resourceVersion"] = str(rv)
        self._emit(WatchEvent("DELETED", rt.key, obj, rv))
        return obj

    # -- watching --------------------------------------------------------------------------

    def watch(self, rt: ResourceType, namespace: str | None = None,
              match: Callable[[dict], bool] | None = None,
              since: int | None = None) -> Watch:
        """Events after `since` (410 if history no longer reaches it), or synthetic ADDED
        events for the current state when `since` is None or 0, then live events."""
        key = rt.key
        ns_filter = namespace if (namespace and rt.namespaced) else None

        def matches_obj(obj: dict) -> bool:
            if ns_filter is not None and _meta(obj).get("namespace") != ns_filter:
                return False
            return match is None or match(obj)

        def select(ev: WatchEvent) -> WatchEvent | None:
            """The event as this watcher sees it: an object that starts or stops matching
            the selectors is ADDED or DELETED, as the API server's watch cache reports it."""
            if ev.key != key:
                return None
            now = matches_obj(ev.object)
            if ev.type != "MODIFIED" or ev.old is None or match is None:
                return ev if now else None
            was = matches_obj(ev.old)
            if now == was:
                return ev if now else None
            return replace(ev, type="ADDED" if now else "DELETED")

        with self.lock:
            w = Watch(self, select)
            if since:
                oldest = self._history[0].rv if self._history else self._rv + 1
                if since < oldest - 1 and since < self._rv:
                    raise gone(since)
                for ev in self._history:
                    if ev.rv > since:
                        w.offer(ev)
            else:
                items, rv = self.list(rt, namespace, matches_obj)
                for obj in items:
                    w.offer(WatchEvent("ADDED", key, obj, int(_meta(obj)["resourceVersion"])))
            self._watches.append(w)
        return w

    def _remove_watch(self, w: Watch) -> None:
        with self.lock:
            if w in self._watches:
                self._watches.remove(w)

    def add_listener(self, fn: Callable[[WatchEvent], None]) -> None:
        """Called synchronously, under the store lock, for every change (controllers use it)."""
        with self.lock:
            self._listeners.append(fn)

    def close_watches(self) -> None:
        """End every open watch, as an API server restart would."""
        with self.lock:
            for w in list(self._watches):
                w.close()
