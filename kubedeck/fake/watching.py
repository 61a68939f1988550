"""WATCH: a chunked stream of {"type","object"} lines with bookmarks, timeouts, the initial
events of `sendInitialEvents`, 410 as an ERROR event, and scripted faults."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from kubedeck.fake.api_errors import status_body
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.exchange import ClientGone, Exchange
from kubedeck.fake.faults import Fault
from kubedeck.fake.resources import ResourceType
from kubedeck.fake.store import StoreError, Watch

_encode = msgspec.json.encode
_TICK = 0.25
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


@dataclass
class WatchOptions:
    namespace: str | None
    label_selector: str | None
    field_selector: str | None
    since: int | None
    bookmarks: bool
    initial_events: bool | None
    timeout: float | None


def _event(kind: str, obj: object) -> bytes:
    return b'{"type":"%s","object":%s}\n' % (kind.encode(), _encode(obj))


def _error_event(err: StoreError) -> bytes:
    return _event("ERROR", status_body(err.code, err.reason, err.message, err.details or None))


class WatchStream:
    """Serves one watch request until it times out, the client leaves or the server stops."""

    def __init__(self, cluster: FakeCluster, rt: ResourceType, opts: WatchOptions,
                 render: Callable[[dict], object], bookmark_interval: float,
                 stopping: threading.Event) -> None:
        self.cluster = cluster
        self.rt = rt
        self.opts = opts
        self.render = render
        self.bookmark_interval = bookmark_interval
        self.stopping = stopping

    def _bookmark(self, rv: int, initial_end: bool = False) -> bytes:
        meta: dict = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        return _event("BOOKMARK", {"kind": self.rt.kind, "apiVersion": self.rt.api_version,
                                   "metadata": meta})

    def serve(self, ex: Exchange, fault: Fault | None) -> None:
        store = self.cluster.store
        opts = self.opts
        since = opts.since
        if opts.initial_events is False and not since:
            since = store.resource_version
        try:
            with store.lock:
                w = self.cluster.watch(self.rt, opts.namespace, opts.label_selector,
                                       opts.field_selector, since)
                start_rv = store.resource_version
        except StoreError as err:
            if err.code != 410:
                raise
            ex.start_stream()
            ex.write_chunk(_error_event(err))
            ex.end_stream()
            return
        ex.start_stream()
        try:
            self._pump(ex, w, fault, start_rv)
        except ClientGone:
            return
        finally:
            w.close()

    def _pump(self, ex: Exchange, w: Watch, fault: Fault | None, start_rv: int) -> None:
        store = self.cluster.store
        if fault is not None and fault.action == "gone":
            ex.write_chunk(_error_event(StoreError(
                410, "Expired", f"too old resource version: {self.opts.since or 0} ({start_rv})")))
            ex.end_stream()
            return
        if fault is not None and fault.action == "bookmarks":
            with store.lock:
                rv = store.resource_version if w.empty() else (self.opts.since or start_rv)
            for _ in range(max(fault.after_events, 1)):
                ex.write_chunk(self._bookmark(rv))
            ex.end_stream()
            return
        disconnect_after = fault.after_events if fault and fault.action == "disconnect" else None
        deadline = time.monotonic() + self.opts.timeout if self.opts.timeout else None
        next_bookmark = time.monotonic() + self.bookmark_interval
        initial_pending = bool(self.opts.initial_events)
        sent = 0
        while True:
            if disconnect_after is not None and sent >= disconnect_after:
                ex.abort()
                return
            now = time.monotonic()
            if deadline is not None and now >= deadline or self.stopping.is_set() or w.closed:
                ex.end_stream()
                return
            wait = min(_TICK, next_bookmark - now, (deadline - now) if deadline else _TICK)
            ev = w.next(timeout=max(wait, 0.0))
            if ev is not None and initial_pending and ev.rv > start_rv:
                ex.write_chunk(self._bookmark(start_rv, initial_end=True))
                initial_pending = False
            if ev is not None:
                ex.write_chunk(_event(ev.type, self.render(ev.object)))
                sent += 1
                continue
            if initial_pending:
                ex.write_chunk(self._bookmark(start_rv, initial_end=True))
                initial_pending = False
            if ex.client_gone():
                return
            if self.opts.bookmarks and time.monotonic() >= next_bookmark:
                with store.lock:
                    rv = store.resource_version if w.empty() else None
                if rv is not None:
                    ex.write_chunk(self._bookmark(rv))
                    next_bookmark = time.monotonic() + self.bookmark_interval
            elif time.monotonic() >= next_bookmark:
                next_bookmark = time.monotonic() + self.bookmark_interval
