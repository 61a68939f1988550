"""The frame shared by the Google Cloud views (`:gke`, `:images`): one table filled by a
thread worker, titled like k9s (`gke(my-project)[3]`), with failures as one flash line.

Google's APIs answer in tenths of a second, not milliseconds, and a listing is small (a
project's clusters, a repository's manifests), so a DataTable refilled per listing is enough;
the virtual resource table is for watched Kubernetes lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable
from textual.worker import get_current_worker

from tui.screens.view import ViewScreen

Cell = str | Text


class CloudTableScreen(ViewScreen):
    CSS_PATH = Path(__file__).parent.parent / "cloud.tcss"
    COLUMNS: tuple[str, ...] = ()

    def compose_view(self) -> ComposeResult:
        table: DataTable = DataTable(id="cloud-table", cursor_type="row")
        table.add_columns(*self.COLUMNS)
        table.border_title = f"{self.crumb}(loading…)"
        yield table

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
        """Start the listing worker."""
        raise NotImplementedError

    def in_thread(self, call: Callable[..., object], *args: object) -> None:
        """From the worker: run `call` on the event loop unless this view was left (its
        worker is cancelled when the screen goes)."""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._if_mounted, call, *args)

    def _if_mounted(self, call: Callable[..., object], *args: object) -> None:
        if self.is_mounted:
            call(*args)

    def fill(self, title: str, rows: Sequence[tuple[str, Sequence[Cell]]],
             cursor_key: str | None = None) -> None:
        """Replace the rows (`key`, cells) and title the table `title[count]`."""
        table = self.query_one(DataTable)
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        table.border_title = f"{title}[{len(rows)}]"
        keys = [key for key, _ in rows]
        if cursor_key in keys:
            table.move_cursor(row=keys.index(cursor_key))

    def failed(self, title: str, message: str) -> None:
        """A listing that could not be made: the title says which, the flash says why."""
        self.query_one(DataTable).border_title = f"{title}[-]"
        self.app.flash(message, "error")
