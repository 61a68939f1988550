"""Fault injection for the simulated API server, so clients can be tested against failures."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """One scripted failure, applied to the next `times` requests that match.

    A request matches when its method is in `methods` (empty: any), its path contains `path`
    and, when `watch` is set, it is (True) or is not (False) a watch request.
    Actions:
      status        answer `code` with a Status body (and Retry-After if `retry_after`)
      disconnect    for a watch: send `after_events` events, then drop the connection;
                    otherwise close the socket without answering
      bookmarks     for a watch: send only BOOKMARK events (`after_events` of them), then end
      gone          for a watch: answer with an ERROR event carrying 410 Expired
    """

    action: str
    path: str = ""
    methods: tuple[str, ...] = ()
    watch: bool | None = None
    code: int = 500
    retry_after: int | None = None
    after_events: int = 0
    times: int = 1
    hits: int = 0


class FaultInjector:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, is_watch: bool) -> Fault | None:
        """The first pending fault matching this request, consumed once."""
        with self._lock:
            for f in self._faults:
                if f.methods and method not in f.methods:
                    continue
                if f.path and f.path not in path:
                    continue
                if f.watch is not None and f.watch != is_watch:
                    continue
                f.hits += 1
                if f.hits >= f.times:
                    self._faults.remove(f)
                return f
        return None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._faults)
