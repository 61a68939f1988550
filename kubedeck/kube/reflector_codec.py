"""What the reflector needs from a decoder, and a metadata-only decoder that satisfies it.

The reflector only has to know an object's uid and resourceVersion; what else a record holds
is the decoder's business, so the same reflector serves the table's partial schemas and the
metadata-only records used for kinds without columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec


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


class ObjectMeta(msgspec.Struct, frozen=True):
    uid: str = ""
    name: str = ""
    namespace: str = ""
    resourceVersion: str = ""
    labels: dict[str, str] = {}
    creationTimestamp: str | None = None
    deletionTimestamp: str | None = None


class MetaRecord(msgspec.Struct, frozen=True):
    """The metadata of any object: enough to keep a store and show names."""

    metadata: ObjectMeta = ObjectMeta()


class _ListMeta(msgspec.Struct, frozen=True):
    resourceVersion: str = ""
    continue_: str = msgspec.field(default="", name="continue")


class _List(msgspec.Struct):
    metadata: _ListMeta = _ListMeta()
    items: list[MetaRecord] | None = None


class _Status(msgspec.Struct):
    code: int = 0
    reason: str = ""
    message: str = ""


class _RawEvent(msgspec.Struct):
    type: str
    object: msgspec.Raw = msgspec.Raw(b"null")


_list_decoder = msgspec.json.Decoder(_List)
_event_decoder = msgspec.json.Decoder(_RawEvent)
_record_decoder = msgspec.json.Decoder(MetaRecord)
_status_decoder = msgspec.json.Decoder(_Status)


def decode_status(raw: bytes) -> ApiStatus:
    """A Status body; raises msgspec.DecodeError when the body is not one."""
    st = _status_decoder.decode(raw)
    return ApiStatus(st.code, st.reason, st.message)


class MetadataDecoder:
    """Decodes any kind into MetaRecord, ignoring everything outside metadata."""

    def decode_list(self, raw: bytes) -> Page:
        lst = _list_decoder.decode(raw)
        return Page(lst.items or [], lst.metadata.resourceVersion, lst.metadata.continue_)

    def decode_event(self, raw: bytes) -> Event:
        ev = _event_decoder.decode(raw)
        if ev.type == "ERROR":
            return Event("ERROR", None, "", decode_status(ev.object))
        rec = _record_decoder.decode(ev.object)
        return Event(ev.type, rec, rec.metadata.resourceVersion)

    def uid(self, record: MetaRecord) -> str:
        return record.metadata.uid

    def resource_version(self, record: MetaRecord) -> str:
        return record.metadata.resourceVersion
