"""The base of a view that shows one text in the virtual viewer (describe, YAML, events, a
past run's log): `/` find with `n`/`N`, `c` copy, `w` wrap. The views differ in what they
load; what the user does with the text once it is there is the same."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from tui.logbuffer import compile_filter
from tui.screens.view import ViewScreen
from tui.textview import TextView


class TextViewScreen(ViewScreen):
    """Subclasses compose a TextView `#detail-text` and an Input `#detail-find` (shown while
    the user types a search) and keep the text they show in `text`."""

    text: str = ""

    @property
    def view(self) -> TextView:
        return self.query_one("#detail-text", TextView)

    def action_find(self) -> None:
        find = self.query_one("#detail-find", Input)
        find.add_class("-shown")
        self.set_focus(find)  # now: keys queued behind `/` are search text

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.view.search = compile_filter(event.value)
        event.input.remove_class("-shown")
        self.view.focus()
        if self.view.search is not None and self.view.next_match() is None:
            self.app.flash(f"no match for {event.value!r}", "warning")

    def on_key(self, event: events.Key) -> None:
        find = self.query_one("#detail-find", Input)
        if event.key == "escape" and find.has_focus:
            event.stop()
            find.remove_class("-shown")
            self.view.focus()

    def action_find_next(self) -> None:
        self.view.next_match(forward=True)

    def action_find_prev(self) -> None:
        self.view.next_match(forward=False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        lines = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
        self.app.flash(f"copied {lines} lines to the clipboard")

    def action_wrap(self) -> None:
        self.view.wrap = not self.view.wrap

    def plain_lines(self) -> list[str]:
        """What is on display, as plain text (tests and copy use it)."""
        return [line.plain for line in self.view.lines]
