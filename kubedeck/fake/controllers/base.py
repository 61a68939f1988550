"""The controller framework: a keyed work queue, a timer heap on the cluster clock, indexes.

How a controller plugs in (see `Controller`):
  * `watches` names the resource keys (`ResourceType.key`, e.g. "pods", "deployments.apps")
    whose changes reach `on_event` ("*": every key). `on_event` runs synchronously UNDER THE STORE LOCK, so it
    may only enqueue keys (`self.enqueue(ns, name)`), never read-modify-write the store.
  * `reconcile(namespace, name)` runs later on the single worker (a background thread after
    `start()`, or inside `step()`), outside the store lock: read, compute, write. A 409
    Conflict or 404 raised from a write simply requeues the key.
  * `self.after(seconds, fn)` runs `fn` on the worker once `seconds` of cluster clock have
    passed; `self.enqueue(ns, name, after=s)` is the keyed form (the common case).

The manager keeps two indexes that every controller may read without the store lock:
`index.owned(uid, key)` (dependents by owner uid, from ownerReferences) and
`index.names(key, namespace)`; both avoid scanning a whole resource type, which matters at
50,000 pods.

Time: `step(seconds)` advances the clock (a ManualClock in tests) timer by timer, draining
the queue after each, so tests are deterministic. `start()` runs the same loop on a thread against the real clock.
Use one or the other, not both.
"""

from __future__ import annotations

import calendar
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from kubedeck.fake.resources import ResourceType
from kubedeck.fake.store import StoreError, WatchEvent
from kubedeck.kube.selectors import selector_from_match_labels

if TYPE_CHECKING:
    from kubedeck.fake.cluster import FakeCluster

log = logging.getLogger(__name__)

# Reconciles in one `step()` drain before we call it a livelock (a controller bug).
_MAX_DRAIN = 1_000_000


def parse_time(stamp: str) -> float:
    """Seconds since the epoch for an RFC 3339 timestamp as the store writes them."""
    if not stamp:
        return 0.0
    whole, _, frac = stamp.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return secs + (float("0." + frac) if frac else 0.0)


class Timer:
    """A pending delayed action; `cancel()` makes it a no-op."""

    __slots__ = ("due", "fn", "cancelled")

    def __init__(self, due: float, fn: Callable[[], None]) -> None:
        self.due = due
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Index:
    """Reverse lookups maintained from store events (under the store lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owned: dict[str, set[tuple[str, str, str]]] = {}
        self._owners: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._names: dict[str, dict[str, set[str]]] = {}
        self._uids: dict[str, tuple[str, str, str]] = {}

    def observe(self, ev: WatchEvent) -> None:
        meta = ev.object.get("metadata") or {}
        ns, name, uid = meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", "")
        ref = (ev.key, ns, name)
        with self._lock:
            old = self._owners.pop(ref, ())
            for owner in old:
                deps = self._owned.get(owner)
                if deps is not None:
                    deps.discard(ref)
                    if not deps:
                        del self._owned[owner]
            names = self._names.setdefault(ev.key, {})
            if ev.type == "DELETED":
                bucket = names.get(ns)
                if bucket is not None:
                    bucket.discard(name)
                    if not bucket:
                        del names[ns]
                if self._uids.get(uid) == ref:
                    del self._uids[uid]
                return
            names.setdefault(ns, set()).add(name)
            self._uids[uid] = ref
            owners = tuple(r["uid"] for r in meta.get("ownerReferences") or () if r.get("uid"))
            if owners:
                self._owners[ref] = owners
                for owner in owners:
                    self._owned.setdefault(owner, set()).add(ref)

    def owned(self, uid: str, key: str | None = None) -> list[tuple[str, str, str]]:
        """(resource key, namespace, name) of objects listing `uid` in ownerReferences."""
        with self._lock:
            deps = list(self._owned.get(uid, ()))
        return sorted(d for d in deps if key is None or d[0] == key)

    def names(self, key: str, namespace: str) -> list[str]:
        with self._lock:
            return sorted(self._names.get(key, {}).get(namespace, ()))

    def namespaces(self, key: str) -> list[str]:
        with self._lock:
            return sorted(self._names.get(key, {}))

    def lookup_uid(self, uid: str) -> tuple[str, str, str] | None:
        """Where the live object with this uid is, if it exists."""
        with self._lock:
            return self._uids.get(uid)


class Orphans:
    """Names of ownerless dependents per namespace, kept from events so adoption never
    scans a whole resource type."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: dict[str, set[str]] = {}

    def note(self, namespace: str, name: str, orphan: bool) -> None:
        with self._lock:
            names = self._names.setdefault(namespace, set())
            if orphan:
                names.add(name)
            else:
                names.discard(name)

    def names(self, namespace: str) -> list[str]:
        with self._lock:
            return sorted(self._names.get(namespace, ()))


