"""Coalescing of store changes into batches, so a consumer sees each object once per batch.

Only the difference between what the consumer saw at the last batch and the store now is
delivered: an object added and deleted in between is never shown, one deleted and re-added
(same uid) is an update, and any number of updates collapse into the last state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Records by uid. `deleted` holds each object's last known state."""

    added: dict[str, Any] = field(default_factory=dict)
    updated: dict[str, Any] = field(default_factory=dict)
    deleted: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    def __len__(self) -> int:
        return len(self.added) + len(self.updated) + len(self.deleted)


class _Pending:
    __slots__ = ("existed", "current", "last")

    def __init__(self, existed: bool, current: Any, last: Any) -> None:
        self.existed = existed  # known to the consumer as of the last batch
        self.current = current  # None once deleted
        self.last = last


class Coalescer:
    """Collects changes from the producer thread; `take()` hands them out as one batch."""

    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self.ready = threading.Event()

    def put(self, uid: str, before: Any, after: Any) -> None:
        """One change: `before` None for an add, `after` None for a delete (then `before` is
        the deleted object's last state)."""
        self.put_many(((uid, before, after),))

    def put_many(self, changes: Iterable[tuple[str, Any, Any]]) -> None:
        """Several changes made visible together (a relist's diff is never split)."""
        with self._lock:
            for uid, before, after in changes:
                p = self._pending.get(uid)
                last = after if after is not None else before
                if p is None:
                    self._pending[uid] = _Pending(before is not None, after, last)
                else:
                    p.current = after
                    p.last = last
            if self._pending:
                self.ready.set()

    def take(self) -> ChangeBatch:
        with self._lock:
            pending, self._pending = self._pending, {}
            self.ready.clear()
        batch = ChangeBatch()
        for uid, p in pending.items():
            if p.current is None:
                if p.existed:
                    batch.deleted[uid] = p.last
            elif p.existed:
                batch.updated[uid] = p.current
            else:
                batch.added[uid] = p.current
        return batch
