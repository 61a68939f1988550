"""Several list+watch streams of whole objects (plain dicts) merged into one queue.

A deploy judges a rollout from the Deployment, its ReplicaSets, its pods and a Service's
EndpointSlices at once. Each stream is the core's `Reflector` (relist on 410, resume after a
broken watch, backoff) decoding into dicts instead of the table's partial records, handing its
changes over as soon as they arrive (no batching window), so the waiting thread wakes on the
event itself rather than polling the cluster.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource
from kubedeck.kube.reflector import Reflector
from kubedeck.kube.reflector_codec import ApiStatus, Event, Page

# How long changes are gathered before they are handed over: short, so the decision that a
# rollout is complete follows the cluster within milliseconds, yet a burst of pod updates
# still arrives as one batch.
HANDOVER = 0.005


class _Status(msgspec.Struct):
    code: int = 0
    reason: str = ""
    message: str = ""


class _Line(msgspec.Struct):
    type: str
    object: dict


class _List(msgspec.Struct):
    items: list[dict] = []
    metadata: dict = {}


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


class DictDecoder:
    """The reflector's Decoder protocol over whole objects as dicts."""

    def decode_list(self, raw: bytes) -> Page:
        listed = msgspec.json.decode(raw, type=_List)
        meta = listed.metadata
        return Page(listed.items, str(meta.get("resourceVersion", "")),
                    str(meta.get("continue", "")))

    def decode_event(self, raw: bytes) -> Event:
        line = msgspec.json.decode(raw, type=_Line)
        if line.type == "ERROR":
            st = msgspec.convert(line.object, _Status)
            return Event("ERROR", None, "", ApiStatus(st.code, st.reason, st.message))
        return Event(line.type, line.object, str(_meta(line.object).get("resourceVersion", "")))

    def uid(self, record: dict) -> str:
        meta = _meta(record)
        return str(meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}")

    def resource_version(self, record: dict) -> str:
        return str(_meta(record).get("resourceVersion", ""))


@dataclass
class Change:
    """One stream's batch: `tag` names the stream, `batch` holds dicts by uid."""

    tag: str
    batch: ChangeBatch


class Watches:
    """Start streams with `add`, read their changes with `next`, keep the latest objects of
    each in `objects[tag]` (uid -> dict). Use as a context manager so every stream stops."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._queue: queue.Queue[Change] = queue.Queue()
        self._reflectors: dict[str, Reflector] = {}
        self.objects: dict[str, dict[str, dict]] = {}

    def add(self, tag: str, resource: APIResource, namespace: str | None, *,
            label_selector: str | None = None, field_selector: str | None = None) -> None:
        self.objects[tag] = {}
        reflector = Reflector(self.conn, resource, namespace, label_selector, field_selector,
                              decode=DictDecoder(), batch_interval=HANDOVER,
                              on_batch=lambda b, t=tag: self._queue.put(Change(t, b)))
        self._reflectors[tag] = reflector
        reflector.start()

    def next(self, timeout: float) -> Change | None:
        """The next batch (already folded into `objects`), or None after `timeout` seconds."""
        try:
            change = self._queue.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
        store = self.objects.setdefault(change.tag, {})
        for uid in change.batch.deleted:
            store.pop(uid, None)
        store.update(change.batch.added)
        store.update(change.batch.updated)
        return change

    def synced(self, tags: Iterable[str] | None = None) -> bool:
        return all(self._reflectors[t].synced.is_set() for t in (tags or self._reflectors))

    def errors(self) -> list[str]:
        """Each stream's current failure, for a timeout message that says why it saw nothing."""
        return [r.last_error for r in self._reflectors.values() if r.last_error]

    def stop(self) -> None:
        for r in self._reflectors.values():
            r.stop()
        self._reflectors.clear()

    def __enter__(self) -> Watches:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class Deadline:
    """Seconds left until a fixed moment, for loops that wait on events with a timeout."""

    def __init__(self, seconds: float | None) -> None:
        self.at = time.monotonic() + seconds if seconds is not None else None

    def left(self) -> float:
        return float("inf") if self.at is None else self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.left() <= 0
