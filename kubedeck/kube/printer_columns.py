"""A custom resource's table columns on the client: its CRD's additionalPrinterColumns.

The explorer's table is fed by a watch, not by the server's Table responses, so for custom
resources it evaluates the CRD's columns itself, the way the API server does (JSONPath subset,
first match, Go formatting, dates as ages). Custom objects have no schema here, so the decoder
keeps each object's raw dict next to its decoded metadata.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import msgspec

from kubedeck.kube.decode import ObjectMeta
from kubedeck.kube.humanize import human_duration, parse_rfc3339
from kubedeck.kube.jsonpath import JsonPathError, find
from kubedeck.kube.reflector_codec import ApiStatus, Event, Page

CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    type: str
    json_path: str
    priority: int = 0
    description: str = ""


# What the API server prints for a CRD version without additionalPrinterColumns.
DEFAULT = (PrinterColumn("Age", "date", ".metadata.creationTimestamp"),)


def columns_of(crd: dict, version: str) -> tuple[PrinterColumn, ...]:
    """The printer columns of the CRD's `version` (the default Age when it declares none)."""
    for v in (crd.get("spec") or {}).get("versions") or ():
        if v.get("name") == version:
            declared = v.get("additionalPrinterColumns") or ()
            return tuple(PrinterColumn(c.get("name", ""), c.get("type", "string"),
                                       c.get("jsonPath", ""), int(c.get("priority", 0)),
                                       c.get("description", ""))
                         for c in declared) or DEFAULT
    return DEFAULT




def go_print(value: Any) -> str:
    """A value as Go's fmt prints what JSONPath found (the server's string cells)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_print(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    return str(value)


def _value(column: PrinterColumn, obj: dict) -> Any:
    try:
        found = find(obj, column.json_path)
    except JsonPathError:
        return None
    return found[0] if found else None


def cell(column: PrinterColumn, obj: dict, now: float) -> str:
    """The text kubectl shows for this column of `obj` (empty when nothing is found)."""
    value = _value(column, obj)
    if value is None:
        return ""
    if column.type == "date" and isinstance(value, str):
        ts = parse_rfc3339(value)
        return "<invalid>" if ts is None else human_duration(now - ts)
    if column.type == "integer" and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return str(int(value))
    return go_print(value)


def sort_key(column: PrinterColumn):
    """A Column sort key: dates youngest first, numbers numerically, the rest as text."""

    def key(record: Any, value: Any, now: float) -> Any:
        raw = _value(column, record.raw)
        if column.type == "date":
            ts = parse_rfc3339(raw) if isinstance(raw, str) else None
            return math.inf if ts is None else -ts
        if column.type in ("integer", "number"):
            return raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) \
                else -math.inf
        return str(value)

    return key


class RawRecord:
    """A custom object: decoded metadata (what the table and the store need) and the dict."""

    __slots__ = ("metadata", "raw")

    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.metadata = msgspec.convert(raw.get("metadata") or {}, ObjectMeta)


class _Meta(msgspec.Struct, frozen=True):
    resourceVersion: str = ""
    # `continue` is a Python keyword
    continue_: str = msgspec.field(default="", name="continue")


class _List(msgspec.Struct):
    items: list[dict] = []
    metadata: _Meta = _Meta()


class _Line(msgspec.Struct):
    type: str
    object: dict


class RawDecoder:
    """The reflector's Decoder for kinds without a schema: RawRecord per object."""

    def decode_list(self, raw: bytes) -> Page:
        doc = msgspec.json.decode(raw, type=_List)
        return Page([RawRecord(o) for o in doc.items], doc.metadata.resourceVersion,
                    doc.metadata.continue_)

    def decode_event(self, raw: bytes) -> Event:
        line = msgspec.json.decode(raw, type=_Line)
        obj = line.object
        if line.type == "ERROR":
            return Event("ERROR", None, "", ApiStatus(int(obj.get("code") or 0),
                                                      str(obj.get("reason") or ""),
                                                      str(obj.get("message") or "")))
        record = RawRecord(obj)
        return Event(line.type, record, record.metadata.resourceVersion)

    def uid(self, record: RawRecord) -> str:
        return record.metadata.uid

    def resource_version(self, record: RawRecord) -> str:
        return record.metadata.resourceVersion
