"""`kubectl describe` as text: a describer per kind (describers.py), the generic one for the
rest (CRD instances included), and the object's Events at the end."""

from __future__ import annotations

import dataclasses
import time

from kubedeck.kube.actions.describe_misc import MISC_DESCRIBERS
from kubedeck.kube.actions.describe_util import events_table, generic
from kubedeck.kube.actions.describers import WORKLOAD_DESCRIBERS, Context
from kubedeck.kube.actions.events import events_for
from kubedeck.kube.actions.ref import ObjectRef, fetch
from kubedeck.kube.actions.tabwriter import PrefixWriter
from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import ApiError

DESCRIBERS = {**WORKLOAD_DESCRIBERS, **MISC_DESCRIBERS}
# The version a describer reads, when a kind is served in several shapes (kubectl reads
# HPAs as autoscaling/v2 whichever version the user named).
DESCRIBE_VERSIONS = {("autoscaling", "HorizontalPodAutoscaler"): "v2"}


def describe(conn: Connection, discovery: Discovery, ref: ObjectRef,
             now: float | None = None) -> str:
    """The describe text of one object, ages measured at `now` (default: the wall clock)."""
    wanted = DESCRIBE_VERSIONS.get((ref.resource.group, ref.kind))
    if wanted and ref.resource.version != wanted:
        ref = dataclasses.replace(ref, resource=dataclasses.replace(ref.resource,
                                                                     version=wanted))
    obj = fetch(conn, ref)
    uid = (obj.get("metadata") or {}).get("uid") or ref.uid
    at = time.time() if now is None else now
    try:
        events: list[dict] | None = events_for(conn, ObjectRef(ref.resource, ref.name,
                                                               ref.namespace, uid))
    except ApiError:
        events = None  # kubectl, too, describes without events it may not list
    w = PrefixWriter()
    describer = DESCRIBERS.get((ref.resource.group, ref.kind))
    if describer is None:
        generic(w, obj)
    else:
        describer(w, obj, Context(conn, discovery, at))
    events_table(w, events, at)
    return w.text()
