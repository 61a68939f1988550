"""Streaming logs of one container, or of every pod of a workload interleaved.

A thread worker reads the stream into a bounded inbox; a 100 ms timer moves what arrived into
the ring buffer and the viewer in one batch, so a fast stream costs one redraw per tick and
never more memory than `config.logs.buffer` lines. Changing since/timestamps/container/previous
restarts the stream (the server does the work, as kubectl does).
"""

from __future__ import annotations

import os
import threading
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from kubedeck.kube import actions
from kubedeck.kube.actions import LogOptions
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.logbuffer import (
    SINCE_CHOICES,
    Inbox,
    LogBuffer,
    LogLine,
    compile_filter,
    decode_line,
    pretty_json,
    save_lines,
    since_from_config,
    since_label,
)
from tui.screens.dialogs import ContainerPicker
from tui.screens.view import ViewScreen
from tui.textview import TextView

FLUSH_SECONDS = 0.1
_PREFIX_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan",
                   "bright_magenta", "bright_green")


@dataclass(frozen=True)
class LogTarget:
    """What to stream: one pod, or several (a workload's) interleaved with a prefix."""

    namespace: str
    pods: tuple[str, ...]
    container: str | None
    containers: tuple[str, ...] = ()
    label: str = ""          # `deployment shop/web` for a workload; the pod otherwise
    previous: bool = False

    @property
    def multi(self) -> bool:
        return len(self.pods) > 1 or bool(self.label)


def prefix_style(source: str) -> str:
    """A stable colour per `pod/container`, so interleaved lines are told apart at a glance."""
    return _PREFIX_COLOURS[zlib.crc32(source.encode()) % len(_PREFIX_COLOURS)]


def render_line(line: LogLine, json_pretty: bool) -> Text:
    """One log line as display text: prefix coloured, ANSI colours kept, JSON optionally
    indented (several rows of one line)."""
    body = "\n".join(pretty_json(line.text)) if json_pretty else line.text
    text = Text.from_ansi(body) if "\x1b" in body else Text(body)
    if "\t" in body:
        text.expand_tabs(8)
    if line.source:
        text = Text.assemble((line.source, prefix_style(line.source)), " ", text)
    return text


def logs_dir(configured: str) -> Path:
    """Where `ctrl+s` saves: the config's screenDumpDir, else $XDG_STATE_HOME/kubedeck/logs."""
    if configured:
        return Path(configured).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "kubedeck" / "logs"


