"""A Secret's values decoded for reading (the `x` key)."""

from __future__ import annotations

import base64
import binascii

from kubedeck.kube.actions.ref import ObjectRef, fetch
from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import KubedeckError


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"<binary {len(raw)} bytes>"


def decode_values(secret: dict) -> dict[str, str]:
    """key -> text: `data` base64-decoded, then any `stringData` (which wins, as on write)."""
    out: dict[str, str] = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[key] = _text(base64.b64decode(value or "", validate=True))
        except (binascii.Error, ValueError):
            out[key] = f"<invalid base64, {len(value or '')} characters>"
    for key, value in (secret.get("stringData") or {}).items():
        out[key] = str(value)
    return out


def decode_secret(conn: Connection, ref: ObjectRef) -> dict[str, str]:
    if ref.kind != "Secret" or ref.resource.group:
        raise KubedeckError(f"cannot decode {ref.describe_name()}: only secrets hold "
                            "encoded data")
    return decode_values(fetch(conn, ref))
