"""The explorer application: owns the Session, the view stack, flashes, the clock and the
connection probe.

Views (screens) read `app.session` and call `app.flash`, `app.open_command` and `app.now`;
everything they must agree on lives here so a context switch is one assignment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from kubedeck.config import remember_namespace, state_path
from kubedeck.kube.discovery import APIResource
from kubedeck.kube.errors import ApiError, ConnectError, KubedeckError
from tui import keymap
from tui.cloud_access import CloudAccess
from tui.commands import Command, History, run_command
from tui.deploys import TICK_SECONDS, Deploys, DeploySetup
from tui.palette import KubedeckCommands
from tui.session import Session, server_version

if TYPE_CHECKING:
    from pipelines.job import DeployJob

FLASH_SECONDS = 5.0
PROBE_SECONDS = 5.0


class KubedeckApp(App):
    """k9s-like explorer over one Session at a time."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "kubedeck"
    BINDINGS = keymap.bindings(keymap.GLOBAL)
    COMMAND_PALETTE_BINDING = "ctrl+p"
    COMMANDS = App.COMMANDS | {KubedeckCommands}

    flash_message: reactive[tuple[str, str]] = reactive(("", "information"))
    session_rev: reactive[int] = reactive(0)
    connection_state: reactive[tuple[bool, str]] = reactive((True, ""))
    namespace_keys: reactive[tuple[tuple[str, str | None], ...]] = reactive(())
    stack_crumbs: reactive[tuple[str, ...]] = reactive(())
    deploy_status: reactive[tuple[str, str]] = reactive(("", ""))  # (text, job state)

    def __init__(self, session: Session, *, clock: Callable[[], float] | None = None,
                 start_command: str | None = None, probe_seconds: float = PROBE_SECONDS,
                 discovery_cache: bool = True, readonly: bool = False,
                 cloud: CloudAccess | None = None, deploys: DeploySetup | None = None) -> None:
        """`readonly` is the command line's --readonly: it holds for every context. `cloud`
        is where `:gke` and `:images` get Google Cloud from (default: ADC, made on first use).
        `deploys`: the pipeline file given with --pipeline, the demo world and its sample app."""
        super().__init__()
        self.session = session
        self.cloud = cloud or CloudAccess.from_config(session.config)
        self._clock = clock or time.time
        self.start_command = start_command or "pods"
        self.probe_seconds = probe_seconds
        self.discovery_cache = discovery_cache
        self.force_readonly = readonly
        self.history = History([])
        self.view_command: Command | None = None
        self._flash_timer: Timer | None = None
        self.flash_seconds = FLASH_SECONDS
        setup = deploys or DeploySetup()
        self.deploys = Deploys(self, pipeline=setup.pipeline, demo=setup.demo,
                               sample=setup.sample, history=setup.history)

    # -- what views use ------------------------------------------------------------------

    def now(self) -> float:
        """The clock of every AGE column (tests pass a fixed one)."""
        return self._clock()

    @property
    def keymap_config(self) -> dict[str, str]:
        """Binding id -> keys in effect (the config file's `keys:`, see keymap.effective)."""
        return keymap.effective(self.session.config.keys)

    def flash(self, text: str, severity: str = "information", *, sticky: bool = False) -> None:
        """Show a one-line result or error under the view; it clears itself unless sticky."""
        self.flash_message = (text, severity)
        if self._flash_timer is not None:
            self._flash_timer.stop()
            self._flash_timer = None
        if not sticky:
            self._flash_timer = self.set_timer(self.flash_seconds, self._clear_flash)

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

    def submit_command(self, text: str) -> None:
        """A line typed at the `:` prompt: recorded for `[` / `]`, then run."""
        self.history.record(text)
        self.open_command(text)

    def show_resource(self, resource: APIResource, command: Command, session: Session) -> None:
        """Open the list view of `resource` for a `:kind` command, replacing the stack."""
        if session is not self.session:
            return  # the context changed while the kind was being resolved
        if command.all_namespaces:
            self.switch_namespace(None, retarget=False)
        elif command.namespace:
            self.switch_namespace(command.namespace, retarget=False)
        from tui.screens.resources import ResourceScreen

        self.view_command = command
        namespace = self.session.namespace if resource.namespaced else None
        self.reset_view(ResourceScreen(resource, namespace,
                                       label_selector=command.label_selector,
                                       crumb=resource.name))

    def switch_namespace(self, namespace: str | None, *, retarget: bool = True) -> None:
        """Make `namespace` (None = all) current and re-target the visible view's reflector."""
        session = self.session
        session.namespace = namespace
        if namespace is not None:
            self._remember_namespace(session, namespace)
        self.session_changed()
        if retarget:
            retarget_view = getattr(self.screen, "retarget", None)
            if retarget_view is not None:
                retarget_view(namespace)

    @work(thread=True, group="recent-namespaces", exit_on_error=False)
    def _remember_namespace(self, session: Session, namespace: str) -> None:
        """k9s keeps recently used namespaces for the number keys; so do we, on disk."""
        try:
            recent = remember_namespace(state_path(), session.context, namespace)
        except OSError:
            return  # an unwritable state directory only costs the shortcut
        self.call_from_thread(self._set_recent, session, recent)

    def _set_recent(self, session: Session, recent: tuple[str, ...]) -> None:
        session.recent_namespaces = recent
        if session is self.session:
            self.namespace_keys = self._namespace_keys()

    def run_builtin(self, command: Command) -> None:
        """`:ns`, `:ctx`, `:pf`, `:help`, `:aliases`, `:gke`, `:images`, `:runs`."""
        if command.verb == "ns":
            if command.arg:
                self.switch_namespace(None if command.arg == "all" else command.arg)
            else:
                self.open_command("namespaces")
        elif command.verb == "ctx":
            if command.arg:
                self.switch_context(command.arg)
            else:
                from tui.screens.contexts import ContextsScreen

                self.reset_view(ContextsScreen())
        elif command.verb == "pf":
            from tui.screens.portforwards import PortForwardsScreen

            self.reset_view(PortForwardsScreen())
        elif command.verb == "help":
            self.action_help()
        elif command.verb == "gke":
            from tui.screens.gke import GkeScreen

            self.reset_view(GkeScreen(command.arg or None))
        elif command.verb == "images":
            from tui.screens.images import open_images

            open_images(self, command.arg or None)
        elif command.verb == "runs":
            from tui.screens.runs import RunsScreen

            self.reset_view(RunsScreen(command.arg or None))
        else:
            from tui.screens.help import AliasesScreen

            self.reset_view(AliasesScreen())

    # -- contexts ------------------------------------------------------------------------

    def switch_context(self, name: str) -> None:
        """Connect to `name` in a worker; the current session stays until that succeeds."""
        if name == self.session.context:
            self.flash(f'already on context "{name}"')
            return
        old = self.session
        self.switch_session(f'context "{name}"', lambda progress: Session.open(
            config=old.config, kubeconfig_path=old.kubeconfig_path, context=name,
            readonly=self.force_readonly, request_timeout=old.request_timeout,
            discovery_cache=self.discovery_cache))

    def switch_session(self, label: str,
                       opener: Callable[[Callable[[str], None]], Session]) -> None:
        """Open a new session with `opener(progress)` in a worker and install it live (`:ctx`,
        `:gke`); the current session stays until that succeeds, and a later switch supersedes
        this one. `label` names the target in the flash (`context "x"`)."""
        self.flash(f"switching to {label}…", sticky=True)
        self._open_session(label, opener, self.session)

    @work(thread=True, exclusive=True, group="context", exit_on_error=False)
    def _open_session(self, label: str, opener: Callable[[Callable[[str], None]], Session],
                      old: Session) -> None:
        worker = get_current_worker()

        def progress(text: str) -> None:
            if not worker.is_cancelled:
                self.call_from_thread(self.flash, f"{label}: {text}…", sticky=True)

        try:
            new = opener(progress)
        except KubedeckError as exc:
            self.call_from_thread(self.flash, f"cannot switch to {label}: "
                                  f"{error_line(exc).removeprefix('error: ')}", "error")
            return
        if worker.is_cancelled:  # a later switch superseded this one
            new.close()
            return
        self.call_from_thread(self._install_session, new, old, label)

    def _install_session(self, new: Session, old: Session, label: str) -> None:
        """Swap sessions and rebuild the view of the same kind in the new context."""
        if old is not self.session:
            new.close()
            return
        self.session = new
        self.connection_state = (True, "")
        self.session_changed()
        kind = self.view_command.arg if self.view_command else "pods"
        self.flash(f"switched to {label}")
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.open_command(kind)
        self.call_after_refresh(self._close_session, old)

    @work(thread=True, group="close-session", exit_on_error=False)
    def _close_session(self, session: Session) -> None:
        session.close()

    # -- the view stack ------------------------------------------------------------------

    def views(self) -> list[Screen]:
        """The view stack above the base frame, bottom first."""
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
                                  for s in self.views() if not isinstance(s, ModalScreen))

    # -- lifecycle -----------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        """An empty frame under the view stack, so the header and flash show even before
        (or without) a first view."""
        from tui.screens.view import ViewScreen

        return ViewScreen()

    def on_mount(self) -> None:
        keys = self.keymap_config
        if keys:
            self.set_keymap(keys)
        self.session_changed()
        self.history.record(self.start_command)
        self.open_command(self.start_command)
        if self.probe_seconds > 0:
            self.set_interval(self.probe_seconds, self._probe)
        self.set_interval(TICK_SECONDS, self.deploys.tick)

    def session_changed(self) -> None:
        """Redraw what depends on the session (header, namespace keys)."""
        self.namespace_keys = self._namespace_keys()
        self.session_rev += 1

    def _namespace_keys(self) -> tuple[tuple[str, str | None], ...]:
        """`0` all, then 1-9: the config's favourites first, then recently used ones."""
        session = self.session
        names = dict.fromkeys((*session.config.favorites_for(session.context),
                               *session.recent_namespaces))
        return (("0", None), *((str(i), ns) for i, ns in enumerate(list(names)[:9], start=1)))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Worker errors become one flash line, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.flash(error_line(event.worker.error), "error")

    # -- the connection indicator --------------------------------------------------------

    def _probe(self) -> None:
        self._probe_server(self.session)

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False)
    def _probe_server(self, session: Session) -> None:
        """GET /version: the header's link indicator (reflectors reconnect by themselves)."""
        try:
            server_version(session.conn)
        except KubedeckError as exc:
            self.call_from_thread(self._link, session, False, link_reason(exc))
            return
        except ValueError as exc:
            self.call_from_thread(self._link, session, False, f"bad /version answer: {exc}")
            return
        self.call_from_thread(self._link, session, True, "")

    def _link(self, session: Session, ok: bool, reason: str) -> None:
        if session is not self.session:
            return
        was_ok = self.connection_state[0]
        self.connection_state = (ok, "" if ok else "disconnected")
        server = session.conn.server
        if was_ok and not ok:
            self.flash(f"connection to {server} lost: {reason} — retrying", "error",
                       sticky=True)
        elif ok and not was_ok:
            self.flash(f"reconnected to {server}")

    # -- keys ----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """A key no binding took: in read-only mode, say so if it is a disabled action's."""
        if not self.session.readonly:
            return
        refused = keymap.refused_for_key(self.screen, event.key, self.keymap_config) or \
            keymap.refused_for_key(self, event.key, self.keymap_config)
        if refused is not None:
            event.stop()
            self.flash(keymap.refused_message(refused), "warning")

    # -- global actions (ids in tui/keymap.py) --------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if keymap.yields_to_input(action, self.focused):
            return False
        if keymap.is_mutating(action) and self.session.readonly:
            return False  # hidden; on_key says why the key does nothing
        if action == "filter":  # a view without a filter lets `/` reach its own binding (find)
            return hasattr(self.screen, "action_filter")
        return True

    def action_command(self) -> None:
        open_input = getattr(self.screen, "open_command_input", None)
        if open_input is not None:
            open_input()

    def action_filter(self) -> None:
        screen_filter = getattr(self.screen, "action_filter", None)
        if screen_filter is not None:
            screen_filter()

    def action_deploy(self) -> None:
        """Ship the app of the pipeline file (tui/deploy_flow.py: pick, confirm, run)."""
        if self.allowed("deploy"):
            from tui.deploy_flow import request_deploy

            request_deploy(self)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_view(HelpScreen(self.screen))

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_quit(self) -> None:
        """Quit; a running deploy is cancelled first (after asking), so quitting never
        leaves a rollout half done."""
        job = self.deploys.active
        if job is None:
            self.exit()
        else:
            self._confirm_quit(job)

    @work(exclusive=True, group="quit")
    async def _confirm_quit(self, job: DeployJob) -> None:
        from tui.screens.dialogs import ConfirmDialog

        quit_now = await self.push_screen_wait(ConfirmDialog(
            "Quit kubedeck?", f"{job.title} is still running. Quitting cancels it first: the "
            "run stops at its next step and the live Service stays on healthy pods.",
            ok="Cancel the run and quit"))
        if quit_now:
            job.cancel()
            self.flash(f"cancelling {job.title}, then quitting…", "warning", sticky=True)
            self._quit_after(job)

    @work(thread=True, group="quit-wait", exit_on_error=False)
    def _quit_after(self, job: DeployJob) -> None:
        job.wait()
        self.call_from_thread(self.exit)

    def action_history_back(self) -> None:
        text = self.history.back()
        if text is not None:
            self.open_command(text)

    def action_history_forward(self) -> None:
        text = self.history.forward()
        if text is not None:
            self.open_command(text)

    def action_ns_all(self) -> None:
        self.switch_namespace(None)

    def _favourite(self, number: int) -> None:
        keys = dict(self.namespace_keys)
        if str(number) in keys:
            self.switch_namespace(keys[str(number)])
        else:
            self.flash(f"no namespace on {number}: add favorites to the config file", "warning")


for _number in range(1, 10):
    setattr(KubedeckApp, f"action_ns_fav_{_number}",
            lambda self, number=_number: self._favourite(number))


def link_reason(exc: KubedeckError) -> str:
    """A few words for the lost-connection banner (the full text is kubectl's long line)."""
    if isinstance(exc, ApiError):
        return f"{exc.code} {exc.reason}"
    if isinstance(exc, ConnectError):
        text = exc.message
        if exc.kind == "tls":
            return "TLS failure"
        if exc.kind == "timeout":
            return "no answer in time"
        if "refused" in text:
            return "connection refused"
        if "does not resolve" in text:
            return "host name does not resolve"
        if "timed out" in text:
            return "timed out connecting"
    return error_line(exc).removeprefix("error: ").split(" - ")[0]


def error_line(exc: BaseException) -> str:
    """One line for the flash: our errors already read well; others get their type."""
    if isinstance(exc, KubedeckError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
