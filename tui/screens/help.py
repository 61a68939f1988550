"""`?` help (every key of the view below, after remapping) and `:aliases` (every name a kind
answers to). Both are plain views in the stack: `esc` goes back."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kubedeck.kube.discovery import APIResource
from tui import keymap
from tui.commands import BUILTINS, aliases
from tui.screens.view import ViewScreen

GROUPS = (
    (keymap.RESOURCE, "Resource"),
    (keymap.TABLE, "View"),
    (keymap.DETAIL, "View"),
    (keymap.LOGS, "Logs"),
)


def view_bindings(screen: Screen, keys: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(keys, description)]) for the bindings `screen` has now: remapped keys, and
    only the ones it would run (read-only hides mutating ones, kinds hide foreign ones).
    Resource actions get their own group on a list of one kind; elsewhere (logs' previous
    logs) they belong to the view."""
    specs = []
    for binding in getattr(screen, "BINDINGS", ()):
        spec = keymap.BY_ID.get(getattr(binding, "id", None) or "")
        if spec is None or spec in specs or spec.scope == keymap.GLOBAL:
            continue
        if screen.check_action(spec.action, ()) is not False:
            specs.append(spec)
    titles = dict(GROUPS)
    main = next((titles[s.scope] for s in specs if s.scope != keymap.RESOURCE), "View")
    on_kind = isinstance(getattr(screen, "resource", None), APIResource)
    groups: dict[str, list[tuple[str, str]]] = {}
    for spec in specs:
        title = titles[spec.scope] if spec.scope != keymap.RESOURCE or on_kind else main
        groups.setdefault(title, []).append((_display(spec.id, keys), spec.description))
    global_rows = [(_display(s.id, keys), s.description) for s in keymap.specs(keymap.GLOBAL)
                   if not s.id.startswith("ns_fav_")]
    global_rows.append(("1…9", "Favourite / recent namespaces"))
    return [*groups.items(), ("Global", global_rows)]


def _display(binding_id: str, keys: dict[str, str]) -> str:
    from textual.keys import format_key

    return ", ".join(format_key(k) for k in keymap.keys_of(binding_id, keys))


class HelpScreen(ViewScreen):
    """The keys of the view it was opened from, grouped like k9s' help."""

    crumb = "help"
    def __init__(self, view: Screen) -> None:
        super().__init__()
        self.view = view

    def compose_view(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self.render_help(), id="help-body")

    def render_help(self) -> Table:
        outer = Table.grid(padding=(0, 4))
        groups = view_bindings(self.view, self.app.keymap_config)
        for _ in groups:
            outer.add_column(vertical="top")
        cells = []
        for title, rows in groups:
            table = Table.grid(padding=(0, 1))
            table.add_column(style="bold magenta", no_wrap=True)
            table.add_column(no_wrap=True)
            table.add_row(Text(title.upper(), style="bold"), "")
            for key, description in rows:
                table.add_row(f"<{key}>", description)
            cells.append(table)
        outer.add_row(*cells)
        return outer


class AliasesScreen(ViewScreen):
    """`:aliases`: every resource and the names `:` accepts for it, plus the built-ins."""

    crumb = "aliases"
    def compose_view(self) -> ComposeResult:
        with VerticalScroll(id="aliases"):
            yield Static(self.render_aliases(), id="aliases-body")

    def render_aliases(self) -> Table:
        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column("RESOURCE", no_wrap=True)
        table.add_column("GROUP", no_wrap=True)
        table.add_column("COMMAND NAMES")
        for name, group, names in aliases(self.app.session.discovery.preferred()):
            table.add_row(name, group, names)
        table.add_row("", "", "")
        table.add_row("(built-in)", "", ", ".join(BUILTINS))
        return table