class Controller:
    """One reconciler keyed by (namespace, name) of its primary resource."""

    name: ClassVar[str] = ""
    component: ClassVar[str] = ""  # source.component of its events, when not `name`
    watches: ClassVar[tuple[str, ...]] = ()

    def __init__(self, manager: Manager) -> None:
        self.manager = manager
        self.cluster = manager.cluster
        self.store = manager.store

    def on_event(self, ev: WatchEvent) -> None:
        """Map a change to keys to reconcile. Under the store lock: enqueue only."""
        meta = ev.object.get("metadata") or {}
        self.enqueue(meta.get("namespace", ""), meta.get("name", ""))

    def reconcile(self, namespace: str, name: str) -> None:
        raise NotImplementedError

    def enqueue(self, namespace: str, name: str, after: float = 0.0) -> None:
        self.manager.enqueue(self.name, namespace, name, after)

    def enqueue_controller_of(self, ev: WatchEvent, kind: str) -> None:
        """Enqueue the controlling owner of the changed object when it is a `kind`."""
        meta = ev.object.get("metadata") or {}
        for ref in meta.get("ownerReferences") or ():
            if ref.get("controller") and ref.get("kind") == kind:
                self.enqueue(meta.get("namespace", ""), ref.get("name", ""))

    def after(self, seconds: float, fn: Callable[[], None]) -> Timer:
        return self.manager.after(seconds, fn)

    def now(self) -> float:
        return self.manager.clock.now()

    def rt(self, plural: str, group: str = "") -> ResourceType:
        return self.manager.rt(plural, group)

    def track_orphan(self, orphans: Orphans, ev: WatchEvent, orphan: bool, owner_plural: str,
                     owner_group: str) -> None:
        """Record whether a dependent is ownerless; if so, wake every owner of this
        controller's kind whose selector matches it, to adopt it."""
        meta = ev.object["metadata"]
        ns = meta.get("namespace", "")
        orphans.note(ns, meta["name"], orphan)
        if not orphan:
            return
        labels = meta.get("labels") or {}
        rt = self.rt(owner_plural, owner_group)
        for name in self.manager.index.names(rt.key, ns):
            owner = self.store.get(rt, ns, name)
            if owner is not None and selector_from_match_labels(
                    (owner.get("spec") or {}).get("selector"))(labels):
                self.enqueue(ns, name)

    def controlled(self, owner: dict, plural: str, group: str = "") -> list[dict]:
        """Live objects of one type whose controller reference is `owner` (via the index)."""
        uid = owner["metadata"]["uid"]
        rt = self.rt(plural, group)
        out = []
        for _key, ns, name in self.manager.index.owned(uid, rt.key):
            obj = self.store.get(rt, ns, name)
            if obj is not None and any(
                    r.get("controller") and r.get("uid") == uid
                    for r in obj["metadata"].get("ownerReferences") or ()):
                out.append(obj)
        return out

    def delete_pod(self, owner: dict, pod: dict, message: str) -> None:
        """Delete a dependent pod and record SuccessfulDelete on its owner; gone already is fine."""
        meta = pod["metadata"]
        try:
            self.cluster.delete(self.rt("pods"), meta["namespace"], meta["name"])
        except StoreError as exc:
            if exc.code != 404:
                raise
            return
        self.manager.events.record(owner, "Normal", "SuccessfulDelete", message,
                                   component=self.component or self.name)


