"""core/v1 Events written the way client-go's legacy recorder writes them.

Repeats of the same (source, object, type, reason, message) within the cache are folded
into one Event whose `count` grows and `lastTimestamp` moves, as the EventCorrelator does
(or whose `series` grows, for events.k8s.io-style events);
Events expire after an hour, as the API server's event TTL makes them.
"""

from __future__ import annotations

import contextlib
import threading

from kubedeck.fake.controllers.base import Manager, parse_time
from kubedeck.fake.store import StoreError, clone, rfc3339, rfc3339_micro

EVENT_TTL = 3600.0
_CACHE_LIMIT = 4096  # client-go's correlator keeps an LRU of this size


class EventRecorder:
    """Records Events about objects on behalf of a named component."""

    def __init__(self, manager: Manager) -> None:
        self._manager = manager
        self._lock = threading.Lock()
        self._seen: dict[tuple, tuple[str, str]] = {}
        self._nonce = 0

    def record(self, obj: dict, type_: str, reason: str, message: str, *, component: str,
               host: str = "", field_path: str = "", action: str = "") -> None:
        """Emit (or fold into an existing) Event about `obj`. Call from the worker, never
        from `on_event` (it writes to the store).

        With `action` the Event is written as the events.k8s.io recorder writes it (the
        scheduler does): eventTime and a `series` for repeats instead of count and
        first/lastTimestamp, an empty source, and `host` as the reporting instance."""
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        involved = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace", ""),
                    "name": meta.get("name", ""), "uid": meta.get("uid", ""),
                    "apiVersion": obj.get("apiVersion", ""),
                    "resourceVersion": meta.get("resourceVersion", "")}
        if not involved["namespace"]:
            del involved["namespace"]
        if field_path:
            involved["fieldPath"] = field_path
        key = (component, host, involved["kind"], involved.get("namespace", ""),
               involved["name"], involved["uid"], involved["apiVersion"], field_path, type_,
               reason, message, action)
        now = self._manager.clock.now()
        rt = self._manager.rt("events")
        store = self._manager.store
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None:
                live = store.get(rt, *seen)
                if live is not None:
                    store.update(rt, _repeated(live, involved, now, bool(action)),
                                 check_rv=False)
                    return
                del self._seen[key]
            self._nonce += 1
            name = f"{involved['name']}.{int(now * 1e9) + self._nonce:x}"
            event = {"metadata": {"name": name, "namespace": namespace},
                     "involvedObject": involved, "reason": reason, "message": message,
                     "type": type_, "reportingComponent": component, "reportingInstance": host}
            if action:
                event.update({"action": action, "eventTime": rfc3339_micro(now),
                              "firstTimestamp": None, "lastTimestamp": None, "source": {}})
            else:
                source = {"component": component}
                if host:
                    source["host"] = host
                event.update({"source": source, "firstTimestamp": rfc3339(now),
                              "lastTimestamp": rfc3339(now), "count": 1, "eventTime": None})
            try:
                store.create(rt, event)
            except StoreError:
                return
            if len(self._seen) >= _CACHE_LIMIT:
                self._seen.pop(next(iter(self._seen)))
            self._seen[key] = (namespace, name)
        self._manager.after(EVENT_TTL, lambda: self._expire(namespace, name))

    def _expire(self, namespace: str, name: str) -> None:
        """Drop an Event an hour after its last update (updates renew the TTL)."""
        rt = self._manager.rt("events")
        live = self._manager.store.get(rt, namespace, name)
        if live is None:
            return
        left = _last_seen(live) + EVENT_TTL - self._manager.clock.now()
        if left > 0:
            self._manager.after(left, lambda: self._expire(namespace, name))
            return
        with contextlib.suppress(StoreError):
            self._manager.store.remove(rt, namespace, name)


def _repeated(live: dict, involved: dict, now: float, series: bool) -> dict:
    """The stored Event updated for one more occurrence."""
    ev = clone(live)
    ev["involvedObject"] = involved
    if series:
        count = int((ev.get("series") or {}).get("count") or 1) + 1
        ev["series"] = {"count": count, "lastObservedTime": rfc3339_micro(now)}
    else:
        ev["count"] = int(ev.get("count") or 1) + 1
        ev["lastTimestamp"] = rfc3339(now)
    return ev


def _last_seen(ev: dict) -> float:
    stamp = ((ev.get("series") or {}).get("lastObservedTime") or ev.get("lastTimestamp")
             or ev.get("eventTime") or "")
    return parse_time(stamp)
