"""List + watch of one resource into an in-memory store that converges after any fault.

One thread lists (paginated), replaces the store and watches from the list's
resourceVersion, resuming from the last seen version when a watch ends and relisting when the
server says that version is gone; failures wait with capped, jittered exponential backoff.
A second thread hands coalesced change batches to the subscriber at most every
`batch_interval`, so a consumer such as the UI is never flooded by a busy watch.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import urllib3

from kubedeck.kube.backoff import Backoff, BackoffPolicy
from kubedeck.kube.changes import ChangeBatch, Coalescer
from kubedeck.kube.reflector_codec import Decoder, Event, decoder_for
from kubedeck.kube.reflector_http import (
    Failure,
    ResourceLike,
    api_client_of,
    collection_path,
    connect_failure,
    open_get,
    origin_of,
    status_failure,
    stream_failure,
)
from kubedeck.kube.watchstream import json_lines

log = logging.getLogger(__name__)

_QUICK_END = 1.0  # a watch that ends empty this fast is a misbehaving server, not a timeout


class _Stopped(Exception):
    """Unwinds the worker when stop() interrupts a request."""


class Reflector:
    """Keeps `snapshot()` equal to the server's objects of one resource and scope.

    `on_batch` receives ChangeBatch objects from the reflector's dispatch thread; the first
    one after the initial list adds every object (with `progressive_first_list`, the first
    list's pages arrive over several batches instead). `last_error` is a one-line description of
    the current failure (None while healthy).
    """

    def __init__(self, client: Any, resource: ResourceLike, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None, *,
                 decode: Decoder | None = None,
                 on_batch: Callable[[ChangeBatch], None] | None = None,
                 batch_interval: float = 0.1,
                 backoff: BackoffPolicy | None = None,
                 page_size: int | None = 500,
                 min_watch_timeout: float = 300.0,
                 request_timeout: float | None = None,
                 progressive_first_list: bool = False) -> None:
        self._api = api_client_of(client)
        self.resource = resource
        self.namespace = namespace if resource.namespaced else None
        self.label_selector = label_selector or None
        self.field_selector = field_selector or None
        self._decoder: Decoder = decode or decoder_for(resource.group, resource.kind)
        self._on_batch = on_batch
        self._batch_interval = batch_interval
        self._backoff = Backoff(backoff or BackoffPolicy())
        self._page_size = page_size
        self._min_watch_timeout = min_watch_timeout
        self._progressive = progressive_first_list
        self._origin = origin_of(client)
        self._request_timeout = request_timeout or self._origin.request_timeout or 60.0
        self._path = collection_path(resource, self.namespace)

        self._lock = threading.Lock()
        self._store: dict[str, Any] = {}
        self._resource_version = ""
        self._resp: urllib3.BaseHTTPResponse | None = None
        self._changes = Coalescer()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._dispatcher: threading.Thread | None = None

        self.synced = threading.Event()
        self.last_error: str | None = None
        self.connected = False
        self.retry_delay: float | None = None  # the wait chosen after the last failure
        self.last_code: int | None = None  # the HTTP status of that failure (0: no answer)
        self._watch_events = 0  # events the current (or last) watch brought
        self._watch_quick = False  # the last watch ended within _QUICK_END

    # -- public ----------------------------------------------------------------------------

    def start(self) -> Reflector:
        name = f"reflector-{self.resource.plural}"
        self._worker = threading.Thread(target=self._run, name=name, daemon=True)
        self._dispatcher = threading.Thread(target=self._dispatch, name=f"{name}-batches",
                                            daemon=True)
        self._worker.start()
        self._dispatcher.start()
        return self

    def stop(self) -> None:
        """Stop both threads; no callback runs after this returns (unless called from one)."""
        self._stop.set()
        self._changes.ready.set()
        self._abort_response()
        current = threading.current_thread()
        for t in (self._worker, self._dispatcher):
            if t is not None and t is not current:
                t.join()
        self.connected = False

    def __enter__(self) -> Reflector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def snapshot(self) -> list[Any]:
        with self._lock:
            return list(self._store.values())

    @property
    def resource_version(self) -> str:
        with self._lock:
            return self._resource_version

    @property
    def description(self) -> str:
        """The watched scope in words, for messages."""
        what = self.resource.plural + (f".{self.resource.group}" if self.resource.group else "")
        if not self.resource.namespaced:
            return what
        return f"{what} in namespace {self.namespace}" if self.namespace else \
            f"{what} in all namespaces"

    # -- worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        need_list = True
        while not self._stop.is_set():
            listed = watching = False
            try:
                if need_list:
                    self._list()
                    need_list, listed = False, True
                watching = True
                self._watch()
                if self._watch_events == 0 and self._watch_quick:
                    raise Failure(f"watch {self.description}: the server closed the watch "
                                  "at once")
            except _Stopped:
                break
            except Failure as failure:
                if self._stop.is_set():
                    break
                self.connected = False
                need_list = need_list or failure.relist
                # A resumed watch that is told its version is gone relists at once; a 410
                # straight after a fresh list (or on the list itself) waits like any failure.
                if failure.code == 410 and watching and not (listed and self._watch_events == 0):
                    continue
                self._wait_after(failure)
        self.connected = False

    def _wait_after(self, failure: Failure) -> None:
        delay = self._backoff.next_delay(failure.retry_after, auth=failure.auth)
        self.retry_delay = delay
        self.last_code = failure.code
        self.last_error = f"{failure.message}; retrying in {_seconds(delay)}"
        log.info("%s", self.last_error)
        self._stop.wait(delay)

    def _healthy(self) -> None:
        self.connected = True
        self.last_error = None
        self.last_code = None

    def _selectors(self) -> list[tuple[str, str]]:
        q: list[tuple[str, str]] = []
        if self.label_selector:
            q.append(("labelSelector", self.label_selector))
        if self.field_selector:
            q.append(("fieldSelector", self.field_selector))
        return q

    # -- list ------------------------------------------------------------------------------

    def _list(self) -> None:
        """List everything, then swap the store (the differences become one batch).

        With `progressive_first_list`, the first list into an empty store publishes each
        page as it arrives instead, so a UI can show the first rows of 50,000 pods after one
        page rather than after a hundred. Only then is that safe: nothing published can be
        stale yet. Any later list (a relist, or a retry after a list that failed half way)
        stays atomic and its diff against the store removes whatever has gone meanwhile."""
        what = f"list {self.description}"
        items: list[Any] = []
        token = ""
        limit = self._page_size
        with self._lock:
            progressive = self._progressive and not self._store and not self.synced.is_set()
        while True:
            query = self._selectors()
            if limit:
                query.append(("limit", str(limit)))
            if token:
                query.append(("continue", token))
            resp = self._open(what, query, self._request_timeout)
            read = False
            try:
                body = self._read_all(what, resp)
                read = True
            finally:
                self._release(resp, reuse=read)
            if resp.status == 410 and token:
                # the snapshot behind the continue token is compacted: one unpaginated list,
                # diffed against whatever pages were already published
                items, token, limit, progressive = [], "", None, False
                continue
            if resp.status != 200:
                raise status_failure(what, self._path, query, resp, body, self._origin)
            try:
                page = self._decoder.decode_list(body)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise Failure(f"{what}: unreadable response ({exc})", relist=True) from None
            if progressive:
                self._publish(page.items)
            else:
                items.extend(page.items)
            if not page.continue_token:
                break
            token = page.continue_token
        if progressive:
            with self._lock:
                self._resource_version = page.resource_version
        else:
            self._replace(items, page.resource_version)
        self._healthy()
        self.synced.set()

    def _publish(self, items: list[Any]) -> None:
        """Add one page of the first list to the store and to the next batch."""
        uid_of = self._decoder.uid
        with self._lock:
            store = self._store
            changes = []
            for rec in items:
                uid = uid_of(rec)
                changes.append((uid, store.get(uid), rec))
                store[uid] = rec
            self._changes.put_many(changes)

    def _replace(self, items: list[Any], resource_version: str) -> None:
        """Swap the store for a fresh list; the differences are the changes a watch missed."""
        uid_of, rv_of = self._decoder.uid, self._decoder.resource_version
        fresh = {uid_of(r): r for r in items}
        changes: list[tuple[str, Any, Any]] = []
        with self._lock:
            old = self._store
            for uid, rec in old.items():
                if uid not in fresh:
                    changes.append((uid, rec, None))
            for uid, rec in fresh.items():
                prev = old.get(uid)
                if prev is None:
                    changes.append((uid, None, rec))
                elif rv_of(prev) != rv_of(rec):
                    changes.append((uid, prev, rec))
            self._store = fresh
            self._resource_version = resource_version
            self._changes.put_many(changes)

    # -- watch -----------------------------------------------------------------------------

    def _watch(self) -> None:
        """Follow one watch to its end, counting the events (bookmarks included) it brings."""
        what = f"watch {self.description}"
        timeout_seconds = int(self._min_watch_timeout * (1.0 + random.random()))
        query = self._selectors() + [
            ("watch", "true"), ("resourceVersion", self.resource_version),
            ("allowWatchBookmarks", "true"), ("timeoutSeconds", str(timeout_seconds))]
        started = time.monotonic()
        self._watch_events = 0
        self._watch_quick = False
        resp = self._open(what, query, timeout_seconds + 30.0)
        clean = False
        try:
            if resp.status != 200:
                raise status_failure(what, self._path, query, resp,
                                     self._read_all(what, resp), self._origin)
            self._healthy()
            for line in self._lines(what, resp):
                self._apply(what, line)
                self._watch_events += 1
            clean = True
        finally:
            self._release(resp, reuse=clean)
        self._watch_quick = time.monotonic() - started < _QUICK_END

    def _lines(self, what: str, resp: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
        try:
            for line in json_lines(resp):
                if self._stop.is_set():
                    raise _Stopped
                yield line
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if self._stop.is_set():
                raise _Stopped from None
            raise stream_failure(what, exc, self._origin) from None

    def _apply(self, what: str, line: bytes) -> None:
        try:
            ev: Event = self._decoder.decode_event(line)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise Failure(f"{what}: unreadable event ({exc})", relist=True) from None
        if ev.type == "ERROR":
            st = ev.status
            if st is not None and st.code == 410:
                raise Failure(f"{what}: {st.message or 'resource version expired'}", 410,
                              relist=True)
            message = st.message if st is not None else "unknown error"
            raise Failure(f"{what}: {message}", st.code if st else 0, relist=True)
        if ev.type == "BOOKMARK":
            with self._lock:
                self._resource_version = ev.resource_version
            return
        uid = self._decoder.uid(ev.record)
        with self._lock:
            if ev.type in ("ADDED", "MODIFIED"):
                before = self._store.get(uid)
                self._store[uid] = ev.record
                change = (uid, before, ev.record)
            elif ev.type == "DELETED":
                change = (uid, ev.record, None) if self._store.pop(uid, None) is not None \
                    else None
            else:
                raise Failure(f"{what}: unexpected event type {ev.type!r}", relist=True)
            if change is not None:
                self._changes.put(*change)
            self._resource_version = ev.resource_version

    # -- HTTP ------------------------------------------------------------------------------

    def _open(self, what: str, query: list[tuple[str, str]],
              read_timeout: float) -> urllib3.BaseHTTPResponse:
        if self._stop.is_set():
            raise _Stopped
        try:
            resp = open_get(self._api, self._path, query, (10.0, read_timeout))
        except Exception as exc:  # any transport error is retried
            if self._stop.is_set():
                raise _Stopped from None
            raise connect_failure(what, exc, self._origin) from None
        with self._lock:
            self._resp = resp
        if self._stop.is_set():
            self._release(resp, reuse=False)
            raise _Stopped
        return resp

    def _read_all(self, what: str, resp: urllib3.BaseHTTPResponse) -> bytes:
        try:
            return resp.read()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if self._stop.is_set():
                raise _Stopped from None
            raise stream_failure(what, exc, self._origin) from None

    def _release(self, resp: urllib3.BaseHTTPResponse, reuse: bool) -> None:
        """Give a fully read connection back to the pool; close any other."""
        with self._lock:
            if self._resp is resp:
                self._resp = None
        if reuse:
            resp.release_conn()
        else:
            resp.close()

    def _abort_response(self) -> None:
        """Unblock a read in progress: shutting the socket down wakes the blocked thread."""
        with self._lock:
            resp = self._resp
        if resp is None:
            return
        try:
            resp.shutdown()
        except (ValueError, RuntimeError, OSError):
            resp.close()

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Gather changes for one interval after the first arrives, then deliver them."""
        while True:
            self._changes.ready.wait()
            if self._stop.wait(self._batch_interval):
                return
            batch = self._changes.take()
            if self._stop.is_set():  # after take(): its clear() cannot hide stop's wake-up
                return
            if batch and self._on_batch is not None:
                try:
                    self._on_batch(batch)
                except Exception:
                    log.exception("change batch subscriber failed for %s", self.description)


def _seconds(delay: float) -> str:
    return f"{delay:.1f}s" if delay < 10 else f"{delay:.0f}s"
