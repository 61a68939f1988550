"""What a pipeline run looks like from outside: plain CI lines, GitHub Actions workflow
commands, a terminal progress view, the JSON summary and the exit code.

Every reporter is just a consumer of the runner's event stream (`Emit`), so the CLI and the
TUI's deploy screen see the same run. Reporters are called from the runner's thread; the
terminal view is also ticked from the main thread to keep elapsed times moving, hence its
lock. None of this imports textual: CI mode must not pay for the UI.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pipelines.events import (
    Event,
    LogLine,
    Rendered,
    RunFinished,
    RunSummary,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)

EXIT_SUCCESS = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130  # 128 + SIGINT, as shells report a Ctrl-C


def exit_code(summary: RunSummary) -> int:
    """0 success, 1 pipeline failed, 130 cancelled cleanly (configuration errors never get a
    summary: they are raised as KubedeckError(exit_code=2) before a run starts)."""
    return {"success": EXIT_SUCCESS, "cancelled": EXIT_CANCELLED}.get(summary.result,
                                                                       EXIT_FAILED)


def utc_stamp(at: float) -> str:
    """RFC 3339 in UTC to the second (`2026-11-22T10:00:01Z`): sortable, and what CI log
    viewers recognise as a timestamp."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_digest(digest: str) -> str:
    """`sha256:` and 12 hex digits: enough to tell images apart on one line, as docker
    shortens image ids."""
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}" if value else digest


def seconds_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s"


# -- the summary ------------------------------------------------------------------------------

def summary_dict(summary: RunSummary) -> dict:
    """The summary as JSON-ready data: what a CI job archives or a later step reads (which
    digest went out, where, how long each stage took, and why it failed)."""
    return {
        "app": summary.app,
        "target": summary.target,
        "strategy": summary.strategy,
        "result": summary.result,
        "dry_run": summary.dry_run,
        "images": [{"name": i.name, "repository": i.repository, "tag": i.tag,
                    "digest": i.digest, "pinned": i.pinned} for i in summary.images],
        "timings": {stage: round(seconds, 3) for stage, seconds in summary.timings.items()},
        "failed_stage": summary.failed_stage,
        "reason": summary.reason,
        "started": utc_stamp(summary.started) if summary.started else None,
        "seconds": round(summary.seconds, 3),
    }


def summary_json(summary: RunSummary) -> str:
    return json.dumps(summary_dict(summary), indent=2) + "\n"


