"""meta.k8s.io/v1 Tables for the built-in kinds, as the API server answers `as=Table` requests.

The simulated API server calls `build_table` so that kubectl, pointed at it, prints cells
computed by the same printers kubedeck uses itself.
"""

from __future__ import annotations

from typing import Any

from kubedeck.kube.columns import columns_for, values
from kubedeck.kube.decode import convert, schema_for

_POD_DONE = {
    "Succeeded": {"type": "Completed", "status": "True", "reason": "Succeeded",
                  "message": "The pod has completed successfully."},
    "Failed": {"type": "Completed", "status": "True", "reason": "Failed",
               "message": "The pod failed."},
}


def _row_object(obj: dict, include_object: str | None) -> dict | None:
    if include_object in (None, "None"):
        return None
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {}}


def build_table(group: str, kind: str, objects: list[dict], now: float,
                include_object: str | None = "Metadata") -> dict | None:
    """A full Table for `objects` of one kind; None for kinds without built-in printers.

    Rows are always wide (the server leaves hiding priority-1 columns to the client).
    `metadata.resourceVersion` is left to the caller. `include_object` is the request's
    includeObject: "None", "Metadata" (PartialObjectMetadata) or "Object".
    """
    schema = schema_for(group, kind)
    columns = columns_for(group, kind)
    if schema is None or columns is None:
        return None
    rows: list[dict[str, Any]] = []
    for obj in objects:
        record = convert(schema, obj)
        row: dict[str, Any] = {"cells": values(group, kind, record, now)}
        if kind == "Pod" and group == "":
            done = _POD_DONE.get((obj.get("status") or {}).get("phase", ""))
            if done is not None:
                row["conditions"] = [dict(done)]
        embedded = _row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [c.definition() for c in columns],
        "rows": rows,
    }
