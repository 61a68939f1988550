"""The explorer application: owns the Session, the view stack, flashes and the clock.

Views (screens) read `app.session` and call `app.flash`, `app.open_command` and `app.now`;
everything they must agree on lives here so a context switch is one assignment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import App
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from kubedeck.kube.discovery import APIResource
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.commands import Command, run_command
from tui.session import Session

FLASH_SECONDS = 5.0


class KubedeckApp(App):
    """k9s-like explorer over one Session at a time."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "kubedeck"
    BINDINGS = keymap.bindings(keymap.GLOBAL)

    flash_message: reactive[tuple[str, str]] = reactive(("", "information"))
    session_rev: reactive[int] = reactive(0)
    connection_state: reactive[tuple[bool, str]] = reactive((True, ""))
    namespace_keys: reactive[tuple[tuple[str, str | None], ...]] = reactive(())
    stack_crumbs: reactive[tuple[str, ...]] = reactive(())

    def __init__(self, session: Session, *, clock: Callable[[], float] | None = None,
                 start_command: str | None = None) -> None:
        super().__init__()
        self.session = session
        self._clock = clock or time.time
        self.start_command = start_command or "pods"
        self._flash_timer: Timer | None = None

    # -- what views use ------------------------------------------------------------------

    def now(self) -> float:
        """The clock of every AGE column (tests pass a fixed one)."""
        return self._clock()

    @property
    def keymap_config(self) -> dict[str, str]:
        """The config file's `keys:` (binding id -> keys), as given to `set_keymap`."""
        return dict(self.session.config.keys)

    def flash(self, text: str, severity: str = "information") -> None:
        """Show a one-line result or error under the view; it clears itself."""
        self.flash_message = (text, severity)
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash_timer = self.set_timer(FLASH_SECONDS, self._clear_flash)

    def _clear_flash(self) -> None:
        self.flash_message = ("", "information")

    def allowed(self, binding_id: str) -> bool:
        """False (with a flash) for a mutating action in read-only mode, however invoked."""
        if self.session.readonly and keymap.is_mutating(binding_id):
            self.flash(keymap.refused_message(binding_id), "warning")
            return False
        return True

    def open_command(self, text: str) -> None:
        """Run `text` as if typed after `:` (`pods`, `deploy kube-system`, `ctx`, `q`)."""
        run_command(self, text)

    def show_resource(self, resource: APIResource, command: Command, session: Session) -> None:
        """Open the list view of `resource` for a `:kind` command, replacing the stack."""
        if session is not self.session:
            return  # the context changed while the kind was being resolved
        if command.all_namespaces:
            self.switch_namespace(None, retarget=False)
        elif command.namespace:
            self.switch_namespace(command.namespace, retarget=False)
        from tui.screens.resources import ResourceScreen

        namespace = self.session.namespace if resource.namespaced else None
        self.reset_view(ResourceScreen(resource, namespace,
                                       label_selector=command.label_selector,
                                       crumb=resource.name))

    def switch_namespace(self, namespace: str | None, *, retarget: bool = True) -> None:
        """Make `namespace` (None = all) current and re-target the visible view's reflector."""
        self.session.namespace = namespace
        self.session_changed()
        if retarget:
            retarget_view = getattr(self.screen, "retarget", None)
            if retarget_view is not None:
                retarget_view(namespace)

    def run_builtin(self, command: Command) -> None:
        """`:ns`, `:ctx`, `:pf`, `:help`, `:aliases`."""
        if command.verb == "ns":
            if command.arg:
                self.switch_namespace(None if command.arg == "all" else command.arg)
            else:
                self.open_command("namespaces")
        else:
            self.flash(f":{command.verb} is not available in this build", "warning")

    # -- the view stack ------------------------------------------------------------------

    def views(self) -> list[Screen]:
        """The view stack above Textual's default screen, bottom first."""
        return list(self.screen_stack[1:])

    def reset_view(self, screen: Screen) -> None:
        """A command replaces the whole stack with its view (k9s)."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    def push_view(self, screen: Screen) -> None:
        """Drill-downs push; `esc` pops back."""
        self.push_screen(screen)

    def refresh_crumbs(self) -> None:
        self.stack_crumbs = tuple(getattr(s, "crumb", "") or s.__class__.__name__
                                  for s in self.views())

    # -- lifecycle -----------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        """An empty frame under the view stack, so the header and flash show even before
        (or without) a first view."""
        from tui.screens.view import ViewScreen

        return ViewScreen()

    def on_mount(self) -> None:
        if self.session.config.keys:
            self.set_keymap(dict(self.session.config.keys))
        self.session_changed()
        self.open_command(self.start_command)

    def session_changed(self) -> None:
        """Redraw what depends on the session (header, namespace keys)."""
        self.namespace_keys = self._namespace_keys()
        self.session_rev += 1

    def _namespace_keys(self) -> tuple[tuple[str, str | None], ...]:
        favorites = self.session.config.favorites_for(self.session.context)[:9]
        return (("0", None), *((str(i), ns) for i, ns in enumerate(favorites, start=1)))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Worker errors become one flash line, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.flash(error_line(event.worker.error), "error")

    # -- global actions (ids in tui/keymap.py) --------------------------------------------

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_quit(self) -> None:
        self.exit()


def error_line(exc: BaseException) -> str:
    """One line for the flash: our errors already read well; others get their type."""
    if isinstance(exc, KubedeckError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
