"""Server-side apply and managedFields bookkeeping, following the API server's field manager:
each manager owns a set of field paths; an apply conflicts when it would change a field another
manager owns, and fields a manager stops applying are removed unless someone else owns them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from kubedeck.fake.fieldsets import (
    MISSING,
    Path,
    field_set,
    from_fields_v1,
    path_string,
    remove_path,
    to_fields_v1,
    value_at,
)
from kubedeck.fake.patch import MERGE_SETS, merge_key
from kubedeck.fake.store import StoreError, clone, rfc3339

BEFORE_FIRST_APPLY = "before-first-apply"


@dataclass
class Manager:
    manager: str
    operation: str  # Apply | Update
    api_version: str
    time: str
    fields: set[Path]
    subresource: str = ""

    def same(self, other: Manager) -> bool:
        """The server's manager identity: Apply ignores the apiVersion, Update does not."""
        return (self.manager == other.manager and self.operation == other.operation
                and self.subresource == other.subresource
                and (self.operation == "Apply" or self.api_version == other.api_version))

    def describe(self) -> str:
        text = f'"{self.manager}"'
        if self.subresource:
            text += f' with subresource "{self.subresource}"'
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text

    def entry(self) -> dict:
        out = {"manager": self.manager, "operation": self.operation,
               "apiVersion": self.api_version, "time": self.time, "fieldsType": "FieldsV1",
               "fieldsV1": to_fields_v1(self.fields)}
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def read_managers(obj: dict) -> list[Manager]:
    out = []
    for e in (obj.get("metadata") or {}).get("managedFields") or []:
        out.append(Manager(e.get("manager", ""), e.get("operation", "Update"),
                           e.get("apiVersion", ""), e.get("time", ""),
                           from_fields_v1(e.get("fieldsV1")), e.get("subresource", "")))
    return out


def _write_managers(obj: dict, managers: list[Manager]) -> None:
    entries = [m.entry() for m in managers if m.fields]
    meta = obj.setdefault("metadata", {})
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)


def _upsert(managers: list[Manager], new: Manager) -> Manager:
    for m in managers:
        if m.same(new):
            m.time, m.api_version = new.time, new.api_version
            return m
    managers.append(new)
    return new


def record_update(old: dict | None, new: dict, manager: str, api_version: str, now: float,
                  *, with_status: bool, subresource: str = "") -> None:
    """Give `manager` the fields a create, update or non-apply patch changed; in place on new."""
    new_fields = field_set(new, with_status=with_status)
    if old is None:
        changed, removed, managers = new_fields, set(), []
    else:
        if "managedFields" not in (new.get("metadata") or {}):
            new.setdefault("metadata", {})["managedFields"] = (
                old.get("metadata") or {}).get("managedFields")
        old_fields = field_set(old, with_status=with_status)
        changed = {p for p in new_fields
                   if p not in old_fields or value_at(old, p) != value_at(new, p)}
        removed = old_fields - new_fields
        managers = read_managers(new)
    for m in managers:
        m.fields -= changed | removed
    if changed:
        mine = _upsert(managers, Manager(manager, "Update", api_version, rfc3339(now), set(),
                                         subresource))
        mine.fields |= changed
    _write_managers(new, managers)


def _merge(live: Any, config: Any, field: str = "") -> Any:
    """The applied configuration laid over the live object, lists merged by their keys."""
    if isinstance(config, dict) and isinstance(live, dict):
        out = dict(live)
        for k, v in config.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _merge(live.get(k, MISSING), v, k)
        return out
    if isinstance(config, list) and isinstance(live, list):
        if field in MERGE_SETS:
            return live + [v for v in config if v not in live]
        key = merge_key(field, live + config)
        if key and all(isinstance(v, dict) and key in v for v in live + config):
            out = list(live)
            for item in config:
                idx = next((i for i, v in enumerate(out) if v[key] == item[key]), None)
                if idx is None:
                    out.append(item)
                else:
                    out[idx] = _merge(out[idx], item, "")
            return out
    return config


def _conflict_error(conflicts: list[tuple[Manager, Path]]) -> StoreError:
    causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {m.describe()}",
               "field": path_string(p)} for m, p in conflicts]
    if len(conflicts) == 1:
        m, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {m.describe()}: {path_string(p)}"
    else:
        by_manager: dict[str, list[Path]] = {}
        labels: dict[str, str] = {}
        for m, p in conflicts:
            ident = msgspec.json.encode({"manager": m.manager, "operation": m.operation,
                                         "apiVersion": m.api_version}).decode()
            by_manager.setdefault(ident, []).append(p)
            labels[ident] = m.describe()
        lines = []
        for ident in sorted(by_manager):
            lines.append(f"conflicts with {labels[ident]}:")
            lines.extend(f"- {path_string(p)}" for p in by_manager[ident])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return StoreError(409, "Conflict", message, {"causes": causes})


def server_side_apply(live: dict | None, config: dict, manager: str, api_version: str,
                      now: float, *, force: bool, with_status: bool) -> dict:
    """The object after `manager` applies `config`; raises StoreError(409) on conflicts."""
    config = clone(config)
    config.setdefault("metadata", {}).pop("managedFields", None)
    applied = field_set(config, with_status=with_status)
    me = Manager(manager, "Apply", api_version, rfc3339(now), applied)
    if live is None:
        obj = config
        _write_managers(obj, [me])
        return obj
    managers = read_managers(live)
    if not managers:
        managers = [Manager(BEFORE_FIRST_APPLY, "Update", api_version, rfc3339(now),
                            field_set(live, with_status=with_status))]
    merged = _merge(clone(live), config)
    previous: set[Path] = set()
    conflicts: list[tuple[Manager, Path]] = []
    for m in managers:
        if m.same(me):
            previous = m.fields
            continue
        for p in sorted(m.fields & applied):
            if p[-1] != "." and value_at(live, p) != value_at(merged, p):
                conflicts.append((m, p))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for m, p in conflicts:
        m.fields.discard(p)
    others: set[Path] = set()
    for m in managers:
        if not m.same(me):
            others |= m.fields
    _drop_unapplied(merged, previous - applied - others, others)
    kept = [m for m in managers if not m.same(me)]
    _write_managers(merged, [*kept, me])
    return merged


def _drop_unapplied(obj: dict, stale: set[Path], others: set[Path]) -> None:
    """Remove fields the manager no longer applies; whole list elements go only when no one
    else owns anything inside them."""
    elements = {p[:-1] for p in stale if p[-1] == "."}
    elements = {e for e in elements if not any(o[:len(e)] == e for o in others)}
    for path in sorted(stale, key=len, reverse=True):
        if path[-1] != "." and not any(path[:len(e)] == e for e in elements):
            remove_path(obj, path)
    for element in sorted(elements, key=len, reverse=True):
        remove_path(obj, element + (".",))
