"""`:ctx`: the kubeconfig's contexts (the current one marked); Enter switches to one live."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable

from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.kubeconfig import Kubeconfig, load_kubeconfig
from tui.screens.view import ViewScreen

COLUMNS = ("NAME", "CLUSTER", "AUTHINFO", "NAMESPACE")


def context_rows(cfg: Kubeconfig, current: str) -> list[tuple[str, str, str, str]]:
    """kubectl config get-contexts' columns; the current context's name ends in `(*)`."""
    rows = []
    for name, entry in cfg.contexts.items():
        body = entry.body.get("context") or {}
        label = f"{name}(*)" if name == current else name
        rows.append((label, str(body.get("cluster") or ""), str(body.get("user") or ""),
                     str(body.get("namespace") or "")))
    return rows


class ContextsScreen(ViewScreen):
    """Enter (the table's row selection) switches; the old context stays if that fails."""

    crumb = "contexts"
    def compose_view(self) -> ComposeResult:
        table: DataTable = DataTable(id="contexts", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._load(self.app.session.kubeconfig_path, self.app.session.context)

    @work(thread=True, exclusive=True, group="contexts", exit_on_error=False)
    def _load(self, path: str | None, current: str) -> None:
        try:
            rows = context_rows(load_kubeconfig(path), current)
        except KubedeckError as exc:
            self.app.call_from_thread(self.app.flash, str(exc), "error")
            return
        self.app.call_from_thread(self._show, rows, current)

    def _show(self, rows: list[tuple[str, str, str, str]], current: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        table.border_title = f"contexts[{len(rows)}]"
        for row in rows:
            name = row[0].removesuffix("(*)")
            table.add_row(*row, key=name)
        for index, row in enumerate(rows):
            if row[0].removesuffix("(*)") == current:
                table.move_cursor(row=index)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.app.switch_context(event.row_key.value)
