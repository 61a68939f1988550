"""The deploy screen's right pane: the run's log (build and push output, rollout messages,
each failure with its hint and the failing pod's last log lines) or the rendered manifests'
diff, one at a time (`f` switches).

Lines are styled from component classes, so deploy.tcss (theme variables) decides the
colours; a poll's events arrive as one batch and cost one append.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from pipelines.events import (
    Event,
    LogLine,
    Rendered,
    RunFinished,
    StageFailed,
    StageFinished,
    StageStarted,
)
from pipelines.report import seconds_text
from pipelines.stageboard import CANCELLED_REASONS
from tui.textview import TextView

MAX_LOG_LINES = 20_000
Styler = Callable[[str], Style]  # a role ("error", "added", …) -> its style


def event_lines(event: Event, style: Styler) -> list[Text]:
    """What one event adds to the log. Progress events are left to the stage bars; a
    failure is its reason, its hint and the supporting log lines, all hard to miss."""
    if isinstance(event, StageStarted):
        detail = f": {event.detail}" if event.detail else ""
        return [Text(f"▶ {event.stage}{detail}", style("stage"))]
    if isinstance(event, LogLine):
        prefix = Text(f"{event.source} ", style("source")) if event.source else Text()
        return [prefix + Text(line) for line in event.text.splitlines() or [""]]
    if isinstance(event, StageFinished):
        detail = f": {event.detail}" if event.detail else ""
        return [Text(f"✓ {event.stage} done in {seconds_text(event.seconds)}{detail}",
                     style("done"))]
    if isinstance(event, StageFailed):
        return failure_lines(event, style)
    if isinstance(event, Rendered):
        count = len(event.documents)
        return [Text(f"rendered {count} document{'s' if count != 1 else ''} "
                     "(f shows the diff against the live objects)", style("dim"))]
    if isinstance(event, RunFinished):
        summary = event.summary
        role = {"success": "done", "cancelled": "warning"}.get(summary.result, "error")
        reason = f": {summary.reason}" if summary.reason and summary.result != "success" \
            else ""
        return [Text(f"run {summary.result} after {seconds_text(summary.seconds)}{reason}",
                     style(role))]
    return []


def failure_lines(event: StageFailed, style: Styler) -> list[Text]:
    if event.reason in CANCELLED_REASONS:
        return [Text(f"■ {event.stage} cancelled after {seconds_text(event.seconds)}",
                     style("warning"))]
    lines = [Text(f"✗ {event.stage} failed after {seconds_text(event.seconds)}: "
                  f"{event.reason}", style("error"))]
    if event.hint:
        lines.append(Text(f"  hint: {event.hint}", style("hint")))
    lines.extend(Text(f"  │ {line}", style("podlog")) for line in event.logs)
    return lines


def diff_lines(diff: str, style: Styler) -> list[Text]:
    """A unified diff coloured as `git diff` does: headers bold, + added, - removed, @@
    hunks; "No changes" when applying the manifests changes nothing."""
    if not diff.strip():
        return [Text("No changes: the live objects already match the rendered manifests",
                     style("dim"))]
    out = []
    for line in diff.splitlines():
        if line.startswith(("diff ", "--- ", "+++ ")):
            role = "header"
        elif line.startswith("@@"):
            role = "hunk"
        elif line.startswith("+"):
            role = "added"
        elif line.startswith("-"):
            role = "removed"
        elif line.startswith("(no diff"):
            role = "warning"
        else:
            role = ""
        out.append(Text(line, style(role)) if role else Text(line))
    return out


ROLES = ("stage", "source", "done", "error", "hint", "podlog", "warning", "dim", "header",
         "hunk", "added", "removed")


class DeployOutput(Vertical):
    """`#deploy-output-title` over a switcher of `#deploy-log` and `#deploy-diff`."""

    COMPONENT_CLASSES = {f"output--{role}" for role in ROLES}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: dict[str, Style] = {}
        self._diff_note = "waiting for the manifests: the diff comes with the render stage"

    def compose(self) -> ComposeResult:
        yield Static("", id="deploy-output-title")
        with ContentSwitcher(initial="deploy-log", id="deploy-switcher"):
            yield TextView(id="deploy-log", max_lines=MAX_LOG_LINES, wrap=True)
            yield TextView(id="deploy-diff")

    def on_mount(self) -> None:
        self.log_view.follow = True
        self.diff_view.set_lines([Text(self._diff_note, self.style("dim"))])
        self._title()

    @property
    def log_view(self) -> TextView:
        return self.query_one("#deploy-log", TextView)

    @property
    def diff_view(self) -> TextView:
        return self.query_one("#deploy-diff", TextView)

    @property
    def showing(self) -> str:
        """"log" or "diff"."""
        current = self.query_one(ContentSwitcher).current or "deploy-log"
        return current.removeprefix("deploy-")

    @property
    def follow(self) -> bool:
        return self.log_view.follow

    def style(self, role: str) -> Style:
        """The role's style from deploy.tcss (resolved once, after the CSS applied)."""
        found = self._styles.get(role)
        if found is None:
            found = self._styles[role] = self.get_component_rich_style(f"output--{role}",
                                                                       partial=True)
        return found

    # -- content ---------------------------------------------------------------------------

    def add_events(self, events: Iterable[Event]) -> None:
        """Append the lines of a poll's events in one batch."""
        lines = [line for event in events for line in event_lines(event, self.style)]
        if lines:
            self.log_view.append(lines)

    def set_diff(self, diff: str | None) -> None:
        """The Rendered event's diff; None when the run computed none."""
        if diff is None:
            self.set_diff_note("this run computed no diff")
            return
        self.diff_view.set_lines(diff_lines(diff, self.style))

    def set_diff_note(self, note: str) -> None:
        """Why there is no diff to show (yet)."""
        self._diff_note = note
        self.diff_view.set_lines([Text(note, self.style("dim"))])

    def log_text(self) -> str:
        return self.log_view.plain_text()

    def diff_text(self) -> str:
        return self.diff_view.plain_text()

    # -- keys ------------------------------------------------------------------------------

    def toggle(self) -> str:
        """Show the diff instead of the log, or back; returns what shows now."""
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "deploy-diff" if self.showing == "log" else "deploy-log"
        self._title()
        return self.showing

    def toggle_follow(self) -> bool:
        view = self.log_view
        view.follow = not view.follow
        if view.follow:
            view.to_end()
        self._title()
        return view.follow

    def _title(self) -> None:
        if self.showing == "log":
            text = f"Log · autoscroll {'on' if self.follow else 'off'} (s) · f: diff"
        else:
            text = "Diff against the live objects · f: log"
        self.query_one("#deploy-output-title", Static).update(text)

    def focus_current(self) -> None:
        self.query_one(f"#deploy-{self.showing}", TextView).focus()
