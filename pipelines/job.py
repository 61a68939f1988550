"""A pipeline run as a background job: what the explorer's deploy key starts.

`plan()` reads the pipeline file and works out what a run would do (target, strategy, the
tags about to be built) for the confirmation; `DeployJob` runs it in a thread, keeps every
event so a deploy screen opened (or re-opened) at any time replays the whole run, records it
in the history, and can be cancelled. Consumers poll (`events_since`, `progress`): no
callbacks cross into a UI's event loop, and a busy build batches itself into each poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kubedeck.kube.errors import KubedeckError
from pipelines.events import (
    CancelToken,
    Event,
    ImageResult,
    RunFinished,
    RunSummary,
)
from pipelines.history import RunHistory, new_run_id, recording
from pipelines.spec import PipelineSpec, SpecError, TargetSpec, load_spec
from pipelines.stageboard import StageBoard
from pipelines.targets import ResolvedTarget, choose_target, describe, open_target

if TYPE_CHECKING:
    from kubedeck.demo import RunningDemo

Action = Literal["run", "promote", "abort", "rollback"]
ACTIONS: tuple[Action, ...] = ("run", "promote", "abort", "rollback")
JobState = Literal["running", "success", "failed", "cancelled"]


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for. `target` None: the one matching the current context.
    `auto_promote` overrides the file's `deploy.bluegreen.autoPromote` for this run."""

    spec_path: Path
    target: str | None = None
    action: Action = "run"
    auto_promote: bool | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class DeployPlan:
    """What a run would do, for the confirmation. `target` is None when the file has several
    targets and none matches the current context: the user must pick one (`choice` says
    why); `tags` maps each image to the tag about to be built (empty for blue-green
    actions, which build nothing)."""

    request: RunRequest
    spec: PipelineSpec
    target: TargetSpec | None
    where: str
    tags: dict[str, str]
    choice: str = ""
    demo: bool = False

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.spec.targets)

    @property
    def strategy(self) -> str:
        strategy = self.spec.deploy.strategy
        if strategy == "bluegreen" and self.request.action == "run":
            auto = self.spec.deploy.bluegreen.auto_promote
            return f"bluegreen ({'promote automatically' if auto else 'promote by hand'})"
        return strategy

    def for_action(self, action: Action) -> DeployPlan:
        """The same app and target, for a blue-green promote / abort / rollback."""
        return replace(self, request=replace(self.request, action=action), tags={})

    def with_target(self, name: str) -> DeployPlan:
        target = self.spec.target(name)
        return replace(self, target=target, where=_where(target, self.demo), choice="",
                       request=replace(self.request, target=name))


def plan(request: RunRequest, *, current_context: str | None, demo: bool = False) -> DeployPlan:
    """Load the file and decide target and tags (blocking: reads the build context and may
    run git). Raises SpecError (a bad file, an unknown target) or KubedeckError (a tag that
    cannot be computed) with the one-line message the user needs."""
    spec = load_spec(request.spec_path)
    if request.action != "run" and spec.deploy.strategy != "bluegreen":
        raise SpecError(f"{spec.path}: {request.action} is for blue-green deploys, and "
                        f"{spec.app} deploys with deploy.strategy {spec.deploy.strategy}")
    if request.auto_promote is not None:
        bluegreen = replace(spec.deploy.bluegreen, auto_promote=request.auto_promote)
        spec = replace(spec, deploy=replace(spec.deploy, bluegreen=bluegreen))
    notes: list[str] = []
    try:
        target: TargetSpec | None = choose_target(spec, request.target, current=current_context,
                                                  demo=demo, log=notes.append)
        choice = ""
    except SpecError:
        if request.target is not None:
            raise
        target = None
        choice = (f'the current context "{current_context}" is not the context of any of '
                  f"its targets" if current_context else "there is no current context")
    tags = _tags(spec) if request.action == "run" and not request.dry_run else {}
    return DeployPlan(request=request if target is None else
                      replace(request, target=target.name),
                      spec=spec, target=target,
                      where=_where(target, demo) if target is not None else "",
                      tags=tags, choice=choice, demo=demo)


def _where(target: TargetSpec, demo: bool) -> str:
    return describe(replace(target, demo=True)) if demo else describe(target)


def _tags(spec: PipelineSpec) -> dict[str, str]:
    from pipelines.tags import image_tag

    return {image.name: image_tag(spec.build.tag, image) for image in spec.images}


@dataclass(frozen=True)
class Progress:
    """The job in a few words, for a header: the stage running (or the last one), how far
    it is when it can tell, and the run's state."""

    state: JobState
    stage: str
    fraction: float | None
    message: str
    elapsed: float


