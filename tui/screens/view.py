"""The base of every view in the stack: the shared frame around a view's own widgets.

Textual draws one screen at a time, so the k9s frame (header, key hints, breadcrumbs, flash)
is composed into each view; the frame widgets watch app-level reactives, so every copy shows
the same state. Subclasses set `crumb` and implement `compose_view()`.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from kubedeck.kube.discovery import APIResource
from tui import keymap
from tui.widgets.command_input import CommandInput
from tui.widgets.crumbs import Crumbs
from tui.widgets.flash import Flash
from tui.widgets.header import AppHeader


class ViewScreen(Screen):
    """One entry of the view stack (`esc` pops it, a `:command` replaces the whole stack)."""

    crumb: str = ""

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield CommandInput()
        yield from self.compose_view()
        yield Crumbs()
        yield Flash()
        yield Footer()

    def compose_view(self) -> ComposeResult:
        """The view's own widgets, between the header and the breadcrumbs."""
        yield from ()

    def open_command_input(self) -> None:
        self.query_one(CommandInput).open()

    @on(CommandInput.Run)
    def _command_submitted(self, event: CommandInput.Run) -> None:
        self.app.submit_command(event.text)

    def action_applies(self, action: str) -> bool:
        """Whether a binding of this view applies here: a view over one kind (a `resource`
        attribute) offers only the resource actions that kind supports (Shell on pods, Scale
        on deployments, both on `s`). Read-only refusals use it to name the right action."""
        resource = getattr(self, "resource", None)
        spec = keymap.BY_ID.get(action)
        if not isinstance(resource, APIResource) or spec is None \
                or spec.scope != keymap.RESOURCE:
            return True
        from tui import resource_actions

        return resource_actions.available(action, resource)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode unbinds mutating actions (hidden from hints, keys fall through)."""
        if keymap.is_mutating(action) and self.app.session.readonly:
            return False
        if keymap.yields_to_input(action, self.focused):
            return False
        return self.action_applies(action)

    def on_screen_resume(self) -> None:
        self.app.refresh_crumbs()
