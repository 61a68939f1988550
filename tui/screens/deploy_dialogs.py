"""The deploy key's dialogs: which pipeline file (PipelineFileDialog) and what is about to
happen (DeployConfirmDialog). Both return a DeployPlan, so the flow (tui/deploy_flow.py) only
starts what the user saw.

Planning reads files and may run git, so the dialogs plan in thread workers through a
`Planner` the flow gives them, and keep their buttons idle until the answer is back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from kubedeck.kube.errors import KubedeckError
from tui.screens.dialogs import _Dialog

if TYPE_CHECKING:
    from pipelines.job import DeployPlan, RunRequest

VERBS = {"run": "Deploy", "promote": "Promote", "abort": "Abort", "rollback": "Roll back"}


@dataclass(frozen=True)
class Planner:
    """How the dialogs plan (all blocking: call them from thread workers). `file` plans the
    path the user typed (relative to the working directory; a folder means its
    kubedeck.yaml); `request` re-plans a request; `suggestions` are the pipeline files worth
    offering."""

    file: Callable[[str], DeployPlan]
    request: Callable[[RunRequest], DeployPlan]
    suggestions: tuple[str, ...] = ()


def say(label: Label, text: str) -> None:
    """A status or error line takes room only while it has something to say."""
    label.update(text)
    label.display = bool(text)


class PipelineFileDialog(_Dialog["DeployPlan"]):
    """Ask for the pipeline file; a file that does not load says why here, and the dialog
    stays until a good one is given or the user cancels."""

    DEFAULT_CSS = """
    PipelineFileDialog #files { height: auto; max-height: 8; margin-top: 1; }
    PipelineFileDialog #status { color: $text-muted; }
    PipelineFileDialog #status, PipelineFileDialog #error { display: none; }
    PipelineFileDialog Label { width: 100%; }
    """

    def __init__(self, planner: Planner, reason: str = "") -> None:
        super().__init__()
        self.planner = planner
        self.reason = reason
        self.checking = False

    def compose(self) -> ComposeResult:
        suggestions = list(self.planner.suggestions)
        with Vertical():
            yield Label("Pipeline file", classes="title")
            if self.reason:
                yield Label(self.reason, id="reason", markup=False)
            yield Input(placeholder="path of a kubedeck.yaml (or of its folder)", id="path",
                        suggester=SuggestFromList(suggestions, case_sensitive=True))
            if suggestions:
                yield OptionList(*[Option(s, id=s) for s in suggestions], id="files")
            yield Label("", id="status")
            yield Label("", id="error", classes="error", markup=False)
            yield self.buttons("Use file")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#path", Input).value = event.option.id or ""
        self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        if self.checking:
            return
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self._show_error("type the path of a kubedeck.yaml (or pick one of the list)")
            return
        self.checking = True
        self.query_one("#ok", Button).disabled = True
        say(self.query_one("#status", Label), f"reading {text}…")
        say(self.query_one("#error", Label), "")
        self._plan(text)

    @work(thread=True, exclusive=True, group="pipeline-file", exit_on_error=False)
    def _plan(self, text: str) -> None:
        try:
            planned = self.planner.file(text)
        except KubedeckError as exc:
            self.app.call_from_thread(self._show_error, exc.message)
            return
        self.app.call_from_thread(self._planned, planned)

    def _planned(self, planned: DeployPlan) -> None:
        if self.is_current:
            self.dismiss(planned)

    def _show_error(self, message: str) -> None:
        self.checking = False
        if not self.is_attached:
            return
        self.query_one("#ok", Button).disabled = False
        say(self.query_one("#status", Label), "")
        say(self.query_one("#error", Label), message.removeprefix("error: "))


class DeployConfirmDialog(_Dialog["DeployPlan"]):
    """What a run would do: file, app, target (where, namespace), strategy and the image tags
    about to be built; the target can be changed (and must be picked when the current context
    matches none), blue-green promotion switched, another file chosen. The result is the plan
    to start; `y` confirms, `n` or `escape` cancels."""

    BINDINGS = [Binding("y", "ok", "Yes", show=False), Binding("n", "cancel", "No", show=False)]
    DEFAULT_CSS = """
    DeployConfirmDialog > Vertical { width: 84; }
    DeployConfirmDialog #details { margin-bottom: 1; }
    DeployConfirmDialog #target { width: 1fr; }
    DeployConfirmDialog #status { color: $text-muted; }
    DeployConfirmDialog #choice, DeployConfirmDialog #status, DeployConfirmDialog #error {
        display: none;
    }
    DeployConfirmDialog Label { width: 100%; }
    DeployConfirmDialog Horizontal.buttons #file { margin-left: 0; }
    """

    def __init__(self, plan: DeployPlan, planner: Planner) -> None:
        super().__init__()
        self.plan = plan
        self.planner = planner
        self.planning = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", id="title", classes="title", markup=False)
            yield Static("", id="details")
            yield Select([], id="target", prompt="choose a target", type_to_search=False)
            yield Label("", id="choice", classes="error", markup=False)
            yield Checkbox("promote automatically", id="auto-promote")
            yield Label("", id="status")
            yield Label("", id="error", classes="error", markup=False)
            yield Horizontal(Button("Pipeline file…", id="file"), Button("Cancel", id="cancel"),
                             Button("", id="ok", variant="primary"), classes="buttons")

    def on_mount(self) -> None:
        self._show()
        if self.plan.target is None:
            self.query_one("#target", Select).focus()
        else:
            self.query_one("#cancel", Button).focus()

    # -- showing the plan ------------------------------------------------------------------

    def _show(self) -> None:
        plan = self.plan
        action = plan.request.action
        verb = VERBS[action]
        app = plan.spec.app
        if action == "run":
            title = f"{verb} {app}{' (dry run)' if plan.request.dry_run else ''}?"
        else:
            title = f"{verb} {app}" + (f" on {plan.target.name}?" if plan.target else "?")
        self.query_one("#title", Label).update(title)
        self.query_one("#details", Static).update(details(plan))
        select = self.query_one("#target", Select)
        with self.prevent(Select.Changed):
            select.set_options([(name, name) for name in plan.targets])
            if plan.target is not None:
                select.value = plan.target.name
        say(self.query_one("#choice", Label),
            f"choose a target: {plan.choice}" if plan.target is None else "")
        checkbox = self.query_one("#auto-promote", Checkbox)
        checkbox.display = plan.spec.deploy.strategy == "bluegreen" and action == "run"
        with self.prevent(Checkbox.Changed):
            checkbox.value = plan.spec.deploy.bluegreen.auto_promote
        self.query_one("#ok", Button).label = verb

    # -- changes -----------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and (self.plan.target is None
                                             or event.value != self.plan.target.name):
            self.plan = self.plan.with_target(event.value)
            say(self.query_one("#error", Label), "")
            self._show()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._replan(replace(self.plan.request, auto_promote=event.value), "promotion")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "file":
            event.stop()
            self.app.push_screen(PipelineFileDialog(self.planner), self._file_chosen)
        else:
            super().on_button_pressed(event)

    def _file_chosen(self, planned: DeployPlan | None) -> None:
        if planned is not None:
            self.plan = planned
            say(self.query_one("#error", Label), "")
            self._show()
            self.query_one("#target" if planned.target is None else "#cancel").focus()

    def _replan(self, request: RunRequest, what: str) -> None:
        self.planning = True
        self.query_one("#ok", Button).disabled = True
        say(self.query_one("#status", Label), f"updating the {what}…")
        self._plan(request)

    @work(thread=True, exclusive=True, group="deploy-replan", exit_on_error=False)
    def _plan(self, request: RunRequest) -> None:
        try:
            planned = self.planner.request(request)
        except KubedeckError as exc:
            self.app.call_from_thread(self._replanned, None, exc.message)
            return
        self.app.call_from_thread(self._replanned, planned, "")

    def _replanned(self, planned: DeployPlan | None, error: str) -> None:
        self.planning = False
        if not self.is_attached:
            return
        self.query_one("#ok", Button).disabled = False
        say(self.query_one("#status", Label), "")
        say(self.query_one("#error", Label), error.removeprefix("error: "))
        if planned is not None:
            self.plan = planned
            self._show()

    # -- answers -----------------------------------------------------------------------------

    def action_ok(self) -> None:
        self.submit()

    def submit(self) -> None:
        if self.planning:
            return
        if self.plan.target is None:
            say(self.query_one("#error", Label), "pick a target first")
            self.query_one("#target", Select).focus()
            return
        self.dismiss(self.plan)


def details(plan: DeployPlan) -> Table:
    """The plan as label/value lines: the confirmation's body."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    target = plan.target
    grid.add_row("pipeline", Text(str(plan.spec.path)))
    grid.add_row("app", Text(plan.spec.app))
    grid.add_row("target", Text(f"{target.name}: {plan.where}, namespace {target.namespace}")
                 if target is not None else Text("not chosen", style="red"))
    grid.add_row("strategy", Text(plan.strategy))
    for name, tag in plan.tags.items():
        grid.add_row("builds", Text(f"{name}:{tag}"))
    return grid
