"""Field paths of an object in the managedFields `FieldsV1` vocabulary.

A path is a tuple of elements: `f:<field>`, `k:<json key>` (an element of a list merged by
key), `v:<json value>` (a member of a set) and `.` (the list element itself). Lists without
a merge key and label selectors are atomic: owned as one leaf.
"""

from __future__ import annotations

from typing import Any

import msgspec

from kubedeck.fake.patch import MERGE_SETS, merge_key

Path = tuple[str, ...]
MISSING = object()

# Metadata the server sets itself; never owned by a field manager.
_SERVER_METADATA = frozenset({
    "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
    "generateName",
})
_ATOMIC_MAPS = frozenset({"selector"})


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _item_key(key: str, item: dict) -> str:
    return "k:" + _json({key: item[key]})


def field_set(obj: dict, *, with_status: bool) -> set[Path]:
    """Every owned leaf path of an object, as the API server's ToFieldSet walks it."""
    out: set[Path] = set()
    for field, value in obj.items():
        if field in ("apiVersion", "kind") or (field == "status" and not with_status):
            continue
        if field == "metadata" and isinstance(value, dict):
            for mfield, mvalue in value.items():
                if mfield not in _SERVER_METADATA:
                    _walk(mvalue, mfield, ("f:metadata", "f:" + mfield), out)
            continue
        _walk(value, field, ("f:" + field,), out)
    return out


def _walk(value: Any, field: str, prefix: Path, out: set[Path]) -> None:
    if isinstance(value, dict):
        if field in _ATOMIC_MAPS and ("matchLabels" in value or "matchExpressions" in value):
            out.add(prefix)
            return
        for k, v in value.items():
            _walk(v, k, prefix + ("f:" + k,), out)
        return
    if isinstance(value, list):
        if field in MERGE_SETS and all(not isinstance(v, (dict, list)) for v in value):
            out.update(prefix + ("v:" + _json(v),) for v in value)
            return
        key = merge_key(field, value)
        if key and value and all(isinstance(v, dict) and key in v for v in value):
            for item in value:
                item_prefix = prefix + (_item_key(key, item),)
                out.add(item_prefix + (".",))
                for k, v in item.items():
                    _walk(v, k, item_prefix + ("f:" + k,), out)
            return
    out.add(prefix)


def to_fields_v1(paths: set[Path]) -> dict:
    root: dict = {}
    for path in sorted(paths):
        node = root
        for element in path:
            node = node.setdefault(element, {})
    return root


def from_fields_v1(doc: dict | None) -> set[Path]:
    out: set[Path] = set()

    def walk(node: dict, prefix: Path) -> None:
        for element, child in node.items():
            if child:
                walk(child, prefix + (element,))
            else:
                out.add(prefix + (element,))

    walk(doc or {}, ())
    return out


def _find_item(items: list, element: str) -> int | None:
    wanted = msgspec.json.decode(element[2:].encode())
    for i, item in enumerate(items):
        if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
            return i
    return None


def value_at(obj: Any, path: Path) -> Any:
    """The value a path names in an object, or MISSING."""
    cur = obj
    for element in path:
        if element == ".":
            return cur
        if element.startswith("f:") and isinstance(cur, dict):
            cur = cur.get(element[2:], MISSING)
        elif element.startswith("k:") and isinstance(cur, list):
            idx = _find_item(cur, element)
            cur = MISSING if idx is None else cur[idx]
        elif element.startswith("v:") and isinstance(cur, list):
            value = msgspec.json.decode(element[2:].encode())
            return value if value in cur else MISSING
        else:
            return MISSING
        if cur is MISSING:
            return MISSING
    return cur


def remove_path(obj: dict, path: Path) -> None:
    """Delete what a path names from an object, in place."""
    if path and path[-1] == ".":
        path = path[:-1]
    parent = value_at(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith("k:") and isinstance(parent, list):
        idx = _find_item(parent, last)
        if idx is not None:
            del parent[idx]
    elif last.startswith("v:") and isinstance(parent, list):
        value = msgspec.json.decode(last[2:].encode())
        if value in parent:
            parent.remove(value)


def path_string(path: Path) -> str:
    """A path as the API server prints it in conflict messages: `.spec.containers[name="x"]`."""
    out = []
    for element in path:
        if element == ".":
            continue
        if element.startswith("f:"):
            out.append("." + element[2:])
        elif element.startswith("k:"):
            fields = msgspec.json.decode(element[2:].encode())
            out.append("[" + ",".join(f"{k}={_json(v)}" for k, v in fields.items()) + "]")
        elif element.startswith("v:"):
            out.append("[=" + element[2:] + "]")
    return "".join(out)
