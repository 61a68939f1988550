"""The log of one past run (from `:runs`): the `--ci` lines the run wrote to the history as
it went, under a line that sums it up (result, duration, target, strategy, image digests)
and, for a run that did not succeed, its whole reason. Read in a thread; `/` finds, n/N
move between matches, `c` copies, `w` wraps, as in the other text views.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Input, Static

from pipelines.history import RunHistory, RunRecord
from pipelines.report import seconds_text, utc_stamp
from tui import keymap
from tui.screens.runs import action_text, images_text, target_text
from tui.screens.text_keys import TextViewScreen
from tui.textview import TextView

MARKS = {"success": "✓", "failed": "✗", "cancelled": "■"}
_CI_LINE = re.compile(r"^(\S+Z) (\[[\w-]+\]) (.*)$")
_RUN_RESULT = {"success:": "green", "failed": "red", "cancelled:": "yellow"}


def summary_line(record: RunRecord) -> str:
    """`✓ success  run hello → demo (the embedded demo cluster)  rolling  3.5s  started …
    hello@sha256:0123456789ab`"""
    parts = [f"{MARKS.get(record.result, '?')} {record.result}",
             f"{action_text(record.action, record.dry_run)} {record.app} → "
             f"{target_text(record.target, record.where, record.demo)}",
             record.strategy, seconds_text(record.seconds),
             f"started {utc_stamp(record.started)}"]
    if record.images:
        parts.append(images_text(record.images))
    return "  ".join(parts)


def outcome_line(record: RunRecord) -> str:
    """Why a run did not succeed, in full (the list cuts it short)."""
    if record.result == "success":
        return ""
    stage = f" at {record.failed_stage}" if record.failed_stage else ""
    return f"{record.result}{stage}: {record.reason}" if record.reason else ""


def styled_line(line: str) -> Text:
    """A `--ci` line with its timestamp dimmed, its stage bold and failures and the result
    coloured; any other line as it is."""
    m = _CI_LINE.match(line)
    if m is None:
        return Text(line)
    stamp, stage, body = m.groups()
    style = ""
    if body.startswith("FAILED"):
        style = "red"
    elif stage == "[run]":
        style = next((s for word, s in _RUN_RESULT.items() if body.startswith(word)), "")
    return Text.assemble((stamp, "dim"), " ", (stage, "bold"), " ", (body, style))


class RunLogScreen(TextViewScreen):
    """Read-only text of one recorded run."""

    CSS_PATH = Path(__file__).parent.parent / "detail.tcss"
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(
        keymap.DETAIL, ids={"find", "find_next", "find_prev", "copy", "detail_wrap"})

    def __init__(self, record: RunRecord, history: RunHistory) -> None:
        super().__init__()
        self.record = record
        self.history = history
        self.crumb = "log"
        self.text = ""
        self.loaded = False

    def compose_view(self) -> ComposeResult:
        yield Static(summary_line(self.record), id="detail-title")
        yield Static("", id="detail-banner")
        yield TextView(id="detail-text")
        yield Input(placeholder="find (regex)", id="detail-find")

    def on_mount(self) -> None:
        self.view.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="run-log")
    def load(self) -> None:
        """Read the log file (blocking) and hand it to the event loop."""
        path = self.history.log_path(self.record.id)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            missing = ""
        except FileNotFoundError:
            text, missing = "", f"no log was kept for this run ({path} does not exist)"
        except OSError as exc:
            text, missing = "", f"cannot read the log {path}: {exc.strerror or exc}"
        self.app.call_from_thread(self._show, text, missing)

    def _show(self, text: str, missing: str) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        self.text = text
        self.view.set_lines([styled_line(line) for line in text.splitlines()])
        notes = [note for note in (outcome_line(self.record), missing) if note]
        banner = self.query_one("#detail-banner", Static)
        banner.update("\n".join(notes))
        banner.set_class(bool(notes), "-shown")
