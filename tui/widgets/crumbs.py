"""Breadcrumbs of the view stack at the bottom (k9s' `<pods> <containers>`)."""

from __future__ import annotations

from textual.widgets import Static


class Crumbs(Static):
    """The `crumb` of every view in the stack, the current one highlighted."""

    def on_mount(self) -> None:
        self.watch(self.app, "stack_crumbs", self._show)

    def _show(self, crumbs: tuple[str, ...]) -> None:
        parts = []
        for i, crumb in enumerate(crumbs):
            style = "reverse bold" if i == len(crumbs) - 1 else "reverse"
            parts.append(f"[{style}] <{_escape(crumb)}> [/]")
        self.update(" ".join(parts))


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
