"""The deploy screen: one job's run as it happens — stages with bars and times, the log or the
manifests' diff, the app's pods old and new, and for blue-green the colours with keys to
promote, abort and roll back.

The screen never owns the job: it replays the job's events from the first one and then
polls for more every 100 ms (an in-memory read), so it can be left, re-opened, or opened
after the run ended and always shows the whole run. Its own connection to the job's cluster
(pods, blue-green status) is opened and closed off the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.worker import Worker, WorkerState

from kubedeck.kube.errors import KubedeckError
from pipelines.bluegreen import BlueGreenStatus
from pipelines.events import Rendered, RunFinished
from pipelines.job import Action, DeployJob
from pipelines.stageboard import StageBoard, StageRow
from tui import keymap
from tui.deploy_watch import ClusterLink
from tui.screens.dialogs import ConfirmDialog
from tui.screens.view import ViewScreen
from tui.widgets.deploy_colors import DeployColors, roles
from tui.widgets.deploy_log import DeployOutput
from tui.widgets.deploy_pods import (
    DeployPods,
    PodRow,
    PodSelector,
    pod_rows,
    selector_of_documents,
)
from tui.widgets.deploy_stages import DeployStages

POLL_SECONDS = 0.1
COLORS_SECONDS = 1.0
SHORT_HEIGHT = 30  # below this many rows the stage board shows only the stages that started
BLUEGREEN_ACTIONS = ("deploy_promote", "deploy_abort", "deploy_rollback")
WAIT_FOR_END = "wait for the run to end, or c cancels it"


class DeployScreen(ViewScreen):
    """`DeployScreen(job)`; crumb `deploy hello` or `deploy promote hello`."""

    CSS_PATH = Path(__file__).parent.parent / "deploy.tcss"
    BINDINGS = keymap.bindings(keymap.DEPLOY)

    def __init__(self, job: DeployJob) -> None:
        super().__init__()
        self.job = job
        verb = "" if job.action == "run" else f"{job.action} "
        self.crumb = f"deploy {verb}{job.spec.app}"
        self.board = StageBoard()
        self.bluegreen = job.spec.deploy.strategy == "bluegreen"
        self._next = 0
        self._selector: PodSelector | None = None
        self._digests: tuple[str, ...] = ()
        self._rendered = False
        self._link: ClusterLink | None = None
        self._link_problem = ""
        self._colors_busy = False

    def compose_view(self) -> ComposeResult:
        yield DeployStages(id="deploy-stages")
        with Horizontal(id="deploy-body"):
            with Vertical(id="deploy-left"):
                if self.bluegreen:
                    yield DeployColors(id="deploy-colors")
                yield DeployPods(id="deploy-pods")
            yield DeployOutput(id="deploy-output")

    def on_mount(self) -> None:
        if self.job.action == "run":
            self.pods_pane.show_note("waiting for the manifests: the pods show once the "
                                     "render stage names the app's Deployments")
        else:
            self.pods_pane.show_note("finding the app's Deployments…")
            self.output.set_diff_note(f"a {self.job.action} renders no manifests: there is "
                                      "no diff to show")
        self.poll()
        self.set_interval(POLL_SECONDS, self.poll)
        if self.bluegreen:
            self.set_interval(COLORS_SECONDS, self._poll_colors)
        self._connect()
        self.output.focus_current()

    def on_unmount(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            _close_later(link)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")

    # -- what tests and the app read ---------------------------------------------------------

    @property
    def stages(self) -> DeployStages:
        return self.query_one(DeployStages)

    @property
    def output(self) -> DeployOutput:
        return self.query_one(DeployOutput)

    @property
    def pods_pane(self) -> DeployPods:
        return self.query_one(DeployPods)

    def stage_rows(self) -> list[StageRow]:
        return self.board.rows()

    def pods_rows(self) -> list[PodRow]:
        return list(self.pods_pane.rows)

    @property
    def colors(self) -> BlueGreenStatus | None:
        """The blue-green status last read (None before the first read, or not blue-green)."""
        return self.query_one(DeployColors).status if self.bluegreen else None

    @property
    def showing(self) -> str:
        """"log" or "diff"."""
        return self.output.showing

    # -- the job's events --------------------------------------------------------------------

    def poll(self) -> None:
        """Take the events that came since the last poll (all of them the first time)."""
        batch, self._next = self.job.events_since(self._next)
        for t, event in batch:
            self.board.feed(t, event)
            if isinstance(event, Rendered):
                self._on_rendered(event)
            elif isinstance(event, RunFinished) and self.job.action == "run" \
                    and not self._rendered:
                self.pods_pane.show_note("the run ended before rendering the manifests: no "
                                         "pods of this release to show")
                self.output.set_diff_note("the run ended before rendering the manifests: "
                                          "there is no diff")
        if batch:
            self.output.add_events(event for _, event in batch)
        self.stages.show(self.board, self.job, self.job.elapsed())
        self._show_pods()

    def _on_rendered(self, event: Rendered) -> None:
        self._rendered = True
        self._digests = tuple(image.digest for image in event.images)
        self.output.set_diff(event.diff)
        self._watch(selector_of_documents(event.documents))

    def _watch(self, selector: PodSelector) -> None:
        self._selector = selector
        if self._link is not None:
            self._link.watch(selector)

    def _show_pods(self) -> None:
        link, selector = self._link, self._selector
        if self._link_problem:
            self.pods_pane.show_note(self._link_problem)
            return
        if link is None or selector is None:
            return
        namespace = f"namespace {link.namespace}"
        if not selector.match:
            what = "the manifests have no Deployment" if self.job.action == "run" else \
                f"no Deployment of {self.job.spec.app} is labelled kubedeck.dev/app=" \
                f"{self.job.spec.app}"
            self.pods_pane.show_note(f"{what} in {namespace}: no pods to show")
            return
        problem = link.problem
        if not link.synced:
            self.pods_pane.show_note(problem or f"listing the pods in {namespace}…")
            return
        rows = pod_rows(link.pods(), self._digests, self.app.now())
        new = sum(r.version == "new" for r in rows)
        counts = f"{new} new, {len(rows) - new} old" if self._digests else f"{len(rows)}"
        title = f"Pods · {namespace} · {counts}" + (f" · {problem}" if problem else "")
        self.pods_pane.show(rows, title)

    # -- the cluster link (thread workers) -------------------------------------------------

    @work(thread=True, exclusive=True, group="deploy-link", exit_on_error=False)
    def _connect(self) -> None:
        link: ClusterLink | None = None
        try:
            link = ClusterLink.open(self.job)
            selector = link.live_selector() if self.job.action != "run" else None
        except KubedeckError as exc:
            if link is not None:
                link.close()
            self._from_thread(self._link_failed, exc.message.removeprefix("error: "))
            return
        if not self._from_thread(self._linked, link, selector):
            link.close()

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> bool:
        """Run `callback` on the event loop; False when the app is gone."""
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            return False
        return True

    def _linked(self, link: ClusterLink, selector: PodSelector | None) -> None:
        if not self.is_attached:  # left before the connection came up
            _close_later(link)
            return
        self._link = link
        if selector is not None:
            self._selector = selector
        if self._selector is not None:
            link.watch(self._selector)
        self._show_pods()
        if self.bluegreen:
            self._poll_colors()

    def _link_failed(self, reason: str) -> None:
        """No connection of our own: the run goes on, only the pods and colours are blind."""
        self._link_problem = f"cannot watch the pods: {reason}"
        if self.is_attached:
            self._show_pods()
            if self.bluegreen:
                self.query_one(DeployColors).show_problem(f"cannot read the state: {reason}")

    def _poll_colors(self) -> None:
        if self._link is None or self._colors_busy:
            return
        self._colors_busy = True
        self._read_colors(self._link)

    @work(thread=True, group="deploy-colors", exit_on_error=False)
    def _read_colors(self, link: ClusterLink) -> None:
        try:
            result: BlueGreenStatus | str = link.colors()
        except KubedeckError as exc:
            result = f"cannot read the state: {exc.message.removeprefix('error: ')}"
        self._from_thread(self._show_colors, result)

    @on(Worker.StateChanged)
    def _colors_read_failed(self, event: Worker.StateChanged) -> None:
        """A read that broke unexpectedly (the app flashes why) must not stop the polling."""
        if event.worker.group == "deploy-colors" and event.state in (WorkerState.ERROR,
                                                                     WorkerState.CANCELLED):
            self._colors_busy = False

    def _show_colors(self, result: BlueGreenStatus | str) -> None:
        self._colors_busy = False
        if not self.is_attached:
            return
        panel = self.query_one(DeployColors)
        if isinstance(result, str):
            panel.show_problem(result)
        else:
            panel.show(result)

    # -- keys (ids in tui/keymap.py) ---------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Promote, abort and roll back exist for blue-green deploys only."""
        if action in BLUEGREEN_ACTIONS and not self.bluegreen:
            return False
        return super().check_action(action, parameters)

    def action_deploy_diff(self) -> None:
        self.output.toggle()
        self.output.focus_current()

    def action_deploy_follow(self) -> None:
        on = self.output.toggle_follow()
        self.app.flash(f"autoscroll {'on' if on else 'off'}")

    def action_deploy_cancel(self) -> None:
        job = self.job
        if job.done:
            self.app.flash(f"nothing to cancel: {job.title} already ended ({job.state})")
            return
        if job.cancelling:
            self.app.flash(f"{job.title} is already cancelling")
            return
        what = "deploy" if job.action == "run" else job.action
        message = (f"Cancel the {what} of {job.spec.app} to {job.target.name}? The run stops "
                   "at its next step and the live Service stays on healthy pods.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if job.done:
                self.app.flash(f"nothing to cancel: {job.title} already ended ({job.state})")
                return
            job.cancel()
            self.app.flash(f"cancelling {job.title}…")

        self.app.push_screen(ConfirmDialog(f"Cancel {job.title}", message, ok="Cancel run"),
                             answered)

    def action_deploy_rerun(self) -> None:
        if not self.job.done:
            self.app.flash(WAIT_FOR_END, "warning")
            return
        from tui.deploy_flow import request_deploy

        request_deploy(self.app, self.job.plan.request)

    def action_deploy_promote(self) -> None:
        self._bluegreen("promote")

    def action_deploy_abort(self) -> None:
        self._bluegreen("abort")

    def action_deploy_rollback(self) -> None:
        self._bluegreen("rollback")

    def _bluegreen(self, action: Action) -> None:
        """Confirm, start the action as a job of its own, and show that job here instead."""
        job = self.job
        if not self.bluegreen:
            self.app.flash(f"{action} is for blue-green deploys; {job.spec.app} deploys "
                           f"{job.spec.deploy.strategy}", "warning")
            return
        if not job.done:
            self.app.flash(WAIT_FOR_END, "warning")
            return
        running = self.app.deploys.active
        if running is not None:
            self.app.flash(f"{running.title} is running: wait for it or cancel it", "warning")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                started = self.app.deploys.start(job.plan.for_action(action))
            except (RuntimeError, KubedeckError) as exc:
                self.app.flash(str(exc), "warning")
                return
            self.app.switch_screen(DeployScreen(started))

        verb = {"promote": "Promote", "abort": "Abort", "rollback": "Roll back"}[action]
        self.app.push_screen(ConfirmDialog(f"{verb} {job.spec.app} on {job.target.name}",
                                           self._consequence(action), ok=verb,
                                           danger=action != "promote"), answered)

    def _consequence(self, action: Action) -> str:
        """What the blue-green action will do, in the colours the panel shows now."""
        app, target = self.job.spec.app, self.job.target.name
        status = self.colors
        live, preview = (r.color or "none" for r in roles(status)) if status is not None \
            else ("the live colour", "the preview colour")
        where = f"{app} on target {target} ({self.job.plan.where})"
        if action == "promote":
            return (f"Promote {where}: the Service {app} switches from {live} to {preview} "
                    f"once {preview} is fully available, and {live} is scaled down later.")
        if action == "abort":
            return (f"Abort the rollout of {where}: {live} keeps serving (or comes back if "
                    f"the switch already happened) and {preview} is scaled down.")
        return (f"Roll back {where}: the previous colour is scaled up and the Service {app} "
                f"switches back to it from {live}.")


def _close_later(link: ClusterLink) -> None:
    """Close a link off the event loop. A plain thread: the screen's workers are cancelled
    with it, and the close must still happen."""
    threading.Thread(target=link.close, name="kubedeck-deploy-link-close", daemon=True).start()
