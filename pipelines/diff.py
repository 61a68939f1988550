"""What a deploy would change, shown the way `kubectl diff` shows it: each rendered document is
server-side applied exactly as the deploy applies it (pipelines/apply.py), as a dry run, so
defaults, admission and field ownership are the server's, not a guess; the answer is compared
with the live object as a unified diff per object.

Fields that always differ and mean nothing to a reader (managedFields, resourceVersion,
generation, uid, creationTimestamp, status) are left out on both sides; Secret values are
masked as kubectl masks them. A new object is shown all added; nothing changed prints nothing.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource, Discovery
from kubedeck.kube.errors import ApiError, KubedeckError
from pipelines.apply import resource_for, server_side_apply
from pipelines.yamlquote import dump

__all__ = ["diff", "diff_object"]

_NOISE = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp",
          "selfLink")


def _live(conn: Connection, path: str) -> dict | None:
    try:
        data = conn.get(path)
    except ApiError as exc:
        if exc.code == 404:
            return None
        raise
    return msgspec.json.decode(data) if data else {}


def _clean(obj: dict | None) -> dict | None:
    if obj is None:
        return None
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in _NOISE:
            meta.pop(key, None)
    return out


def _mask_secrets(live: dict | None, merged: dict | None) -> None:
    """kubectl diff's masking: `***` when a value is unchanged, `*** (before)` / `*** (after)`
    when it changed, so a diff never prints a Secret's contents."""
    if (merged or live or {}).get("kind") != "Secret":
        return
    for field in ("data", "stringData"):
        before = (live or {}).get(field) or {}
        after = (merged or {}).get(field) or {}
        for key in set(before) | set(after):
            same = before.get(key) == after.get(key)
            if key in before:
                before[key] = "***" if same else "*** (before)"
            if key in after:
                after[key] = "***" if same else "*** (after)"


def _lines(obj: dict | None) -> list[str]:
    if obj is None:
        return []
    return dump(_sorted(obj)).splitlines()


def _sorted(value: object) -> object:
    """Keys in order, as kubectl prints objects, so live and merged line up."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _file_name(resource: APIResource, namespace: str | None, name: str) -> str:
    """kubectl diff's per-object file name: group.version.Kind.namespace.name."""
    parts = [resource.group, resource.version, resource.kind] if resource.group else [
        resource.version, resource.kind]
    if namespace:
        parts.append(namespace)
    parts.append(name)
    return ".".join(parts)


def diff_object(file_name: str, live: dict | None, merged: dict | None) -> str:
    """One object's unified diff with `diff -u -N` headers; "" when they are the same."""
    live, merged = _clean(live), _clean(merged)
    _mask_secrets(live, merged)
    before, after = _lines(live), _lines(merged)
    if before == after:
        return ""
    old, new = f"LIVE/{file_name}", f"MERGED/{file_name}"
    body = difflib.unified_diff(before, after, old, new, lineterm="")
    return "\n".join([f"diff -u -N {old} {new}", *body]) + "\n"


def _namespace_missing(conn: Connection, discovery: Discovery, namespace: str) -> dict | None:
    """The Namespace object a deploy would create, when `namespace` does not exist."""
    ns = next(r for r in discovery.resources() if r.group == "" and r.kind == "Namespace")
    if _live(conn, ns.path(None, namespace)) is not None:
        return None
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}


def diff(conn: Connection, discovery: Discovery, docs: Iterable[dict]) -> str:
    """Unified diffs of every document against its live object, in document order; "" when
    applying them would change nothing. Documents need metadata.namespace for namespaced
    kinds (render sets it)."""
    out: list[str] = []
    missing: dict[str, bool] = {}
    for doc in docs:
        resource = resource_for(discovery, doc)
        meta = doc.get("metadata") or {}
        name = str(meta.get("name") or "")
        namespace = str(meta.get("namespace") or "") if resource.namespaced else None
        if resource.namespaced and not namespace:
            raise KubedeckError(f"error: diff {doc.get('kind')}/{name}: metadata.namespace is "
                                "not set", exit_code=2)
        if namespace and namespace not in missing:
            created = _namespace_missing(conn, discovery, namespace)
            missing[namespace] = created is not None
            if created is not None:
                out.append(diff_object(f"v1.Namespace.{namespace}", None, created))
        path = resource.path(namespace, name)
        if namespace and missing[namespace]:
            # The deploy creates the namespace first; until then the server cannot dry-run
            # into it, and nothing in it exists: the document itself is all added.
            out.append(diff_object(_file_name(resource, namespace, name), None, doc))
            continue
        merged = server_side_apply(conn, resource, doc, namespace, dry_run=True)
        out.append(diff_object(_file_name(resource, namespace, name), _live(conn, path),
                               merged))
    return "".join(out)