def write_summary_file(path: Path, summary: RunSummary) -> None:
    """Write atomically (temp file + rename) so a CI step reading it never sees half a file."""
    from kubedeck.kube.errors import KubedeckError

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(summary_json(summary), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise KubedeckError(f"error: cannot write the summary file {path}: {exc.strerror} - "
                            "check that its directory exists and is writable") from None


# -- GitHub Actions workflow commands ---------------------------------------------------------

def gh_escape_data(text: str) -> str:
    """Escape a workflow command's message as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_escape_property(text: str) -> str:
    """Escape a workflow command property (title=…): data escapes plus ':' and ','."""
    return gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def on_github_actions(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


# -- plain lines for CI -----------------------------------------------------------------------

def _progress_text(event: StageProgress) -> str:
    if event.fraction is None:
        return event.message
    return f"{event.message} ({event.fraction:.0%})"


def _result_line(summary: RunSummary) -> str:
    where = f"{summary.app} to target {summary.target} ({summary.strategy}" + \
        (", dry run)" if summary.dry_run else ")")
    took = seconds_text(summary.seconds)
    if summary.result == "success":
        return f"success: deployed {where} in {took}"
    if summary.result == "cancelled":
        return f"cancelled: deploying {where} after {took}" + \
            (f" during {summary.failed_stage}" if summary.failed_stage else "")
    stage = f" at stage {summary.failed_stage}" if summary.failed_stage else ""
    return f"failed{stage}: deploying {where} after {took}: {summary.reason}"


class CiReporter:
    """`--ci`: one timestamped plain line per event (`2026-11-22T10:00:01Z [build] …`).

    With `github=True` each stage is also a collapsible `::group::` and a failure an
    `::error::` annotation. Every other line starts with a timestamp, so output that the run
    relays (builder output, pod logs) can never be read by the Actions runner as a workflow
    command of its own.
    """

    def __init__(self, out: TextIO, *, github: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self._out = out
        self._github = github
        self._clock = clock
        self._lock = threading.Lock()

    def _line(self, stage: str, text: str) -> str:
        """One prefixed line; text that holds line breaks stays prefixed on every line."""
        prefix = f"{utc_stamp(self._clock())} [{stage}] "
        return "\n".join(prefix + part for part in text.splitlines() or [""])

    def lines(self, event: Event) -> list[str]:
        """The lines one event prints, in order."""
        if isinstance(event, StageStarted):
            head = [f"::group::{gh_escape_data(event.stage)}"] if self._github else []
            detail = f": {event.detail}" if event.detail else ""
            return [*head, self._line(event.stage, f"started{detail}")]
        if isinstance(event, StageProgress):
            return [self._line(event.stage, _progress_text(event))]
        if isinstance(event, LogLine):
            source = f"{event.source}: " if event.source else ""
            return [self._line(event.stage, source + line)
                    for line in event.text.splitlines() or [""]]
        if isinstance(event, StageFinished):
            detail = f": {event.detail}" if event.detail else ""
            tail = ["::endgroup::"] if self._github else []
            return [self._line(event.stage, f"done in {seconds_text(event.seconds)}{detail}"),
                    *tail]
        if isinstance(event, StageFailed):
            return self._failed(event)
        if isinstance(event, Rendered):
            return [self._line(event.stage, f"diff: {line}")
                    for line in (event.diff or "").splitlines()]
        if isinstance(event, RunFinished):
            return self._finished(event.summary)
        return []

    def _failed(self, event: StageFailed) -> list[str]:
        lines = [self._line(event.stage, f"FAILED after {seconds_text(event.seconds)}: "
                                         f"{event.reason}")]
        if event.hint:
            lines.append(self._line(event.stage, f"hint: {event.hint}"))
        lines.extend(self._line(event.stage, f"| {log}") for log in event.logs)
        if self._github:
            message = "\n".join([event.reason, *([event.hint] if event.hint else []),
                                 *event.logs])
            title = gh_escape_property(f"kubedeck: {event.stage} failed")
            lines += ["::endgroup::", f"::error title={title}::{gh_escape_data(message)}"]
        return lines

    def _finished(self, summary: RunSummary) -> list[str]:
        lines = [self._line("run", _result_line(summary))]
        lines.extend(self._line("run", f"image {i.name}: {i.pinned}") for i in summary.images)
        if self._github and summary.result == "cancelled":
            title = gh_escape_property("kubedeck: run cancelled")
            lines.append(f"::warning title={title}::{gh_escape_data(_result_line(summary))}")
        return lines

    def __call__(self, event: Event) -> None:
        text = "".join(line + "\n" for line in self.lines(event))
        if text:
            with self._lock:
                self._out.write(text)
                self._out.flush()


# -- the terminal progress view ---------------------------------------------------------------

BAR_WIDTH = 24
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_GREEN, _RED, _YELLOW, _DIM, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m"


@dataclass
class _StageRow:
    stage: str
    detail: str
    started: float
    fraction: float | None = None
    message: str = ""
    state: str = "running"  # running | done | failed
    seconds: float | None = None


def progress_bar(fraction: float | None, tick: int, width: int = BAR_WIDTH) -> str:
    """A bar filled to `fraction`; when the stage cannot tell, a block that bounces so the
    user still sees the stage is alive."""
    if fraction is None:
        pos = tick % (2 * (width - 3)) if width > 3 else 0
        pos = pos if pos <= width - 3 else 2 * (width - 3) - pos
        return " " * pos + "███" + " " * (width - 3 - pos)
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


class TerminalReporter:
    """A terminal run without `--ci`: one line per stage with a progress bar and its elapsed
    time, redrawn in place with plain ANSI; log lines scroll above the bars. `tick()` is
    called by the CLI's main thread a few times a second so running stages keep counting."""

    def __init__(self, out: TextIO, *, clock: Callable[[], float] = time.monotonic,
                 width: Callable[[], int] | None = None) -> None:
        self._out = out
        self._clock = clock
        self._width = width or (lambda: _terminal_width(out))
        self._rows: list[_StageRow] = []
        self._drawn = 0  # lines of the bar block currently on screen
        self._ticks = 0
        self._lock = threading.Lock()

    def _row(self, stage: str) -> _StageRow | None:
        for row in reversed(self._rows):
            if row.stage == stage:
                return row
        return None

    def __call__(self, event: Event) -> None:
        with self._lock:
            lines = self._apply(event)
            if isinstance(event, RunFinished):  # the bars stay as they ended, the result below
                self._redraw([])
                self._out.write("".join(f"{line}\n" for line in lines))
                self._out.flush()
                self._drawn = 0
            else:
                self._redraw(lines)

    def tick(self) -> None:
        with self._lock:
            if self._drawn and any(row.state == "running" for row in self._rows):
                self._ticks += 1
                self._redraw([])

    def _apply(self, event: Event) -> list[str]:
        """Update the rows; return the lines to print above the bar block (below it, for the
        run's result)."""
        now = self._clock()
        if isinstance(event, StageStarted):
            self._rows.append(_StageRow(event.stage, event.detail, now))
            return []
        row = self._row(getattr(event, "stage", ""))
        if isinstance(event, StageProgress) and row is not None:
            row.fraction, row.message = event.fraction, event.message
            return []
        if isinstance(event, LogLine):
            source = f"{event.source}: " if event.source else ""
            return [f"{_DIM}{event.stage:>8}{_RESET} {source}{line}"
                    for line in event.text.splitlines()]
        if isinstance(event, StageFinished) and row is not None:
            row.state, row.seconds, row.fraction = "done", event.seconds, 1.0
            row.message = event.detail or row.message
            return []
        if isinstance(event, StageFailed):
            if row is not None:
                row.state, row.seconds, row.message = "failed", event.seconds, event.reason
            hint = [f"{_RED}{event.stage:>8}{_RESET} hint: {event.hint}"] if event.hint else []
            return [f"{_RED}{event.stage:>8} failed:{_RESET} {event.reason}", *hint,
                    *(f"{'':>8} | {log}" for log in event.logs)]
        if isinstance(event, RunFinished):
            colour = {"success": _GREEN, "cancelled": _YELLOW}.get(event.summary.result, _RED)
            images = [f"{'':>8} image {i.name}: {i.pinned}" for i in event.summary.images]
            return [f"{colour}{_result_line(event.summary)}{_RESET}", *images]
        return []

    def _render_row(self, row: _StageRow, width: int) -> str:
        elapsed = row.seconds if row.seconds is not None else self._clock() - row.started
        if row.state == "done":
            mark, colour = "✓", _GREEN
        elif row.state == "failed":
            mark, colour = "✗", _RED
        else:
            mark, colour = _SPINNER[self._ticks % len(_SPINNER)], _YELLOW
        fraction = 1.0 if row.state == "done" else row.fraction
        percent = f"{fraction:4.0%}" if fraction is not None else "    "
        text = row.message or row.detail
        head = f"{mark} {row.stage:<8} {progress_bar(fraction, self._ticks)} {percent} " \
               f"{seconds_text(elapsed):>6}  "
        room = max(0, width - len(head) - 1)
        return f"{colour}{mark}{_RESET}{head[1:]}{text[:room]}"

    def _redraw(self, above: Sequence[str]) -> None:
        out = []
        if self._drawn:
            out.append(f"\x1b[{self._drawn}F")  # to the first line of the block
        width = self._width()
        lines = [*above, *(self._render_row(row, width) for row in self._rows)]
        out.extend(f"\x1b[2K{line}\n" for line in lines)
        self._out.write("".join(out))
        self._out.flush()
        self._drawn = len(self._rows)


def _terminal_width(out: TextIO) -> int:
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 100
