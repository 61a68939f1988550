"""A run's stages as rows: every event of a job folded into one row per stage that started
(state, where it started on the job's clock, fraction, latest message, seconds once ended).

No UI here: the job keeps one board for the header's one-line progress, and the deploy
screen replays the job's events into one of its own, so a screen opened late shows the same
rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

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

RowState = Literal["running", "success", "failed", "cancelled"]
CANCELLED_REASONS = ("cancelled", "cancelled by the user")  # staged()'s and the runner's


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
        self._current: str | None = None
        self.summary: RunSummary | None = None

    def feed(self, t: float, event: Event) -> None:
        rows = self._rows
        if isinstance(event, StageStarted):
            self._current = event.stage
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

    def current(self) -> StageRow | None:
        """The stage that started last: the one running, or where the run ended."""
        return self._rows.get(self._current) if self._current is not None else None
