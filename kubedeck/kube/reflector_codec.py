"""What the reflector needs from a decoder, and the adapter to kube.decode's schemas.

The reflector only has to know an object's uid and resourceVersion; what else a record holds
is the decoder's business, so the same reflector serves the table's partial schemas, the
metadata-only records used for kinds without columns, and wrappers that tests instrument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from kubedeck.kube.decode import Record, Status, decode_list, decode_watch_line, schema_for


@dataclass(frozen=True, slots=True)
class Page:
    """One list response: records, the list's resourceVersion and the continue token."""

    items: list[Any]
    resource_version: str
    continue_token: str


@dataclass(frozen=True, slots=True)
class ApiStatus:
    """A meta/v1 Status as the server sends it in errors and watch ERROR events."""

    code: int
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Event:
    """One watch line. `record` is set for ADDED/MODIFIED/DELETED, `status` for ERROR;
    `resource_version` for every type but ERROR (BOOKMARKs carry only that)."""

    type: str
    record: Any
    resource_version: str
    status: ApiStatus | None = None


class Decoder(Protocol):
    def decode_list(self, raw: bytes) -> Page: ...

    def decode_event(self, raw: bytes) -> Event: ...

    def uid(self, record: Any) -> str: ...

    def resource_version(self, record: Any) -> str: ...


class SchemaDecoder:
    """Decodes with one of kube.decode's partial schemas (metadata only by default)."""

    def __init__(self, schema: type[Record] = Record) -> None:
        self.schema = schema

    def decode_list(self, raw: bytes) -> Page:
        page = decode_list(self.schema, raw)
        return Page(page.items, page.resource_version, page.continue_token)

    def decode_event(self, raw: bytes) -> Event:
        kind, obj = decode_watch_line(self.schema, raw)
        if isinstance(obj, Status):
            return Event(kind, None, "", ApiStatus(obj.code, obj.reason, obj.message))
        return Event(kind, obj, obj.metadata.resourceVersion)

    def uid(self, record: Record) -> str:
        return record.metadata.uid

    def resource_version(self, record: Record) -> str:
        return record.metadata.resourceVersion


def decoder_for(group: str, kind: str) -> SchemaDecoder:
    """The kind's column schema when it has kubectl columns, else metadata only."""
    return SchemaDecoder(schema_for(group, kind) or Record)
