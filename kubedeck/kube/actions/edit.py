"""`kubectl edit` without kubectl: the text for $EDITOR, then a PUT that cannot silently
overwrite someone else's change (it carries the resourceVersion the user started from)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import yaml

from kubedeck.kube.actions.ref import ObjectRef, acting, fetch, send
from kubedeck.kube.actions.yaml_view import dump_yaml, strip_managed_fields
from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import ApiError


@dataclass(frozen=True)
class ApplyResult:
    """What happened to an edit: `unchanged`, `applied`, or `error` (message for the user;
    `conflict` when the object changed meanwhile, so the UI offers to edit again)."""

    outcome: Literal["unchanged", "applied", "error"]
    message: str = ""
    conflict: bool = False


def edit_text(conn: Connection, ref: ObjectRef) -> str:
    """The object as kubectl edit shows it: all of it but managedFields."""
    return dump_yaml(strip_managed_fields(fetch(conn, ref)))


def _parse(text: str) -> dict | str:
    """The edited object, or a one-line reason it is not one."""
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return f"invalid YAML at {where}{exc.problem or exc.context}"
    except yaml.YAMLError as exc:
        return f"invalid YAML: {exc}"
    if doc is None:
        return "Edit cancelled, saved file was empty."
    if not isinstance(doc, dict):
        return "invalid object: the edited text is not a mapping of fields"
    return doc


def apply_edit(conn: Connection, ref: ObjectRef, original: str, edited: str) -> ApplyResult:
    """PUT the edited object with the resourceVersion of `original`; a change made by
    someone else in between comes back as a 409 conflict instead of being overwritten."""
    if edited == original:
        return ApplyResult("unchanged", "Edit cancelled, no changes made.")
    before = _parse(original)
    after = _parse(edited)
    if isinstance(after, str):
        return ApplyResult("error", after)
    if isinstance(before, dict) and before == after:
        return ApplyResult("unchanged", "Edit cancelled, no changes made.")
    meta = after.setdefault("metadata", {}) if isinstance(after.get("metadata"), dict | None) \
        else None
    if meta is None:
        return ApplyResult("error", "invalid object: metadata must be a mapping")
    name, namespace = meta.get("name"), meta.get("namespace")
    if name != ref.name or (ref.namespace and namespace not in (None, ref.namespace)):
        return ApplyResult("error", f"the name of {ref.describe_name()} cannot be changed "
                                    f"by editing (metadata.name is {name!r})")
    original_rv = ((before.get("metadata") or {}).get("resourceVersion")
                   if isinstance(before, dict) else None)
    if original_rv:
        meta["resourceVersion"] = original_rv
    try:
        acting(ref, lambda: send(conn, "PUT", ref.path(), after))
    except ApiError as exc:
        return ApplyResult("error", exc.message, conflict=exc.code == 409)
    return ApplyResult("applied", f"{ref.describe_name()} edited")
