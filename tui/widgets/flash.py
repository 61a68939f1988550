"""The flash line: one-line results and errors that clear themselves (k9s' flash)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

SEVERITIES = ("information", "warning", "error")


class Flash(Static):
    """Shows the app's current flash message; every view has one, all show the same text."""

    def on_mount(self) -> None:
        self.watch(self.app, "flash_message", self._show)

    def _show(self, message: tuple[str, str]) -> None:
        text, severity = message
        self.update(Text(text))  # server messages may hold "[...]": never parse as markup
        for name in SEVERITIES:
            self.set_class(name == severity and bool(text), f"-{name}")
