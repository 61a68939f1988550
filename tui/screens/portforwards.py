"""`:pf`: the port-forwards of the current context, with `ctrl+d` to stop one.

The registry lives in the session (kubedeck.kube.portforward.PortForwards); this view only
reads it, once a second, since forwards change without any cluster event.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from kubedeck.kube.humanize import human_duration
from tui import keymap
from tui.screens.view import ViewScreen

COLUMNS = ("NAMESPACE", "POD", "CONTAINER PORT", "LOCAL ADDRESS", "CONNECTIONS", "AGE",
           "ERROR")


class PortForwardsScreen(ViewScreen):
    CSS_PATH = Path(__file__).parent.parent / "detail.tcss"
    BINDINGS = keymap.bindings(keymap.RESOURCE, ids={"delete"})
    crumb = "port-forwards"

    def compose_view(self) -> ComposeResult:
        yield Static("Port-forwards", id="pf-title")
        table = DataTable(id="portforwards", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.refresh_rows()
        self.set_interval(1.0, self.refresh_rows)

    def forwards(self) -> list:
        return list(self.app.session.portforwards.list())

    def refresh_rows(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        now = time.time()  # PortForward.started is wall time, not the cluster's clock
        table.clear()
        for pf in self.forwards():
            table.add_row(pf.namespace, pf.pod, str(pf.remote_port),
                          f"{pf.address}:{pf.local_port}", str(pf.active_connections),
                          human_duration(max(0.0, now - pf.started)), pf.error or "")
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def action_delete(self) -> None:
        forwards = self.forwards()
        table = self.query_one(DataTable)
        if not forwards:
            self.app.flash("no port-forward to stop", "warning")
            return
        pf = forwards[min(max(table.cursor_row, 0), len(forwards) - 1)]
        self.app.session.portforwards.stop(pf)
        self.app.flash(f"stopped port-forward {pf.address}:{pf.local_port} -> "
                       f"{pf.namespace}/{pf.pod}:{pf.remote_port}")
        self.refresh_rows()
