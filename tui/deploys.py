"""The explorer's deploy jobs: which runs this session started, which one is running, the
header's one-line state of it, and the notification when one ends.

Jobs run in their own threads (pipelines.job) and outlive any screen: the user may leave the
deploy screen, browse pods, come back. This object polls them from the event loop a few
times a second, which is all the header and the notifications need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubedeck.demo import RunningDemo
    from pipelines.events import RunSummary
    from pipelines.history import RunHistory
    from pipelines.job import DeployJob, DeployPlan, Progress
    from tui.app import KubedeckApp

TICK_SECONDS = 0.25
NOTIFY_SECONDS = 8.0


@dataclass(frozen=True)
class DeploySetup:
    """How the explorer was started, as far as deploying goes: `pipeline` is --pipeline FILE;
    `demo` the embedded world of `kubedeck demo` and `sample` its sample app's folder;
    `history` where runs are recorded (default: the user's data directory)."""

    pipeline: Path | None = None
    demo: RunningDemo | None = None
    sample: Path | None = None
    history: RunHistory | None = None


class Deploys:
    """Owned by the app (`app.deploys`). `pipeline` is the `--pipeline FILE` given at start;
    `demo` the embedded world when the explorer runs `kubedeck demo` (runs then build with
    the demo builder and deploy into that world)."""

    def __init__(self, app: KubedeckApp, *, pipeline: Path | None = None,
                 demo: RunningDemo | None = None, sample: Path | None = None,
                 history: RunHistory | None = None) -> None:
        self.app = app
        self.pipeline = pipeline
        self.demo = demo
        self.sample = sample
        self._history = history
        self.jobs: list[DeployJob] = []
        self._announced: set[str] = set()

    @property
    def history(self) -> RunHistory:
        """Made on first use: the explorer's start does not pay for the pipelines."""
        if self._history is None:
            from pipelines.history import RunHistory

            self._history = RunHistory()
        return self._history

    @property
    def active(self) -> DeployJob | None:
        """The running job, if any (one at a time: the cluster-side lock would refuse a
        second run of the same app anyway, and one header line stays readable)."""
        return next((j for j in reversed(self.jobs) if not j.done), None)

    @property
    def latest(self) -> DeployJob | None:
        return self.jobs[-1] if self.jobs else None

    def job(self, run_id: str) -> DeployJob | None:
        return next((j for j in self.jobs if j.id == run_id), None)

    def start(self, plan: DeployPlan) -> DeployJob:
        """Start a run (or a blue-green action) of `plan`; raises RuntimeError while another
        job runs."""
        running = self.active
        if running is not None:
            raise RuntimeError(f"{running.title} is still running: wait for it or cancel it")
        from pipelines.job import DeployJob

        session = self.app.session
        job = DeployJob(plan, demo=self.demo,
                        kubeconfig=None if self.demo is not None else session.kubeconfig_path,
                        request_timeout=session.request_timeout, history=self.history)
        self.jobs.append(job)
        job.start()
        self.tick()
        return job

    def tick(self) -> None:
        """Refresh the header's deploy line; notify each job's end once."""
        job = self.latest
        self.app.deploy_status = status_line(job.title, job.progress(), job.cancelling) \
            if job is not None else ("", "")
        for job in self.jobs:
            if job.done and job.id not in self._announced:
                self._announced.add(job.id)
                self._notify(job)

    def _notify(self, job: DeployJob) -> None:
        from pipelines.report import seconds_text

        summary = job.summary
        if summary is None:
            return
        took = seconds_text(summary.seconds)
        if summary.result == "success":
            self.app.notify(done_sentence(job.action, summary), title="deploy succeeded",
                            timeout=NOTIFY_SECONDS)
        elif summary.result == "cancelled":
            self.app.notify(f"{job.title} cancelled after {took}; the live Service stays on "
                            "healthy pods", title="deploy cancelled", severity="warning",
                            timeout=NOTIFY_SECONDS)
        else:
            stage = f" at {summary.failed_stage}" if summary.failed_stage else ""
            self.app.notify(f"{job.title} failed{stage}: {summary.reason}",
                            title="deploy failed", severity="error", timeout=NOTIFY_SECONDS)


DONE_VERBS = {"run": "deployed", "promote": "promoted", "abort": "aborted",
              "rollback": "rolled back"}


def done_sentence(action: str, summary: RunSummary) -> str:
    """`deployed hello to demo in 3.5s`, `promoted hello on demo in 1.2s`."""
    from pipelines.report import seconds_text

    where = "to" if action == "run" else "on"
    return (f"{DONE_VERBS[action]} {summary.app} {where} {summary.target} in "
            f"{seconds_text(summary.seconds)}")


def status_line(title: str, progress: Progress, cancelling: bool = False) -> tuple[str, str]:
    """(text, state) for the header: `▶ hello → demo  rollout 40% 12.0s`, `✓ … 23.1s`."""
    from pipelines.report import seconds_text

    took = seconds_text(progress.elapsed)
    if progress.state == "running":
        percent = f" {progress.fraction:.0%}" if progress.fraction is not None else ""
        verb = "cancelling" if cancelling else progress.stage or "starting"
        return f"▶ {title}  {verb}{percent} {took}", "running"
    mark = {"success": "✓", "cancelled": "■"}.get(progress.state, "✗")
    return f"{mark} {title}  {progress.state} {took}", progress.state
