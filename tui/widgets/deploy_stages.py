"""The deploy screen's stage board: one row per stage that started (a mark, the name, a bar,
the latest message, the elapsed time) and a summary line coloured by the result.

`StageBoard` folds a job's events into rows without touching any widget, so a screen opened
late replays the same events into the same rows; `DeployStages` only draws a board. Running
stages tick on the job's clock (never the wall clock), which keeps snapshots repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from pipelines.events import (
    STAGES,
    Event,
    RunFinished,
    RunSummary,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)
from pipelines.job import DeployJob
from pipelines.report import seconds_text

RowState = Literal["running", "success", "failed", "cancelled"]
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
MARKS = {"success": "✓", "failed": "✗", "cancelled": "■"}
CANCELLED_REASONS = ("cancelled", "cancelled by the user")  # staged()'s and the runner's
DONE_VERBS = {"run": "deployed", "promote": "promoted", "abort": "aborted",
              "rollback": "rolled back"}


@dataclass(frozen=True)
class StageRow:
    """One stage as the board shows it. `started` is when it started on the job's clock;
    `seconds` is set once it ended (StageFinished / StageFailed seconds)."""

    stage: str
    state: RowState
    started: float
    fraction: float | None = None
    message: str = ""
    seconds: float | None = None

    def elapsed(self, now: float) -> float:
        """What the time column shows: the stage's own seconds once ended, else how long it
        has been running (`now` on the job's clock)."""
        return self.seconds if self.seconds is not None else max(0.0, now - self.started)


class StageBoard:
    """The rows of every stage that started, fed with `(t, event)` pairs as a job's
    `events_since` hands them out."""

    def __init__(self) -> None:
        self._rows: dict[str, StageRow] = {}
        self.summary: RunSummary | None = None

    def feed(self, t: float, event: Event) -> None:
        rows = self._rows
        if isinstance(event, StageStarted):
            row = rows.get(event.stage)
            if row is None or row.state != "running":  # a stage run again starts afresh
                rows[event.stage] = StageRow(event.stage, "running", t, message=event.detail)
        elif isinstance(event, StageProgress) and event.stage in rows:
            row = rows[event.stage]
            fraction = row.fraction if event.fraction is None else event.fraction
            rows[event.stage] = replace(row, fraction=fraction, message=event.message)
        elif isinstance(event, StageFinished):
            row = rows.get(event.stage) or StageRow(event.stage, "running", t)
            rows[event.stage] = replace(row, state="success", fraction=1.0,
                                        message=event.detail or row.message,
                                        seconds=event.seconds)
        elif isinstance(event, StageFailed):
            row = rows.get(event.stage) or StageRow(event.stage, "running", t)
            state: RowState = "cancelled" if event.reason in CANCELLED_REASONS else "failed"
            rows[event.stage] = replace(row, state=state, message=event.reason,
                                        seconds=event.seconds)
        elif isinstance(event, RunFinished):
            self.summary = event.summary

    def rows(self) -> list[StageRow]:
        """The started stages in pipeline order."""
        return [self._rows[s] for s in STAGES if s in self._rows]

    def row(self, stage: str) -> StageRow | None:
        return self._rows.get(stage)


def shown_fraction(row: StageRow) -> float | None:
    """What the bar shows: full on success; where it stopped on failure (an empty bar when
    the stage never told, rather than an animation that looks like it still runs)."""
    if row.state == "success":
        return 1.0
    if row.state == "running":
        return row.fraction
    return row.fraction or 0.0


def mark(row: StageRow, now: float) -> str:
    """✓ ✗ ■, or a spinner frame that turns with the job's clock."""
    if row.state == "running":
        return SPINNER[int(now * 10) % len(SPINNER)]
    return MARKS[row.state]


def short_digest(digest: str) -> str:
    """`sha256:` and 12 hex digits: enough to tell images apart on one line."""
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}" if value else digest


def summary_line(job: DeployJob, now: float) -> tuple[str, str]:
    """(text, state) of the line under the stages: what runs where while it runs, then the
    result, why it failed, and which images were pinned."""
    summary = job.summary
    if summary is None:
        verb = "cancelling…" if job.cancelling else "running"
        where = f"{job.plan.where}, namespace {job.target.namespace}"
        return (f"▶ {job.title} · {verb} {seconds_text(now)} · {job.plan.strategy} · "
                f"{where}"), "running"
    took = seconds_text(summary.seconds)
    if summary.result == "success":
        text = f"✓ {DONE_VERBS[job.action]} {summary.app} to {summary.target} in {took}"
    elif summary.result == "cancelled":
        during = f" during {summary.failed_stage}" if summary.failed_stage else ""
        text = (f"■ {job.title} cancelled after {took}{during}; the live Service stays on "
                "healthy pods")
    else:
        stage = f" at {summary.failed_stage}" if summary.failed_stage else ""
        text = f"✗ {job.title} failed{stage} after {took}: {summary.reason}"
    images = summary.images or job.images
    if images:
        text += " · pinned " + ", ".join(f"{i.repository}:{i.tag}@{short_digest(i.digest)}"
                                         for i in images)
    return text, summary.result


class DeployStages(Vertical):
    """A row per pipeline stage (hidden until it starts) and the summary line. Ids are
    stable for tests: `#stage-<name>`, `#deploy-summary`."""

    def compose(self) -> ComposeResult:
        for stage in STAGES:
            with Horizontal(id=f"stage-{stage}", classes="stage-row"):
                yield Static("", classes="stage-mark")
                yield Static(stage, classes="stage-name")
                yield ProgressBar(total=None, show_eta=False, classes="stage-bar")
                yield Static("", classes="stage-message")
                yield Static("", classes="stage-time")
        yield Static("", id="deploy-summary")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, tuple] = {}
        self._summary: tuple[str, str] = ("", "")

    def show(self, board: StageBoard, job: DeployJob, now: float) -> None:
        """Redraw from `board` (`now`: the job's elapsed seconds); widgets whose content did
        not change are left alone."""
        cancelling = job.cancelling
        for row in board.rows():
            message = "cancelling…" if cancelling and row.state == "running" else row.message
            fraction = shown_fraction(row)
            drawn = (mark(row, now), row.state, fraction, message,
                     seconds_text(row.elapsed(now)))
            if self._shown.get(row.stage) == drawn:
                continue
            self._draw(row.stage, drawn, self._shown.get(row.stage))
            self._shown[row.stage] = drawn
        line = summary_line(job, now)
        if line != self._summary:
            self._summary = line
            text, state = line
            summary = self.query_one("#deploy-summary", Static)
            summary.update(Text(text))
            _state_class(summary, state)

    def _draw(self, stage: str, drawn: tuple, before: tuple | None) -> None:
        symbol, state, fraction, message, took = drawn
        row = self.query_one(f"#stage-{stage}", Horizontal)
        row.add_class("-started")
        _state_class(row, state)
        row.query_one(".stage-mark", Static).update(symbol)
        row.query_one(".stage-message", Static).update(Text(message))
        row.query_one(".stage-time", Static).update(took)
        if before is None or before[2] != fraction:
            bar = row.query_one(ProgressBar)
            if fraction is None:
                bar.update(total=None)
            else:
                bar.update(total=1.0, progress=fraction)


def _state_class(widget: Static | Horizontal, state: str) -> None:
    """`-running`, `-success`, `-failed` or `-cancelled`: what deploy.tcss colours by."""
    for name in ("running", "success", "failed", "cancelled"):
        widget.set_class(name == state, f"-{name}")
