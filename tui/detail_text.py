"""What the detail screen shows, as rich Text lines built off the event loop.

Each mode (describe, YAML, events, decoded secret) is one blocking function that fetches
through kubedeck.kube.actions and styles the result; the screen only swaps the lines in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.syntax import Syntax
from rich.text import Text

from kubedeck.kube import actions
from kubedeck.kube.actions.events import event_time
from kubedeck.kube.actions.ref import ObjectRef, not_found
from kubedeck.kube.actions.yaml_view import dump_yaml
from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.humanize import parse_rfc3339, since

MODES = ("describe", "yaml", "events", "decode")
_HEADING = re.compile(r"^(\s*)([A-Z][\w .()/-]*:)")
_SYNTAX_THEME = "ansi_dark"


def ref_label(ref: ObjectRef) -> str:
    """`pod shop/web-1`, `node worker-1`: how banners and titles name an object."""
    where = f"{ref.namespace}/" if ref.namespace else ""
    return f"{ref.resource.singular or ref.kind.lower()} {where}{ref.name}"


def is_deleted(ref: ObjectRef, exc: BaseException) -> bool:
    """Whether a failed fetch means the object is gone (actions word a 404 that way)."""
    return isinstance(exc, KubedeckError) and str(exc) == str(not_found(ref))


def yaml_lines(text: str) -> list[Text]:
    """YAML highlighted with Pygments through rich (no background, so themes show through)."""
    code = text.rstrip("\n")
    highlighted = Syntax(code, "yaml", theme=_SYNTAX_THEME).highlight(code)
    highlighted.rstrip()
    return list(highlighted.split("\n", allow_blank=True))


def describe_lines(text: str) -> list[Text]:
    """kubectl describe text with its field names emphasised."""
    out = []
    for raw in text.rstrip("\n").split("\n"):
        line = Text(raw.expandtabs(8))
        m = _HEADING.match(line.plain)
        if m:
            line.stylize("bold" if not m.group(1) else "bold dim", m.start(2), m.end(2))
        out.append(line)
    return out




def events_text(events: list[dict], now: float) -> str:
    """LAST SEEN, TYPE, REASON, OBJECT, MESSAGE as `kubectl events` prints them."""
    if not events:
        return "No events found."
    rows = [["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]]
    for ev in events:
        obj = ev.get("involvedObject") or {}
        count = (ev.get("series") or {}).get("count") or ev.get("count") or 1
        age = since(parse_rfc3339(event_time(ev)), now)
        seen = f"{age} (x{count} over {since(parse_rfc3339(ev.get('firstTimestamp') or ''), now)})" \
            if count > 1 and ev.get("firstTimestamp") else age
        rows.append([seen, ev.get("type") or "", ev.get("reason") or "",
                     f"{str(obj.get('kind', '')).lower()}/{obj.get('name', '')}",
                     " ".join(str(ev.get("message") or "").split())])
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) +
                     "   " + r[4] for r in rows)


def events_lines(text: str) -> list[Text]:
    lines = []
    for i, raw in enumerate(text.split("\n")):
        line = Text(raw)
        if i == 0 and raw.startswith("LAST SEEN"):
            line.stylize("bold")
        elif "   Warning   " in raw:
            line.stylize("yellow")
        lines.append(line)
    return lines


def secret_text(values: dict[str, str]) -> str:
    return dump_yaml(values) if values else "# no data\n"


def fetcher(mode: str, conn: Connection, discovery: Discovery, ref: ObjectRef,
            now: Callable[[], float], managed_fields: bool = False) -> Callable[[], str]:
    """The blocking fetch of one mode's text (run it in a thread worker)."""

    def events() -> str:
        actions.fetch(conn, ref)  # a deleted object must say so, not show an empty list
        return events_text(actions.events_for(conn, ref), now())

    fetches: dict[str, Callable[[], str]] = {
        "describe": lambda: actions.describe(conn, discovery, ref, now=now()),
        "yaml": lambda: actions.to_yaml(conn, ref, managed_fields=managed_fields),
        "events": events,
        "decode": lambda: secret_text(actions.decode_secret(conn, ref)),
    }
    return fetches[mode]


def styled(mode: str, text: str) -> list[Text]:
    """The text as display lines (YAML highlighting is the costly part: only on change)."""
    if mode == "describe":
        return describe_lines(text)
    if mode == "events":
        return events_lines(text)
    return yaml_lines(text)
