"""Shared helpers of the reflector tests: a consumer that checks batches, condition waits,
and a decoder wrapper that counts and pauses the reflector at chosen points."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.reflector_codec import Decoder, Event, SchemaDecoder


def rv_of(record: Any) -> str:
    return record.metadata.resourceVersion


def versions_of(records: Iterable[Any]) -> dict[str, str]:
    return {r.metadata.uid: rv_of(r) for r in records}


class Mirror:
    """Applies batches as a consumer would and records every inconsistency: an add of a
    known uid (a duplicate), an update or delete of an unknown one."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.batches: list[ChangeBatch] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, batch: ChangeBatch) -> None:
        with self.lock:
            self.batches.append(batch)
            for uid, rec in batch.added.items():
                if uid in self.state:
                    self.problems.append(f"added twice: {uid}")
                self.state[uid] = rec
            for uid, rec in batch.updated.items():
                if uid not in self.state:
                    self.problems.append(f"update of unknown {uid}")
                self.state[uid] = rec
            for uid in batch.deleted:
                if self.state.pop(uid, None) is None:
                    self.problems.append(f"delete of unknown {uid}")

    def versions(self) -> dict[str, str]:
        with self.lock:
            return versions_of(self.state.values())

    def deleted(self) -> set[str]:
        with self.lock:
            return {uid for b in self.batches for uid in b.deleted}


def wait_for(pred: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


class Probe:
    """A decoder around another that counts list pages and events, and can hold the
    reflector inside the decoding of page number `hold_page` or of the next ERROR event
    until `go` is set, so a test can change the server at exactly that moment."""

    def __init__(self, inner: Decoder | None = None) -> None:
        self.inner = inner or SchemaDecoder()
        self.pages = 0
        self.events: list[str] = []
        self.hold_page: int | None = None
        self.hold_error = False
        self.held = threading.Event()
        self.go = threading.Event()
        self._lock = threading.Lock()

    def _hold(self) -> None:
        self.held.set()
        self.go.wait(15)

    def decode_list(self, raw: bytes):
        with self._lock:
            self.pages += 1
            hold = self.pages == self.hold_page
        if hold:
            self._hold()
        return self.inner.decode_list(raw)

    def decode_event(self, raw: bytes) -> Event:
        ev = self.inner.decode_event(raw)
        with self._lock:
            self.events.append(ev.type)
            hold = ev.type == "ERROR" and self.hold_error
        if hold:
            self._hold()
        return ev

    def count(self, kind: str) -> int:
        with self._lock:
            return self.events.count(kind)

    def uid(self, record: Any) -> str:
        return self.inner.uid(record)

    def resource_version(self, record: Any) -> str:
        return self.inner.resource_version(record)
