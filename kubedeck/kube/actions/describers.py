"""Per-kind describers, each printing what `kubectl describe <kind>` prints, in its order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kubedeck.kube.actions.tabwriter import PrefixWriter
from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery


@dataclass(frozen=True)
class Context:
    """What a describer may need beyond the object: related lookups and the clock."""

    conn: Connection
    discovery: Discovery
    now: float


Describer = Callable[[PrefixWriter, dict, Context], None]
DESCRIBERS: dict[tuple[str, str], Describer] = {}