class Manager:
    """Runs a set of controllers over one cluster: queue, timers, indexes, worker."""

    types: ClassVar[tuple[type[Controller], ...]] = ()

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.clock = cluster.clock
        self.index = Index()
        self._cond = threading.Condition()
        self._queue: deque[tuple[str, str, str]] = deque()
        self._pending: set[tuple[str, str, str]] = set()
        self._timers: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._rts: dict[tuple[str, str], ResourceType] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.controllers: dict[str, Controller] = {}
        self._by_key: dict[str, list[Controller]] = {}
        for cls in self.types:
            self.register(cls(self))
        self.store.add_listener(self._on_change)

    def register(self, controller: Controller) -> None:
        self.controllers[controller.name] = controller
        for key in controller.watches:
            self._by_key.setdefault(key, []).append(controller)

    def rt(self, plural: str, group: str = "") -> ResourceType:
        """The cluster's preferred type for a built-in plural, cached."""
        found = self._rts.get((plural, group))
        if found is None:
            found = self._rts[(plural, group)] = self.cluster.type_for(plural, group)
        return found

    def rt_for_key(self, key: str) -> ResourceType | None:
        """The served type stored under a resource key (CRDs included), if any."""
        return next((t for t in self.cluster.resource_types() if t.key == key), None)

    # -- feeding the queue (safe under the store lock) -------------------------------------

    def _on_change(self, ev: WatchEvent) -> None:
        self.index.observe(ev)
        for controller in self._by_key.get(ev.key, ()):
            controller.on_event(ev)
        for controller in self._by_key.get("*", ()):
            controller.on_event(ev)

    def enqueue(self, controller: str, namespace: str, name: str, after: float = 0.0) -> None:
        item = (controller, namespace, name)
        if after > 0:
            self.after(after, lambda: self.enqueue(*item))
            return
        with self._cond:
            if item not in self._pending:
                self._pending.add(item)
                self._queue.append(item)
                self._cond.notify()

    def after(self, seconds: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(self.clock.now() + max(0.0, seconds), fn)
        with self._cond:
            heapq.heappush(self._timers, (timer.due, next(self._seq), timer))
            self._cond.notify()
        return timer

    # -- running ---------------------------------------------------------------------------

    def _pop_item(self) -> tuple[str, str, str] | None:
        with self._cond:
            if not self._queue:
                return None
            item = self._queue.popleft()
            self._pending.discard(item)
            return item

    def _pop_timer(self, until: float) -> Timer | None:
        with self._cond:
            while self._timers and self._timers[0][0] <= until:
                timer = heapq.heappop(self._timers)[2]
                if not timer.cancelled:
                    return timer
            return None

    def _next_due(self) -> float | None:
        with self._cond:
            while self._timers and self._timers[0][2].cancelled:
                heapq.heappop(self._timers)
            return self._timers[0][0] if self._timers else None

    def _reconcile(self, item: tuple[str, str, str], strict: bool) -> None:
        controller, namespace, name = item
        try:
            self.controllers[controller].reconcile(namespace, name)
        except StoreError as exc:
            if exc.code not in (404, 409):
                if strict:
                    raise
                log.warning("%s %s/%s: %s", controller, namespace, name, exc.message)
            self.enqueue(controller, namespace, name, after=0.0 if strict else 0.1)
        except Exception:
            if strict:
                raise
            log.exception("controller %s failed on %s/%s", controller, namespace, name)
            self.enqueue(controller, namespace, name, after=1.0)

    def _drain(self) -> None:
        for _ in range(_MAX_DRAIN):
            item = self._pop_item()
            if item is None:
                return
            self._reconcile(item, strict=True)
        raise RuntimeError("simulated controllers did not settle (a reconcile loop?)")

    def step(self, seconds: float = 0.0) -> None:
        """Advance the clock by `seconds` running every timer as it becomes due, in order,
        and reconcile until quiet after each instant (timers due at the same instant run
        together, so their keys coalesce in the queue). Exceptions propagate. On a wall Clock this
        shifts it ahead (how seed_demo fast-forwards a world built in the past)."""
        target = self.clock.now() + seconds
        self._drain()
        while True:
            timer = self._pop_timer(target)
            if timer is None:
                break
            if timer.due > self.clock.now():
                self.clock.advance(timer.due - self.clock.now())
            timer.fn()
            while (same := self._pop_timer(self.clock.now())) is not None:
                same.fn()
            self._drain()
        if target > self.clock.now():
            self.clock.advance(target - self.clock.now())

    def start(self) -> None:
        """Reconcile on a background thread against the cluster clock until `stop()`."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="kubedeck-fake-controllers",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            item = self._pop_item()
            if item is not None:
                self._reconcile(item, strict=False)
                continue
            timer = self._pop_timer(self.clock.now())
            if timer is not None:
                try:
                    timer.fn()
                except Exception:
                    log.exception("controller timer failed")
                continue
            with self._cond:
                if self._queue or self._stopping.is_set():
                    continue
                due = self._next_due()
                wait = 1.0 if due is None else min(1.0, max(0.0, due - self.clock.now()))
                if wait > 0:
                    self._cond.wait(wait)
