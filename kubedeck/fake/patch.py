"""The three client patch formats: JSON merge patch (RFC 7386), strategic merge patch (the
list merge keys of the built-in kinds) and JSON patch (RFC 6902).

Every function returns a new document and leaves its inputs untouched.
"""

from __future__ import annotations

from typing import Any

from kubedeck.fake.store import clone


class PatchError(ValueError):
    """A patch that cannot be applied to this document (the API answers 422)."""


# Field name -> patch merge key, for the lists of the built-in kinds merged element-wise.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "conditions": "type",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "ownerReferences": "uid",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "addresses": "type",
}
# Lists of scalars that merge as sets.
MERGE_SETS = frozenset({"finalizers"})


def merge_key(field: str, items: list) -> str | None:
    """The merge key of a list field; ports are keyed by containerPort in containers and by
    port in services."""
    if field == "ports":
        for item in items:
            if isinstance(item, dict) and "containerPort" in item:
                return "containerPort"
        return "port"
    return MERGE_KEYS.get(field)


# -- JSON merge patch ----------------------------------------------------------------------

def merge_patch(doc: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone({"v": patch})["v"]
    out = dict(doc) if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


# -- strategic merge patch -----------------------------------------------------------------

_DELETE = object()


def strategic_merge(doc: dict, patch: dict) -> dict:
    result = _smp_map(doc if isinstance(doc, dict) else {}, patch)
    return {} if result is _DELETE else result


def _strip(value: Any) -> Any:
    """A patch value with its directives removed, for fields absent from the document."""
    if isinstance(value, dict):
        if value.get("$patch") == "delete":
            return _DELETE
        out = {}
        for k, v in value.items():
            if k.startswith("$"):
                continue
            stripped = _strip(v)
            if stripped is not _DELETE and v is not None:
                out[k] = stripped
        return out
    if isinstance(value, list):
        items = [_strip(v) for v in value
                 if not (isinstance(v, dict) and v.get("$patch") in ("delete", "replace")
                         and len(v) == 1)]
        return [v for v in items if v is not _DELETE]
    return value


def _smp_map(doc: dict, patch: dict) -> Any:
    directive = patch.get("$patch")
    if directive == "delete":
        return _DELETE
    if directive == "replace":
        return _strip({k: v for k, v in patch.items() if k != "$patch"})
    out = dict(doc)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(out.get(field), list):
                out[field] = [v for v in out[field] if v not in value]
            continue
        if key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
            continue
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged = _smp_map(current, value)
        elif isinstance(value, list) and isinstance(current, list):
            merged = _smp_list(key, current, value)
        else:
            merged = _strip(value)
        if merged is _DELETE:
            out.pop(key, None)
        else:
            out[key] = merged
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _smp_list(field: str, current: list, patch: list) -> list:
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return _strip(patch)
    if field in MERGE_SETS:
        out = list(current)
        out.extend(v for v in patch if v not in out)
        return out
    key = merge_key(field, current + patch)
    if key is None or not all(isinstance(v, dict) for v in current + patch):
        return _strip(patch)
    out = list(current)
    for item in patch:
        if key not in item:
            out.append(_strip(item))
            continue
        idx = next((i for i, v in enumerate(out) if v.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            out = [v for v in out if v.get(key) != item[key]]
        elif idx is None:
            out.append(_strip(item))
        else:
            merged = _smp_map(out[idx], item)
            if merged is _DELETE:
                del out[idx]
            else:
                out[idx] = merged
    return out


# -- JSON patch ----------------------------------------------------------------------------

def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f'invalid JSON pointer "{path}": must start with "/"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list, token: str, path: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit():
        raise PatchError(f'invalid array index "{token}" in "{path}"')
    idx = int(token)
    if idx > len(container) or (idx == len(container) and not allow_end):
        raise PatchError(f'index out of range in "{path}"')
    return idx


def _parent(doc: Any, parts: list[str], path: str, op: str) -> Any:
    cur = doc
    for token in parts[:-1]:
        if isinstance(cur, dict) and token in cur:
            cur = cur[token]
        elif isinstance(cur, list):
            cur = cur[_index(cur, token, path, False)]
        else:
            raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}": '
                             "missing value")
    return cur


def _get(doc: Any, path: str, op: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent = _parent(doc, parts, path, op)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, path, False)]
    raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}": '
                     "missing value")


def _remove(doc: Any, path: str, op: str) -> Any:
    parts = _pointer(path)
    parent = _parent(doc, parts, path, op)
    last = parts[-1] if parts else ""
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, path, False))
    raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}": '
                     "missing value")


def _add(doc: Any, path: str, value: Any, op: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(doc, parts, path, op)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, path, True), value)
    else:
        raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}": '
                         "missing value")
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise PatchError("json patch must be a list of operations")
    doc = clone({"d": doc})["d"]
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid operation {op!r}: needs op and path")
        kind, path = op["op"], op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise PatchError(f"{kind} operation at {path} has no value")
        value = clone({"v": op.get("value")})["v"]
        if kind == "add":
            doc = _add(doc, path, value, kind)
        elif kind == "remove":
            _remove(doc, path, kind)
        elif kind == "replace":
            _get(doc, path, kind)
            if _pointer(path):
                _remove(doc, path, kind)
            doc = _add(doc, path, value, kind)
        elif kind in ("move", "copy"):
            source = op.get("from", "")
            moved = _remove(doc, source, kind) if kind == "move" else clone(
                {"v": _get(doc, source, kind)})["v"]
            doc = _add(doc, path, moved, kind)
        elif kind == "test":
            if _get(doc, path, kind) != value:
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            raise PatchError(f"unexpected kind of operation: {kind!r}")
    return doc
