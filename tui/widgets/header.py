"""The k9s-style header: who and where we are, the namespace keys, the connection state and
the deploy job's one line (it runs on while the user browses, so its state stays in sight)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from kubedeck import __version__

ROWS = 6  # the header's height: namespace keys wrap into more columns, as k9s shows them
DEPLOY_STYLES = {"running": "yellow", "success": "green", "failed": "red", "cancelled": "dim"}


class AppHeader(Static):
    """Context, cluster, server, user, namespace and versions on the left, `<0> all <1> …`
    namespace shortcuts beside them, the deploy line under the link; redrawn when the session,
    namespace, link or deploy state changes."""

    def on_mount(self) -> None:
        for name in ("session_rev", "connection_state", "namespace_keys", "deploy_status"):
            self.watch(self.app, name, self._refresh_info, init=False)
        self._refresh_info()

    def _refresh_info(self, *_: object) -> None:
        self.update(self.render_info())

    def render_info(self) -> Table:
        app = self.app
        session = app.session
        conn = session.conn
        ok, detail = app.connection_state
        link = Text("● connected", style="green") if ok else Text(f"● {detail}", style="red")
        info = Table.grid(padding=(0, 1))
        info.add_column(no_wrap=True)
        info.add_column(no_wrap=True, max_width=48)
        rows = [
            ("Context:", Text(conn.context + ("  [RO]" if session.readonly else ""))),
            ("Cluster:", Text(conn.cluster)),
            ("Server:", Text(conn.server)),
            ("User:", Text(conn.user)),
            ("K8s Rev:", Text(session.server_version or "?")),
            ("Kubedeck:", Text(__version__)),
        ]
        for label, value in rows:
            info.add_row(Text(label, style="bold"), value)
        entries = list(app.namespace_keys)
        keys = Table.grid(padding=(0, 1))
        columns = max(1, -(-len(entries) // ROWS))
        for _ in range(columns):
            keys.add_column(style="bold magenta", no_wrap=True)
            keys.add_column(no_wrap=True)
        current = session.namespace
        for row in range(min(ROWS, len(entries))):
            cells: list = []
            for key, ns in entries[row::ROWS]:
                label = "all" if ns is None else ns
                cells += [f"<{key}>", Text(label, style="bold" if ns == current else "")]
            keys.add_row(*cells)
        status = Table.grid()
        status.add_column(no_wrap=True)
        status.add_row(Text("Namespace: ", style="bold") + Text(current or "all"))
        status.add_row(link)
        deploy, state = app.deploy_status
        if deploy:
            status.add_row(Text(deploy, style=DEPLOY_STYLES.get(state, "")))
        outer = Table.grid(padding=(0, 3))
        outer.add_column()
        outer.add_column()
        outer.add_column()
        outer.add_row(info, keys, status)
        return outer
