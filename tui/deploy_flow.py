"""The deploy key, from the key press to the deploy screen: find the pipeline file (or ask for
one), plan the run in a thread, show the confirmation, start the job, open its screen.

Only one job runs at a time: the key opens the running job's screen instead of a second run.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from kubedeck.kube.errors import KubedeckError
from tui.screens.deploy_dialogs import DeployConfirmDialog, PipelineFileDialog, Planner

if TYPE_CHECKING:
    from pipelines.job import DeployJob, DeployPlan, RunRequest
    from tui.app import KubedeckApp

PIPELINE_FILE = "kubedeck.yaml"
SUGGEST_GLOB = "kubedeck*.yaml"


def request_deploy(app: KubedeckApp, request: RunRequest | None = None) -> None:
    """The deploy key (`request` None: the pipeline file of --pipeline, the working
    directory or the demo's sample, else ask), or a re-run of `request` (the runs view)."""
    if isinstance(app.screen, (DeployConfirmDialog, PipelineFileDialog)):
        return  # already asking
    running = app.deploys.active
    if running is not None:
        open_job(app, running)
        app.flash(f"{running.title} is running: c cancels it", "warning")
        return
    app.run_worker(partial(_prepare, app, request, app.session.context,
                           app.deploys.demo is not None),
                   name="deploy-plan", group="deploy-plan", thread=True, exclusive=True,
                   exit_on_error=False)


def open_job(app: KubedeckApp, job: DeployJob) -> None:
    """Show `job`'s deploy screen (it replays the whole run, however long ago it started)."""
    from tui.screens.deploy import DeployScreen

    screen = app.screen
    if isinstance(screen, DeployScreen):
        if screen.job is job:
            return
        app.pop_screen()  # one deploy screen in the stack: a re-run replaces the old run's
    app.push_view(DeployScreen(job))


def find_pipeline(pipeline: Path | None, cwd: Path, sample: Path | None) -> Path | None:
    """--pipeline, else ./kubedeck.yaml, else (in the demo) the sample app's; None: ask."""
    if pipeline is not None:
        return pipeline
    here = cwd / PIPELINE_FILE
    if here.is_file():
        return here
    if sample is not None:
        return sample / PIPELINE_FILE
    return None


def suggestions(cwd: Path, sample: Path | None) -> tuple[str, ...]:
    """The pipeline files worth offering: kubedeck*.yaml here (as typed: relative), and the
    demo sample's (absolute)."""
    here = [p.name for p in sorted(cwd.glob(SUGGEST_GLOB)) if p.is_file()]
    there = [str(p) for p in sorted(sample.glob(SUGGEST_GLOB))] if sample is not None else []
    return tuple(dict.fromkeys(here + there))


def typed_path(text: str, cwd: Path) -> Path:
    """What the user typed as a pipeline file: `~` expanded, relative to `cwd`, a folder
    meaning its kubedeck.yaml."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = cwd / path
    return path / PIPELINE_FILE if path.is_dir() else path


def make_planner(context: str | None, demo: bool, cwd: Path, sample: Path | None) -> Planner:
    """Planning as this explorer does it: the current context picks the target, the demo
    deploys into its embedded world (blocking: builds the suggestions list)."""
    from pipelines.job import RunRequest, plan

    def by_request(request: RunRequest) -> DeployPlan:
        return plan(request, current_context=context, demo=demo)

    def by_file(text: str) -> DeployPlan:
        return by_request(RunRequest(typed_path(text, cwd)))

    return Planner(file=by_file, request=by_request, suggestions=suggestions(cwd, sample))


def _prepare(app: KubedeckApp, request: RunRequest | None, context: str | None,
             demo: bool) -> None:
    """The worker: which file, then the plan; the dialogs go up on the event loop."""
    from pipelines.job import RunRequest

    worker = get_current_worker()
    cwd = Path.cwd()
    planner = make_planner(context, demo, cwd, app.deploys.sample)
    if request is None:
        path = find_pipeline(app.deploys.pipeline, cwd, app.deploys.sample)
        if path is None:
            if not worker.is_cancelled:
                app.call_from_thread(_ask_for_file, app, planner,
                                     f"no {PIPELINE_FILE} in {cwd}: which pipeline file?")
            return
        request = RunRequest(path)
    try:
        planned = planner.request(request)
    except KubedeckError as exc:
        if not worker.is_cancelled:
            app.call_from_thread(app.flash, exc.message.removeprefix("error: "), "error")
        return
    if not worker.is_cancelled:
        app.call_from_thread(_confirm, app, planned, planner)


def _ask_for_file(app: KubedeckApp, planner: Planner, reason: str) -> None:
    app.push_screen(PipelineFileDialog(planner, reason),
                    lambda planned: _confirm(app, planned, planner) if planned else None)


def _confirm(app: KubedeckApp, planned: DeployPlan, planner: Planner) -> None:
    app.push_screen(DeployConfirmDialog(planned, planner), partial(_confirmed, app))


def _confirmed(app: KubedeckApp, planned: DeployPlan | None) -> None:
    if planned is None:
        return
    try:
        job = app.deploys.start(planned)
    except RuntimeError as exc:
        app.flash(str(exc), "warning")
        return
    open_job(app, job)
