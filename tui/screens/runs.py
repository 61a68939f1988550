"""`:runs [APP]`: the deploy history, newest first, with this session's jobs merged in (a
running one shows its live stage). Enter opens a job's deploy screen or a past run's log;
`r` re-runs the selected run through the deploy confirmation.

The history is read in a thread (it is a file) when the view opens and again whenever a job
of this session starts or ends; the running rows are redrawn every second from the job
itself, which never blocks. A job's record reaches the history when it ends, and the row
keeps its id, so a run is never listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from kubedeck.kube.humanize import since
from pipelines.events import ImageResult
from pipelines.history import ImageRecord, RunHistory, RunRecord
from pipelines.job import Action, DeployJob, RunRequest
from pipelines.report import seconds_text, short_digest
from tui import keymap
from tui.logbuffer import compile_filter
from tui.screens.view import ViewScreen

COLUMNS = ("STARTED", "APP", "ACTION", "TARGET", "STRATEGY", "RESULT", "DURATION", "IMAGES",
           "REASON")
RESULT_STYLE = {"success": "green", "failed": "red", "cancelled": "yellow",
                "running": "yellow"}
REASON_CHARS = 60
POLL_SECONDS = 1.0

Cell = str | Text


@dataclass(frozen=True)
class RunRow:
    """One line of the list: a recorded run, this session's job, or both (a job that ended
    and was recorded). `request` is what a re-run asks for."""

    id: str
    app: str
    started: float
    cells: tuple[Cell, ...]
    request: RunRequest
    record: RunRecord | None = None
    job: DeployJob | None = None


def target_text(target: str, where: str, demo: bool) -> str:
    """The target's name; a run into the embedded demo cluster says so, since the same name
    may also mean a real cluster."""
    return f"{target} ({where})" if demo and where else target


def images_text(images: Iterable[ImageRecord | ImageResult]) -> str:
    """`hello@sha256:0123456789ab, worker@sha256:…`: enough of each digest to tell runs
    apart, as docker shortens image ids."""
    return ", ".join(f"{i.name}@{short_digest(i.digest)}" for i in images)


def reason_text(record: RunRecord) -> str:
    if record.result == "success" or not record.reason:
        return ""
    text = f"{record.failed_stage}: {record.reason}" if record.failed_stage else record.reason
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


def action_text(action: str, dry_run: bool) -> str:
    return f"{action} (dry run)" if dry_run else action


def record_cells(record: RunRecord, now: float) -> tuple[Cell, ...]:
    return (since(record.started, now), record.app, action_text(record.action, record.dry_run),
            target_text(record.target, record.where, record.demo), record.strategy,
            Text(record.result, style=RESULT_STYLE.get(record.result, "")),
            seconds_text(record.seconds), images_text(record.images), reason_text(record))


def record_request(record: RunRecord) -> RunRequest:
    return RunRequest(Path(record.spec_path), record.target, cast(Action, record.action),
                      dry_run=record.dry_run)


def job_record(job: DeployJob) -> RunRecord | None:
    """A finished job as its history record would read (the history may not have it: an
    unwritable data directory costs the history, never the run)."""
    if job.summary is None:
        return None
    return RunRecord.of(job.id, job.summary, spec_path=job.spec.path, action=job.action,
                        where=job.plan.where, demo=job.demo is not None)


def running_row(job: DeployJob, now: float) -> RunRow:
    """A job still running: its live stage where the result goes (`running rollout 40%`)."""
    progress = job.progress()
    if job.cancelling:
        state = "cancelling"
    else:
        percent = f" {progress.fraction:.0%}" if progress.fraction is not None else ""
        state = f"running {progress.stage or 'starting'}{percent}"
    started = now - progress.elapsed
    request = job.plan.request
    cells = (since(started, now), job.spec.app, action_text(job.action, request.dry_run),
             target_text(job.target.name, job.plan.where, job.demo is not None),
             job.spec.deploy.strategy, Text(state, style=RESULT_STYLE["running"]),
             seconds_text(progress.elapsed), images_text(job.images), "")
    return RunRow(job.id, job.spec.app, started, cells, request, job=job)


def run_rows(records: Sequence[RunRecord], jobs: Sequence[DeployJob], now: float,
             app: str | None = None) -> list[RunRow]:
    """The history and this session's jobs as rows, newest first, one per run id; `app`
    keeps only that app's runs."""
    session = {job.id: job for job in jobs}
    rows: dict[str, RunRow] = {}
    for record in records:
        job = session.get(record.id)
        rows[record.id] = RunRow(record.id, record.app, record.started,
                                 record_cells(record, now),
                                 job.plan.request if job else record_request(record),
                                 record=record, job=job)
    for job in jobs:
        if job.id in rows:
            continue
        record = job_record(job)
        rows[job.id] = running_row(job, now) if record is None else RunRow(
            job.id, record.app, record.started, record_cells(record, now),
            job.plan.request, record=record, job=job)
    listed = [row for row in rows.values() if app is None or row.app == app]
    return sorted(listed, key=lambda row: (row.started, row.id), reverse=True)


