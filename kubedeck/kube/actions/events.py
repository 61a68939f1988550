"""The core/v1 Events about one object (the `v` key and the end of every describe)."""

from __future__ import annotations

import json

from kubedeck.kube.actions.ref import ObjectRef
from kubedeck.kube.connect import Connection


def event_time(ev: dict) -> str:
    """When an event last happened: series, lastTimestamp, eventTime, then creation."""
    return ((ev.get("series") or {}).get("lastObservedTime") or ev.get("lastTimestamp")
            or ev.get("eventTime") or ev.get("firstTimestamp")
            or (ev.get("metadata") or {}).get("creationTimestamp") or "")


def _selector(ref: ObjectRef) -> str:
    if ref.uid:
        return f"involvedObject.uid={ref.uid}"
    parts = [f"involvedObject.name={ref.name}", f"involvedObject.kind={ref.kind}"]
    if ref.namespace:
        parts.append(f"involvedObject.namespace={ref.namespace}")
    return ",".join(parts)


def events_for(conn: Connection, ref: ObjectRef) -> list[dict]:
    """Events whose involvedObject is `ref` (by uid when known), oldest first. Cluster-scoped
    objects' events live in any namespace (a node's are usually in "default")."""
    path = f"/api/v1/namespaces/{ref.namespace}/events" if ref.namespace else "/api/v1/events"
    doc = json.loads(conn.get(path, {"fieldSelector": _selector(ref)}))
    items = doc.get("items") or []
    return sorted(items, key=event_time)