class DeployJob:
    """One run (or blue-green action) in a daemon thread. Thread-safe to read from any
    thread; `start()` once."""

    def __init__(self, plan: DeployPlan, *, demo: RunningDemo | None = None,
                 kubeconfig: str | None = None, request_timeout: float | None = None,
                 history: RunHistory | None = None,
                 execute: Callable[..., object] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if plan.target is None:
            raise SpecError(f"{plan.spec.path}: choose a target ({plan.choice})")
        self.plan = plan
        self.target: TargetSpec = plan.target
        self.id = new_run_id(plan.spec.app)
        self.demo = demo
        self.kubeconfig = kubeconfig
        self.request_timeout = request_timeout
        self.history = history
        self.cancel_token = CancelToken()
        self._execute = execute
        self._clock = clock
        self._lock = threading.Lock()
        self._events: list[tuple[float, Event]] = []
        self._done = threading.Event()
        self._started = clock()
        self._ended: float | None = None
        self._board = StageBoard()
        self.summary: RunSummary | None = None
        self.images: tuple[ImageResult, ...] = ()
        self._thread: threading.Thread | None = None

    # -- what consumers read --------------------------------------------------------------

    @property
    def spec(self) -> PipelineSpec:
        return self.plan.spec

    @property
    def action(self) -> Action:
        return self.plan.request.action

    @property
    def title(self) -> str:
        """`hello → demo` or `promote hello → demo`."""
        verb = "" if self.action == "run" else f"{self.action} "
        return f"{verb}{self.spec.app} → {self.target.name}"

    @property
    def state(self) -> JobState:
        summary = self.summary
        return "running" if summary is None else summary.result

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def cancelling(self) -> bool:
        return self.cancel_token.cancelled and not self.done

    def events_since(self, index: int) -> tuple[list[tuple[float, Event]], int]:
        """The events after the first `index`, each with when it came (seconds since the job
        started, on the job's clock), and the index to ask from next time."""
        with self._lock:
            return self._events[index:], len(self._events)

    def elapsed(self) -> float:
        """Seconds since the job started, stopped at its end (the job's clock)."""
        with self._lock:
            end = self._ended if self._ended is not None else self._clock()
            return end - self._started

    def progress(self) -> Progress:
        with self._lock:
            end = self._ended if self._ended is not None else self._clock()
            row = self._board.current()
            if row is None:
                return Progress(self.state, "", None, "", end - self._started)
            return Progress(self.state, row.stage, row.fraction, row.message,
                            end - self._started)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    # -- control ---------------------------------------------------------------------------

    def start(self) -> DeployJob:
        if self._thread is not None:
            raise RuntimeError("a DeployJob starts once")
        self._thread = threading.Thread(target=self._body, name=f"kubedeck-deploy-{self.id}",
                                        daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the run to stop at its next step; it then leaves the live Service on healthy
        pods (rolling: undo; blue-green: the live colour never changed)."""
        self.cancel_token.cancel()

    def connect(self) -> ResolvedTarget:
        """A connection of the caller's own to the cluster this job deploys to, for watching
        its pods and Services (blocking; close it when done)."""
        if self.target.demo and self.demo is None:
            raise KubedeckError(f'target "{self.target.name}" deploys to an embedded cluster '
                                "of its own, which lives only as long as the run")
        return open_target(self.target, demo=self.demo, kubeconfig=self.kubeconfig,
                           request_timeout=self.request_timeout)

    # -- the run thread --------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        with self._lock:
            t = self._clock() - self._started
            self._events.append((t, event))
            self._board.feed(t, event)
            if isinstance(event, RunFinished):
                self.images = event.summary.images or self.images
                self._ended = self._clock()
                self.summary = event.summary

    def _body(self) -> None:
        with recording(self.history, self.id, spec_path=self.spec.path, action=self.action,
                       where=self.plan.where, demo=self.demo is not None) as rec:
            def emit(event: Event) -> None:
                rec.emit(event)
                self._emit(event)

            try:
                self._run(emit)
            except KubedeckError as exc:  # before any stage: the run never started
                emit(RunFinished(self._failed(exc.message.removeprefix("error: "))))
            except Exception as exc:  # never a silent dead thread behind a "running" header
                emit(RunFinished(self._failed(f"unexpected {type(exc).__name__}: {exc} (a "
                                              "kubedeck bug: please report it)")))
            finally:
                if self.summary is None:
                    emit(RunFinished(self._failed("the run ended without a result")))
                self._done.set()

    def _run(self, emit: Callable[[Event], None]) -> None:
        from pipelines import runner

        common = dict(demo=self.demo, kubeconfig=self.kubeconfig,
                      request_timeout=self.request_timeout)
        if self.action == "run":
            execute = self._execute or runner.execute
            execute(self.spec, self.target.name, emit, self.cancel_token,
                    dry_run=self.plan.request.dry_run, diff=True, **common)
        else:
            execute = self._execute or runner.execute_action
            execute(self.spec, self.target.name, self.action, emit, self.cancel_token, **common)

    def _failed(self, reason: str) -> RunSummary:
        return RunSummary(app=self.spec.app, target=self.target.name,
                          strategy=self.spec.deploy.strategy, result="failed",
                          reason=reason, started=time.time(),
                          seconds=self._clock() - self._started)


__all__ = ["ACTIONS", "DeployJob", "DeployPlan", "Progress", "RunRequest", "plan"]