class LogsScreen(ViewScreen):
    """The logs view (`l`, `p`)."""

    CSS_PATH = Path(__file__).parent.parent / "detail.tcss"
    BINDINGS = [*keymap.bindings(keymap.LOGS),
                Binding("p", "logs_previous", "Previous", id="logs_previous")]

    def __init__(self, target: LogTarget) -> None:
        super().__init__()
        self.target = target
        self.crumb = "logs"
        settings = self.app.session.config.logs
        self.buffer = LogBuffer(settings.buffer)
        self.inbox = Inbox(settings.buffer)
        since = since_from_config(settings.since)
        self.opts = LogOptions(container=target.container, previous=target.previous,
                               timestamps=settings.timestamps,
                               since_seconds=since, tail_lines=settings.tail if since is None
                               else None, follow=not target.previous)
        self.json_pretty = False
        self.wrap = settings.wrap
        self.ended = ""
        self._stop = threading.Event()
        self._generation = 0

    def compose_view(self) -> ComposeResult:
        yield Static("", id="logs-title")
        yield Static("", id="logs-banner")
        yield TextView(id="logs-text", max_lines=self.buffer.maxlen, wrap=self.wrap)
        yield Input(placeholder="filter (regex; invalid regex matches literally)",
                    id="logs-find")

    @property
    def view(self) -> TextView:
        return self.query_one("#logs-text", TextView)

    def on_mount(self) -> None:
        self.view.follow = True
        self.view.focus()
        self.set_interval(FLUSH_SECONDS, self.flush)
        self.restart()

    def on_unmount(self) -> None:
        self._stop.set()

    # -- the stream ----------------------------------------------------------------------

    def restart(self) -> None:
        """Stop the current stream and read again with the current options."""
        self._stop.set()
        self._stop = threading.Event()
        self._generation += 1
        self.inbox.drain()
        self.buffer.clear()
        self.view.clear()
        self.ended = ""
        self._banner("")
        self._update_title()
        self._read(self._stop, self._generation, self.opts)

    @work(thread=True, exit_on_error=False, group="logs")
    def _read(self, stop: threading.Event, generation: int, opts: LogOptions) -> None:
        conn = self.app.session.conn
        target = self.target
        container = opts.container or ""
        try:
            if target.multi:
                for pod, raw in actions.merge_streams(conn, target.namespace, target.pods, opts,
                                                      stop):
                    source = f"{pod}/{container}" if container else pod
                    self.inbox.put(LogLine(source, decode_line(raw)))
            else:
                for raw in actions.stream_logs(conn, target.namespace, target.pods[0], opts, stop):
                    self.inbox.put(LogLine("", decode_line(raw)))
        except KubedeckError as exc:
            if not stop.is_set():
                self._end(generation, str(exc))
            return
        if not stop.is_set():
            self._end(generation, self._end_reason(opts))

    def _end_reason(self, opts: LogOptions) -> str:
        """Why a stream ended by itself: the pod went away, or it was not a follow stream."""
        if not self.target.multi:
            pod = self.target.pods[0]
            try:
                self.app.session.conn.get(f"/api/v1/namespaces/{self.target.namespace}/pods/{pod}")
            except KubedeckError:
                return f"stream ended: pod {self.target.namespace}/{pod} was deleted"
        return "stream ended" if opts.follow else "end of log"

    def _end(self, generation: int, message: str) -> None:
        def show() -> None:
            if self.is_attached and generation == self._generation:
                self.flush()
                self.ended = message
                self._banner(message)
        try:
            self.app.call_from_thread(show)
        except RuntimeError:
            return  # the app is gone

    def flush(self) -> None:
        """Move what the stream delivered since the last tick into the buffer and view."""
        lines = self.inbox.drain()
        if not lines:
            return
        self.buffer.extend(lines)
        self.view.append([render_line(line, self.json_pretty) for line in lines])

    def _rerender(self) -> None:
        self.view.set_lines([render_line(line, self.json_pretty) for line in self.buffer])

    def _banner(self, message: str) -> None:
        banner = self.query_one("#logs-banner", Static)
        banner.update(message)
        banner.set_class(bool(message), "-shown")

    def title_text(self) -> str:
        t = self.target
        what = t.label or f"{t.namespace}/{t.pods[0]}"
        parts = [f"Logs: {what}"]
        if self.opts.container:
            parts.append(f"container {self.opts.container}")
        if self.opts.previous:
            parts.append("previous")
        parts.append(f"since {since_label(self.opts.since_seconds)}")
        parts.append(f"autoscroll {'on' if self.view.follow else 'off'}")
        if self.opts.timestamps:
            parts.append("timestamps")
        if self.json_pretty:
            parts.append("json")
        if self.view.wrap:
            parts.append("wrap")
        if self.view.filter is not None:
            parts.append(f"filter /{self.view.filter.pattern}/")
        return " · ".join(parts)

    def _update_title(self) -> None:
        self.query_one("#logs-title", Static).update(self.title_text())

    # -- keys (ids in tui/keymap.py) -------------------------------------------------------

    def action_logs_follow(self) -> None:
        self.view.follow = not self.view.follow
        if self.view.follow:
            self.view.to_end()
        self._update_title()

    def action_logs_wrap(self) -> None:
        self.view.wrap = not self.view.wrap
        self._update_title()

    def action_logs_timestamps(self) -> None:
        self.opts = replace(self.opts, timestamps=not self.opts.timestamps)
        self.restart()

    def _since(self, key: str) -> None:
        """A time window replaces the tail count (all lines of the last hour, not the last
        200 of them); the ring buffer still bounds what is kept."""
        seconds = SINCE_CHOICES[key]
        tail = self.app.session.config.logs.tail if seconds is None else None
        self.opts = replace(self.opts, since_seconds=seconds, tail_lines=tail)
        self.restart()

    def action_logs_since_tail(self) -> None:
        self._since("0")

    def action_logs_since_1m(self) -> None:
        self._since("1")

    def action_logs_since_5m(self) -> None:
        self._since("2")

    def action_logs_since_15m(self) -> None:
        self._since("3")

    def action_logs_since_1h(self) -> None:
        self._since("4")

    def action_logs_json(self) -> None:
        self.json_pretty = not self.json_pretty
        self._rerender()
        self._update_title()

    def action_logs_previous(self) -> None:
        previous = not self.opts.previous
        self.opts = replace(self.opts, previous=previous, follow=not previous)
        self.restart()

    def action_logs_container(self) -> None:
        choices = self.target.containers
        if len(choices) < 2:
            self.app.flash("this pod has one container", "warning")
            return

        def chosen(name: str | None) -> None:
            if name:
                self.opts = replace(self.opts, container=name)
                self.restart()

        self.app.push_screen(ContainerPicker(self.target.label or self.target.pods[0], choices),
                             chosen)

    def action_logs_find(self) -> None:
        find = self.query_one("#logs-find", Input)
        find.add_class("-shown")
        self.set_focus(find)  # now: keys queued behind `/` are filter text

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.view.filter = compile_filter(event.value)
        event.input.remove_class("-shown")
        self.view.focus()
        self._update_title()

    def on_key(self, event) -> None:
        find = self.query_one("#logs-find", Input)
        if event.key == "escape" and find.has_focus:
            event.stop()
            find.remove_class("-shown")
            self.view.focus()

    def action_logs_save(self) -> None:
        stamp = datetime.fromtimestamp(self.app.now(), UTC).strftime("%Y%m%d-%H%M%S")
        t = self.target
        name = "-".join(p for p in (t.namespace, t.label.split(" ")[-1].split("/")[-1]
                                    if t.label else t.pods[0], self.opts.container, stamp) if p)
        path = logs_dir(self.app.session.config.screen_dump_dir) / f"{name}.log"
        self._save(list(self.buffer), path)

    @work(thread=True, exit_on_error=False, group="logs-save")
    def _save(self, lines: list[LogLine], path: Path) -> None:
        try:
            save_lines(lines, path)
        except OSError as exc:
            self.app.call_from_thread(self.app.flash,
                                      f"cannot save logs to {path}: {exc.strerror}", "error")
            return
        self.app.call_from_thread(self.app.flash, f"saved {len(lines)} lines to {path}")
