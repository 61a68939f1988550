"""meta.k8s.io Table responses: built-in kinds through kubedeck.kube.table, CRDs through their
additionalPrinterColumns, everything else through the server's default Name / Created At."""

from __future__ import annotations

import calendar
import time
from typing import Any

from kubedeck.fake.resources import ResourceType
from kubedeck.kube.humanize import human_duration
from kubedeck.kube.jsonpath import JsonPathError, find
from kubedeck.kube.printer_columns import go_print
from kubedeck.kube.table import build_table

_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
_CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")
_NAME_COLUMN = {"name": "Name", "type": "string", "format": "name",
                "description": _NAME_DESCRIPTION, "priority": 0}
# What a CRD version without additionalPrinterColumns prints.
_CRD_DEFAULT_COLUMNS = ({"name": "Age", "type": "date", "description": _CREATED_DESCRIPTION,
                         "jsonPath": ".metadata.creationTimestamp"},)


def negotiate(accept: str) -> str | None:
    """The Table version an Accept header asks for first ("v1" or "v1beta1"), if any."""
    for media in accept.split(","):
        parts = [p.strip() for p in media.split(";")]
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and params.get(
                "v") in ("v1", "v1beta1"):
            return params["v"]
    return None


def _row_object(obj: dict, include: str, api_version: str) -> Any:
    if include == "Object":
        return obj
    if include == "None":
        return None
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version,
            "metadata": obj.get("metadata") or {}}


def _parse_time(text: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None


def _cell(column: dict, obj: dict, now: float) -> Any:
    try:
        found = find(obj, column.get("jsonPath", ""))
    except JsonPathError:
        return None
    if not found or found[0] is None:
        return None
    value, kind = found[0], column.get("type", "string")
    if kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        ts = _parse_time(value)
        return "<invalid>" if ts is None else human_duration(now - ts)
    if kind == "string":
        return go_print(value)
    return None


def _crd_table(rt: ResourceType, objects: list[dict], now: float, include: str,
               api_version: str) -> dict:
    columns = rt.printer_columns or _CRD_DEFAULT_COLUMNS
    definitions = [_NAME_COLUMN] + [
        {"name": c.get("name", ""), "type": c.get("type", "string"), "format": c.get("format", ""),
         "description": c.get("description", ""), "priority": int(c.get("priority", 0))}
        for c in columns]
    rows = []
    for obj in objects:
        cells = [(obj.get("metadata") or {}).get("name", "")]
        cells += [_cell(c, obj, now) for c in columns]
        rows.append({"cells": cells, "object": _row_object(obj, include, api_version)})
    return {"columnDefinitions": definitions, "rows": rows}


def _default_table(objects: list[dict], include: str, api_version: str) -> dict:
    definitions = [_NAME_COLUMN, {"name": "Created At", "type": "date", "format": "",
                                  "description": _CREATED_DESCRIPTION, "priority": 0}]
    rows = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        rows.append({"cells": [meta.get("name", ""), meta.get("creationTimestamp")],
                     "object": _row_object(obj, include, api_version)})
    return {"columnDefinitions": definitions, "rows": rows}


def build(rt: ResourceType, objects: list[dict], now: float, include: str, version: str,
          is_crd: bool, metadata: dict) -> dict:
    """The Table for these objects, with the list metadata (resourceVersion, continue)."""
    api_version = f"meta.k8s.io/{version}"
    table = None
    if is_crd:
        table = _crd_table(rt, objects, now, include, api_version)
    else:
        table = build_table(rt.group, rt.kind, objects, now, include)
    if table is None:
        table = _default_table(objects, include, api_version)
    out = {"kind": "Table", "apiVersion": api_version, "metadata": metadata}
    out.update((k, v) for k, v in table.items() if k not in ("kind", "apiVersion", "metadata"))
    if version != "v1":
        for row in out.get("rows") or ():
            obj = row.get("object")
            if isinstance(obj, dict) and obj.get("kind") == "PartialObjectMetadata":
                obj["apiVersion"] = api_version
    return out
