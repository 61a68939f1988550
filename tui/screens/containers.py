"""Pod → containers (k9s' container view): one row per container, refreshed while open, with
logs, shell and port-forward acting on the selected container."""

from __future__ import annotations

import json
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kubedeck.kube import actions
from kubedeck.kube.actions import ContainerInfo, ObjectRef
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.app import error_line
from tui.detail_text import is_deleted, ref_label
from tui.screens.view import ViewScreen

COLUMNS = ("NAME", "IMAGE", "TYPE", "READY", "STATE", "RESTARTS", "PORTS", "PROBES")
ACTIONS = {"logs", "logs_previous", "shell", "port_forward"}


def container_row(c: ContainerInfo) -> tuple[str, ...]:
    return (c.name, c.image, c.kind, "true" if c.ready else "false", c.state, str(c.restarts),
            c.ports, c.probes)


class ContainersScreen(ViewScreen):
    CSS_PATH = Path(__file__).parent.parent / "detail.tcss"
    BINDINGS = [*keymap.bindings(keymap.RESOURCE, ids=ACTIONS),
                Binding("enter", "logs", "Logs", show=False)]

    def __init__(self, ref: ObjectRef) -> None:
        super().__init__()
        self.ref = ref
        self.crumb = "containers"
        self.containers: list[ContainerInfo] = []
        self.loaded = False

    def compose_view(self) -> ComposeResult:
        yield Static(f"Containers: {ref_label(self.ref)}", id="containers-title")
        table = DataTable(id="containers", cursor_type="row", zebra_stripes=False)
        table.add_columns(*COLUMNS)
        yield table

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()
        refresh = self.app.session.config.refresh_rate
        if refresh > 0:
            self.set_interval(refresh, self.load)

    @work(thread=True, exclusive=True, exit_on_error=False, group="containers")
    def load(self) -> None:
        conn = self.app.session.conn
        try:
            pod = json.loads(conn.get(self.ref.path()))
        except KubedeckError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._show, actions.containers_of(pod))

    def _show(self, containers: list[ContainerInfo]) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        table = self.query_one(DataTable)
        selected = self.selected()
        self.containers = containers
        table.clear()
        for c in containers:
            table.add_row(*container_row(c), key=c.name)
        if selected is not None:
            names = [c.name for c in containers]
            if selected.name in names:
                table.move_cursor(row=names.index(selected.name))

    def _failed(self, exc: KubedeckError) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        deleted = is_deleted(self.ref, exc) or getattr(exc, "code", None) == 404
        self.app.flash(f"{ref_label(self.ref)} was deleted" if deleted else error_line(exc),
                       "warning" if deleted else "error")

    def selected(self) -> ContainerInfo | None:
        table = self.query_one(DataTable)
        if not self.containers or table.cursor_row < 0:
            return None
        return self.containers[min(table.cursor_row, len(self.containers) - 1)]

    def _start(self, action_id: str) -> None:
        from tui import actions_pods

        container = self.selected()
        if container is None or not self.app.allowed(action_id):
            return
        flows = {
            "logs": lambda: actions_pods.open_logs(self.app, self.ref, container=container.name),
            "logs_previous": lambda: actions_pods.open_logs(self.app, self.ref, previous=True,
                                                            container=container.name),
            "shell": lambda: actions_pods.open_shell(self.app, self.ref, container.name),
            "port_forward": lambda: actions_pods.open_port_forward(self.app, self.ref,
                                                                   container.name),
        }
        self.app.run_worker(flows[action_id](), group="resource-action", exit_on_error=False,
                            name=f"{action_id} {self.ref.name}/{container.name}")

    def action_logs(self) -> None:
        self._start("logs")

    def action_logs_previous(self) -> None:
        self._start("logs_previous")

    def action_shell(self) -> None:
        self._start("shell")

    def action_port_forward(self) -> None:
        self._start("port_forward")
