"""LIST with `limit`/`continue`: pages of one consistent snapshot, as etcd serves them.

The first page of a paginated list keeps the sorted result (references to immutable stored
objects, so it costs one list of pointers); later pages read from it. A continue token whose
resourceVersion history no longer reaches answers 410 Expired, as after an etcd compaction.
"""

from __future__ import annotations

import base64
import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass

import msgspec

from kubedeck.fake.resources import ResourceType
from kubedeck.fake.store import Store, StoreError

_EXPIRED_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list.")


class ContinueExpired(StoreError):
    """410 for a compacted continue token; carries the token that resumes inconsistently."""

    def __init__(self, token: str) -> None:
        super().__init__(410, "Expired", _EXPIRED_MESSAGE)
        self.continue_token = token


@dataclass
class Page:
    items: list[dict]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


def _key(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace", ""), meta.get("name", ""))


def encode_token(rv: int, after: tuple[str, str]) -> str:
    raw = msgspec.json.encode({"v": "meta.k8s.io/v1", "rv": rv, "start": "/".join(after) + "\0"})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[int, tuple[str, str]]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = msgspec.json.decode(raw)
        ns, _, name = doc["start"].rstrip("\0").partition("/")
        return int(doc["rv"]), (ns, name)
    except (ValueError, KeyError, TypeError, AttributeError, msgspec.DecodeError):
        raise StoreError(400, "BadRequest",
                         f"continue key is not valid: {token!r} is not a continue token") from None


class Lister:
    """Serves list pages for one store, keeping a few recent snapshots for continuation."""

    def __init__(self, store: Store, keep: int = 16) -> None:
        self._store = store
        self._keep = keep
        self._snapshots: OrderedDict[tuple, tuple[list[tuple[str, str]], list[dict]]] = (
            OrderedDict())
        self._lock = threading.Lock()

    def page(self, rt: ResourceType, namespace: str | None, selectors: tuple[str, str],
             limit: int, token: str, list_all) -> Page:
        """One page. `list_all()` returns the full (items, rv) when a new snapshot is needed."""
        if not token:
            items, rv = list_all()
            if limit <= 0 or len(items) <= limit:
                return Page(items, rv)
            keys = [_key(o) for o in items]
            self._remember((rt.key, namespace, selectors, rv), keys, items)
            return self._slice(keys, items, rv, 0, limit)
        rv, after = decode_token(token)
        if rv > 0 and self._store.compacted(rv):
            raise ContinueExpired(encode_token(0, after))
        with self._lock:
            snap = self._snapshots.get((rt.key, namespace, selectors, rv))
        if snap is None:
            items, current = list_all()
            rv = rv if rv > 0 else current
            keys = [_key(o) for o in items]
            self._remember((rt.key, namespace, selectors, rv), keys, items)
        else:
            keys, items = snap
        return self._slice(keys, items, rv, bisect.bisect_right(keys, after), limit)

    def _remember(self, key: tuple, keys: list, items: list[dict]) -> None:
        """Keep a snapshot, forgetting the oldest and those history no longer reaches (they
        would only keep replaced objects alive)."""
        with self._lock:
            for old in [k for k in self._snapshots if self._store.compacted(k[-1])]:
                del self._snapshots[old]
            self._snapshots[key] = (keys, items)
            self._snapshots.move_to_end(key)
            while len(self._snapshots) > self._keep:
                self._snapshots.popitem(last=False)

    @staticmethod
    def _slice(keys: list, items: list[dict], rv: int, start: int, limit: int) -> Page:
        end = start + limit if limit > 0 else len(items)
        chunk = items[start:end]
        if end >= len(items):
            return Page(chunk, rv)
        return Page(chunk, rv, encode_token(rv, keys[end - 1]), len(items) - end)
