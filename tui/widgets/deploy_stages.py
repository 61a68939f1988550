"""The deploy screen's stage board: one row per stage that started (a mark, the name, a bar,
the latest message, the elapsed time) and a summary line coloured by the result.

`pipelines.stageboard.StageBoard` folds a job's events into rows; `DeployStages` only draws
a board. Running stages tick on the job's clock (never the wall clock), which keeps
snapshots repeatable.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from pipelines.events import STAGES
from pipelines.job import DeployJob
from pipelines.report import seconds_text, short_digest
from pipelines.stageboard import StageBoard, StageRow
from tui.deploys import done_sentence

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
MARKS = {"success": "✓", "failed": "✗", "cancelled": "■"}


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
        text = f"✓ {done_sentence(job.action, summary)}"
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
