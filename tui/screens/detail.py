"""One text viewer for describe, YAML, events and a decoded secret.

The text is fetched in a thread worker and re-fetched every `config.refresh_rate` seconds
while the view is open, so it follows the object; when the object disappears the last text
stays on screen under a banner saying it was deleted.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Input, Static

from kubedeck.kube.actions.ref import ObjectRef
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.app import error_line
from tui.detail_text import fetcher, is_deleted, ref_label, styled
from tui.screens.text_keys import TextViewScreen
from tui.textview import TextView

TITLES = {"describe": "Describe", "yaml": "YAML", "events": "Events", "decode": "Decoded"}


class DetailScreen(TextViewScreen):
    """Read-only text about one object; `mode` is one of tui.detail_text.MODES."""

    CSS_PATH = Path(__file__).parent.parent / "detail.tcss"
    BINDINGS = [*keymap.bindings(keymap.DETAIL),
                Binding("w", "wrap", "Wrap", id="detail_wrap")]

    def __init__(self, mode: str, ref: ObjectRef) -> None:
        super().__init__()
        self.mode = mode
        self.ref = ref
        self.crumb = mode
        self.managed_fields = False
        self.deleted = False
        self.text = ""
        self.loaded = False
        self._timer: Timer | None = None

    def compose_view(self) -> ComposeResult:
        yield Static(self._title(), id="detail-title")
        yield Static("", id="detail-banner")
        yield TextView(id="detail-text")
        yield Input(placeholder="find (regex)", id="detail-find")

    def _title(self) -> str:
        extra = " (managedFields shown)" if self.managed_fields and self.mode == "yaml" else ""
        return f"{TITLES[self.mode]}: {ref_label(self.ref)}{extra}"

    def on_mount(self) -> None:
        self.view.focus()
        self.load()
        refresh = self.app.session.config.refresh_rate
        if refresh > 0:
            self._timer = self.set_interval(refresh, self.load)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "yaml_managed":
            return self.mode == "yaml"
        return super().check_action(action, parameters)

    # -- fetching ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def load(self) -> None:
        """Fetch the text (blocking) and hand it to the event loop."""
        if self.deleted:
            return
        session = self.app.session
        fetch = fetcher(self.mode, session.conn, session.discovery, self.ref, self.app.now,
                        managed_fields=self.managed_fields)
        try:
            text = fetch()
        except KubedeckError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        if text != self.text:
            self.app.call_from_thread(self._show, text, styled(self.mode, text))
        else:
            self.app.call_from_thread(self._show_same)

    def _show(self, text: str, lines: list[Text]) -> None:
        if not self.is_attached:
            return
        self._show_same()
        self.text = text
        self.view.set_lines(lines)

    def _show_same(self) -> None:
        """A fetch worked: a banner left by an earlier failed one (connection lost) goes."""
        if not self.is_attached:
            return
        self.loaded = True
        self.query_one("#detail-banner", Static).remove_class("-shown")

    def _failed(self, exc: KubedeckError) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        banner = self.query_one("#detail-banner", Static)
        if is_deleted(self.ref, exc):
            self.deleted = True
            if self._timer is not None:
                self._timer.stop()
            banner.update(f"{ref_label(self.ref)} was deleted")
        else:
            banner.update(error_line(exc))
        banner.add_class("-shown")

    # -- keys (ids in tui/keymap.py) -------------------------------------------------------

    def action_yaml_managed(self) -> None:
        self.managed_fields = not self.managed_fields
        self.query_one("#detail-title", Static).update(self._title())
        self.load()