def row_matches(row: RunRow, pattern: re.Pattern[str] | None) -> bool:
    if pattern is None:
        return True
    return pattern.search("\n".join(str(cell) for cell in row.cells)) is not None


class RunsTable(DataTable, inherit_bindings=False):
    """A DataTable that moves as the resource table does (j/k, g/G, home/end) and leaves
    Enter to the view's remappable `runs_view` binding."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("left", "cursor_left", "Left", show=False),
        Binding("right", "cursor_right", "Right", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_top", "Top", show=False),
        Binding("end,G", "scroll_bottom", "Bottom", show=False),
    ]


class RunsScreen(ViewScreen):
    """`runs[12]` or `runs(hello)[3]`: past runs and this session's jobs."""

    CSS_PATH = Path(__file__).parent.parent / "runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        *keymap.bindings(keymap.GLOBAL, ids={"back", "filter"}),
        *keymap.bindings(keymap.RUNS),
    ]

    def __init__(self, app_filter: str | None = None) -> None:
        super().__init__()
        self.app_filter = app_filter
        self.crumb = f"runs({app_filter})" if app_filter else "runs"
        self.records: list[RunRecord] | None = None  # None until the history has been read
        self.rows: list[RunRow] = []
        self._filter_text = ""
        self._jobs_seen: tuple[tuple[str, bool], ...] | None = None

    def compose_view(self) -> ComposeResult:
        table = RunsTable(id="runs-table", cursor_type="row")
        for name in COLUMNS:
            table.add_column(name, key=name)
        table.border_title = f"{self.crumb}(loading…)"
        yield Static("", id="runs-empty", classes="hidden")
        yield table
        yield Input(placeholder="filter (regex)", id="runs-filter", classes="hidden")

    @property
    def table(self) -> DataTable:
        return self.query_one("#runs-table", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._poll()
        self.set_interval(POLL_SECONDS, self._poll)

    # -- reading -----------------------------------------------------------------------------

    def _poll(self) -> None:
        """Re-read the history when a job of this session started or ended (its record
        lands there), and redraw: running rows move, ages grow."""
        seen = tuple((job.id, job.done) for job in self.app.deploys.jobs)
        if seen != self._jobs_seen:
            self._jobs_seen = seen
            self.load(self.app.deploys.history)
        if self.records is not None:
            self.show()

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs")
    def load(self, history: RunHistory) -> None:
        try:
            records = history.records()
        except OSError as exc:
            self._in_loop(self._unreadable, history, exc)
            return
        self._in_loop(self._loaded, records)

    def _in_loop(self, call, *args: object) -> None:
        """From the worker: run `call` on the event loop unless this view was left."""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._if_mounted, call, *args)

    def _if_mounted(self, call, *args: object) -> None:
        if self.is_mounted:
            call(*args)

    def _loaded(self, records: list[RunRecord]) -> None:
        self.records = records
        self.show()

    def _unreadable(self, history: RunHistory, exc: OSError) -> None:
        self.records = []
        self.show()
        self.app.flash(f"cannot read the deploy history {history.index}: "
                       f"{exc.strerror or exc} - check that the folder is readable", "error")

    # -- showing -----------------------------------------------------------------------------

    def show(self) -> None:
        """Bring the table up to date: changed cells in place when the same runs are listed
        (the cursor and scroll stay put), else the rows again, keeping the selected run."""
        pattern = compile_filter(self._filter_text)
        rows = [row for row in run_rows(self.records or [], self.app.deploys.jobs,
                                        self.app.now(), self.app_filter)
                if row_matches(row, pattern)]
        table = self.table
        if [row.id for row in rows] == [row.id for row in self.rows]:
            for old, new in zip(self.rows, rows, strict=True):
                for name, before, after in zip(COLUMNS, old.cells, new.cells, strict=True):
                    if before != after:
                        table.update_cell(new.id, name, after, update_width=True)
        else:
            selected = self.selected()
            table.clear()
            for row in rows:
                table.add_row(*row.cells, key=row.id)
            keys = [row.id for row in rows]
            if selected is not None and selected.id in keys:
                table.move_cursor(row=keys.index(selected.id))
        self.rows = rows
        self._titles()

    def _titles(self) -> None:
        shown = f"/{self._filter_text}" if self._filter_text else ""
        self.table.border_title = f"{self.crumb}{shown}[{len(self.rows)}]"
        empty = self.query_one("#runs-empty", Static)
        nothing = not self.rows and not self._filter_text
        empty.set_class(not nothing, "hidden")
        if nothing:
            key = keymap.keys_of("deploy", self.app.keymap_config)[0]
            which = f"no runs of {self.app_filter} yet" if self.app_filter else "no runs yet"
            empty.update(f"{which}: press {key} in any view to deploy the kubedeck.yaml of "
                         "this directory")

    def selected(self) -> RunRow | None:
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # -- keys (ids in tui/keymap.py) ---------------------------------------------------------

    @on(DataTable.RowSelected, "#runs-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on the selected row opens it, as Enter does."""
        event.stop()
        self.action_runs_view()

    def action_runs_view(self) -> None:
        """A job of this session opens its deploy screen (live, or replayed); a past run
        its log."""
        row = self.selected()
        if row is None:
            return
        if row.job is not None:
            from tui.deploy_flow import open_job

            open_job(self.app, row.job)
        elif row.record is not None:
            from tui.screens.run_log import RunLogScreen

            self.app.push_view(RunLogScreen(row.record, self.app.deploys.history))

    def action_runs_rerun(self) -> None:
        row = self.selected()
        if row is None or not self.app.allowed("runs_rerun"):
            return
        went_to_demo = row.record.demo if row.record is not None else \
            row.job is not None and row.job.demo is not None
        if went_to_demo and self.app.deploys.demo is None:
            # `pipeline run --demo --target prod` records target prod: re-run here, that is
            # the real prod
            self.app.flash(f"cannot re-run here: {row.app} went to the embedded demo cluster "
                           "that time - re-run it from kubedeck demo, or press "
                           f"{keymap.keys_of('deploy', self.app.keymap_config)[0]} to deploy "
                           "and choose a target", "warning")
            return
        self._rerun(row.request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs-rerun")
    def _rerun(self, request: RunRequest) -> None:
        """The pipeline file must still be there (a stat: off the event loop); the deploy
        flow then plans and asks for confirmation as the deploy key does."""
        if not request.spec_path.is_file():
            self._in_loop(self.app.flash, f"cannot re-run: {request.spec_path} no longer "
                          "exists - deploy it from where it is now with "
                          f"{keymap.keys_of('deploy', self.app.keymap_config)[0]}", "error")
            return
        self._in_loop(self._request_deploy, request)

    def _request_deploy(self, request: RunRequest) -> None:
        from tui.deploy_flow import request_deploy

        request_deploy(self.app, request)

    # -- filter ------------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#runs-filter", Input)
        field.remove_class("hidden")
        field.value = self._filter_text
        self.set_focus(field)  # now: keys queued behind `/` are filter text

    @on(Input.Changed, "#runs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter_text = event.value
        self.show()

    @on(Input.Submitted, "#runs-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_filter()

    def _close_filter(self) -> None:
        self.query_one("#runs-filter", Input).add_class("hidden")
        self.table.focus()

    def action_back(self) -> None:
        """esc: close the filter input, then clear the filter, then go back."""
        field = self.query_one("#runs-filter", Input)
        if not field.has_class("hidden") or self._filter_text:
            self._filter_text = ""
            self._close_filter()
            self.show()
        else:
            self.app.action_back()
