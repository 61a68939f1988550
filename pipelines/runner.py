"""One pipeline run: target -> build + push -> render with the pinned images -> deploy by
strategy -> summary, as a library call that emits typed events.

The runner never touches a terminal: the CLI's reporters and the TUI's deploy screen both
consume the same events, and the TUI runs `run` in a thread (cancelling through the
CancelToken). The stage callables are injected (`Stages`), so the runner's own rules — every
stage timed, started/finished/failed exactly once, a failure stops the run with its reason,
a cancel ends it as "cancelled" — are tested without building images or a cluster.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from kubedeck.kube.errors import ConnectError, KubedeckError
from pipelines.events import (
    Cancelled,
    CancelToken,
    Emit,
    Event,
    ImageResult,
    LogLine,
    Rendered,
    RunFinished,
    RunSummary,
    Stage,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)
from pipelines.report import EXIT_USAGE, exit_code
from pipelines.spec import PipelineSpec, TargetSpec
from pipelines.targets import ResolvedTarget, choose_target, current_context, open_target

if TYPE_CHECKING:
    from kubedeck.demo import RunningDemo

CANCELLED_REASON = "cancelled by the user"


@dataclass(frozen=True)
class Stages:
    """The stage functions a run chains, with the contracts' signatures:

    - build_and_push(spec, target, emit, cancel, *, dry_run, demo_registry) -> images
      (`demo_registry`: the embedded world's registry when deploying there, else None)
    - render(spec, target_name, images: dict[str, ImageResult], namespace) -> list[dict]
    - deploy(conn, discovery, spec, target, docs, emit, cancel, *, dry_run) -> outcome
    - lock(conn, spec, target, emit, cancel) -> a context manager held while deploying
    """

    build_and_push: Callable[..., list[ImageResult]]
    render: Callable[..., list[dict]]
    deploy: Callable[..., Any]
    lock: Callable[..., AbstractContextManager[Any]]


def real_stages() -> Stages:
    """The stage modules of this package (imported here, not at module load, so the runner
    and its tests do not pay for buildah/registry/apply code they inject themselves)."""
    from pipelines.build import build_and_push
    from pipelines.lock import deploy_lock
    from pipelines.render import render
    from pipelines.strategies import deploy

    return Stages(build_and_push=build_and_push, render=render, deploy=deploy,
                  lock=deploy_lock)


@dataclass(frozen=True)
class RunOutcome:
    """The summary plus the process exit code the CLI returns for it."""

    summary: RunSummary
    exit_code: int


def demo_spec(spec: PipelineSpec) -> PipelineSpec:
    """The embedded cluster pulls only from the demo registry, so a demo run builds with the
    demo builder and pushes there whatever the file says."""
    return replace(spec, build=replace(spec.build, builder="demo"), registry="demo",
                   registry_insecure=False)


class _StageTracker:
    """Sits between the stage functions and the consumer: times stages, keeps "started,
    then exactly one finished or failed" true whether a stage function opens its stages
    itself (build_and_push opens build and push) or leaves that to the runner, and remembers
    the first failure."""

    def __init__(self, emit: Emit, clock: Callable[[], float]) -> None:
        self._emit = emit
        self._clock = clock
        self._open: dict[str, float] = {}  # stage -> when it started
        self._pending: tuple[Stage, str] | None = None  # opened by the runner, not yet shown
        self._held: list[Event] = []  # its log lines, waiting for the stage's first event
        self.timings: dict[str, float] = {}
        self.failure: StageFailed | None = None
        # Stage code may report from helper threads (a lease renewer); keep events whole.
        self._lock = threading.RLock()

    def expect(self, stage: Stage, detail: str = "") -> None:
        """The runner is about to call a function that does `stage`: the stage is timed from
        now, but shown only when the function opens it itself (its detail is the better one)
        or does anything else first; log lines until then wait, so they follow the start."""
        self._pending = (stage, detail)
        self._open[stage] = self._clock()

    def _release(self, start: StageStarted | None = None) -> None:
        if self._pending is None:
            return
        stage, detail = self._pending
        self._pending = None
        self._emit(start or StageStarted(stage, detail))
        held, self._held = self._held, []
        for event in held:
            self._emit(event)

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._track(event)

    def _track(self, event: Event) -> None:
        pending = self._pending[0] if self._pending is not None else None
        if isinstance(event, StageStarted):
            if event.stage == pending:
                self._release(event)
                return
            self._release()
            if event.stage in self._open:  # opened already: one start, its detail as a line
                if event.detail:
                    self._emit(LogLine(event.stage, event.detail))
                return
            self._open[event.stage] = self._clock()
            self._emit(event)
            return
        if isinstance(event, LogLine | StageProgress) and event.stage == pending:
            self._held.append(event)
            return
        self._release()
        if isinstance(event, StageFinished | StageFailed):
            started = self._open.pop(event.stage, None)
            if started is not None:
                event = replace(event, seconds=max(event.seconds, self._clock() - started))
            self.timings[event.stage] = self.timings.get(event.stage, 0.0) + event.seconds
            if isinstance(event, StageFailed) and self.failure is None:
                self.failure = event
        self._emit(event)

    def current(self) -> Stage:
        """The stage a failure belongs to: the one opened last."""
        if self._pending is not None:
            return self._pending[0]
        return list(self._open)[-1] if self._open else "build"  # type: ignore[return-value]

    def log(self, stage: Stage, text: str, source: str = "") -> None:
        self(LogLine(stage, text, source))

    def close_open(self, failure: StageFailed | None = None) -> None:
        """End every stage still open: finished, or failed with `failure`'s reason."""
        self._release()
        for stage in list(self._open):
            if failure is None:
                self(StageFinished(stage, 0.0))
            else:
                self(replace(failure, stage=stage, seconds=0.0))


@dataclass
class _Run:
    spec: PipelineSpec
    target_name: str | None
    emit: Emit
    cancel: CancelToken
    stages: Stages | None  # None for a blue-green action, which has its own function
    dry_run: bool = False
    demo: bool | RunningDemo | None = None
    kubeconfig: str | None = None
    request_timeout: float | None = None
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    images: list[ImageResult] = field(default_factory=list)
    target: TargetSpec | None = None
    notes: list[str] = field(default_factory=list)
    action: tuple[str, Callable[..., Any]] | None = None  # blue-green promote/abort/rollback
    diff: bool = False  # compute the manifests' diff against the live objects (the TUI)

    def execute(self) -> RunOutcome:
        started, t0 = self.wall_clock(), self.clock()
        self.target = self._choose()
        tracker = _StageTracker(self.emit, self.clock)
        result, code = "success", 0
        opened: ResolvedTarget | None = None
        try:
            spec = demo_spec(self.spec) if self._on_demo() else self.spec
            first: Stage = "build" if self.action is None else "deploy"
            tracker.expect(first, "" if self.action is None else self.action[0])
            opened = self._open(tracker, first)
            if self.action is None:
                self._stages(tracker, spec, opened)
            else:
                self._call(tracker, self.action[1], opened.conn, opened.discovery, spec,
                           opened.spec, tracker, self.cancel)
                tracker.close_open()
        except Cancelled:
            tracker.close_open(StageFailed("build", 0.0, CANCELLED_REASON))
            result = "cancelled"
        except _Stopped as stop:
            result, code = "failed", stop.exit_code
        except KubedeckError as exc:
            tracker.close_open(StageFailed("build", 0.0, _reason(exc)))
            result, code = "failed", exc.exit_code or 1
        except Exception as exc:  # a bug in a stage must not kill the TUI's run thread
            tracker.close_open(StageFailed(
                "build", 0.0, f"unexpected {type(exc).__name__}: {exc} (a kubedeck bug: run "
                              "again with KUBEDECK_DEBUG=1 and report it)"))
            result, code = "failed", 1
            if os.environ.get("KUBEDECK_DEBUG"):
                raise
        finally:
            if opened is not None:
                opened.close()
        failure = tracker.failure
        summary = RunSummary(
            app=self.spec.app, target=self.target.name, strategy=self.spec.deploy.strategy,
            result=result,  # type: ignore[arg-type]
            images=tuple(self.images), timings=dict(tracker.timings),
            failed_stage=failure.stage if failure and result != "success" else None,
            reason=(CANCELLED_REASON if result == "cancelled"
                    else _explained(failure) if failure and result == "failed" else None),
            started=started, seconds=self.clock() - t0, dry_run=self.dry_run)
        self.emit(RunFinished(summary))
        return RunOutcome(summary, code if result == "failed" else exit_code(summary))

    def _on_demo(self) -> bool:
        return bool(self.demo) or bool(self.target and self.target.demo)

    def _choose(self) -> TargetSpec:
        """Which target: a usage error (SpecError, exit 2) is raised before any stage."""
        current = None if self.target_name else current_context(self.kubeconfig)
        return choose_target(self.spec, self.target_name, current=current,
                             demo=bool(self.demo), log=self.notes.append)

    def _open(self, tracker: _StageTracker, stage: Stage) -> ResolvedTarget:
        """Connect to the target; the first stage's log says where this run deploys."""
        assert self.target is not None
        for note in self.notes:
            tracker.log(stage, note)
        if self._on_demo() and self.action is None and \
                (self.spec.build.builder, self.spec.registry) != ("demo", "demo"):
            tracker.log(stage, "the demo cluster pulls from the demo registry: building with "
                                 f"the demo builder instead of {self.spec.build.builder} and "
                                 "pushing to the demo registry instead of "
                                 f"{self.spec.registry or '(none)'}")
        if self.dry_run:
            tracker.log(stage, "dry run: nothing is built or pushed, and every object is "
                                 "applied with dryRun=All (the cluster does not change)")
        try:
            return open_target(self.target, demo=self.demo, kubeconfig=self.kubeconfig,
                               request_timeout=self.request_timeout,
                               log=lambda text: tracker.log(stage, text))
        except ConnectError:
            raise
        except KubedeckError as exc:  # a kubeconfig / GKE / context problem is configuration
            raise KubedeckError(exc.message, EXIT_USAGE) from None

    def _stages(self, tracker: _StageTracker, spec: PipelineSpec,
                opened: ResolvedTarget) -> None:
        target, cancel, stages = opened.spec, self.cancel, self.stages
        assert stages is not None
        store = opened.demo.registry() if opened.demo is not None else None
        self.images = list(self._call(tracker, stages.build_and_push, spec, target,
                                      tracker, cancel, dry_run=self.dry_run,
                                      demo_registry=store))
        tracker.close_open()

        tracker.expect("render", spec.manifests.template)
        docs = self._call(tracker, stages.render, spec, target.name,
                          {i.name: i for i in self.images}, target.namespace)
        for doc in docs:
            meta = doc.get("metadata") or {}
            tracker.log("render", f"{doc.get('kind')}/{meta.get('name')}")
        tracker(Rendered("render", tuple(docs), tuple(self.images),
                         _diff(opened, spec, docs) if self.diff else None))
        tracker.close_open()

        tracker.expect("deploy", f"{spec.deploy.strategy} to {opened.description}, namespace "
                                 f"{target.namespace}")
        lock = nullcontext() if self.dry_run else self._call(
            tracker, stages.lock, opened.conn, spec, target, tracker, cancel)
        with lock:
            self._call(tracker, stages.deploy, opened.conn, opened.discovery, spec, target,
                       docs, tracker, cancel, dry_run=self.dry_run)
        tracker.close_open()

    def _call(self, tracker: _StageTracker, fn: Callable[..., Any], *args: Any,
              **kwargs: Any) -> Any:
        """Call one stage function. A KubedeckError fails the stage that was open (unless
        the function reported its failure itself) and stops the run; so does a StageFailed
        it emitted before returning (e.g. a rollout that failed and was rolled back)."""
        self.cancel.check()
        try:
            value = fn(*args, **kwargs)
        except KubedeckError as exc:
            if tracker.failure is None:
                tracker.close_open(StageFailed(tracker.current(), 0.0, _reason(exc)))
            tracker.close_open(tracker.failure)
            raise _Stopped(exc.exit_code) from None
        if tracker.failure is not None:
            tracker.close_open(tracker.failure)
            raise _Stopped(1)
        return value


class _Stopped(Exception):
    """A stage failed and said why through a StageFailed event."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.exit_code = code or 1


def _plain(reason: str) -> str:
    """A reason without the `error: ` every one-line CLI error starts with: the summary's
    `result: failed` already says so."""
    return reason.removeprefix("error: ")


def _explained(failure: StageFailed) -> str:
    """The summary's one line: what failed and where, then what to do about it."""
    reason = _plain(failure.reason)
    return f"{reason} - {failure.hint}" if failure.hint and failure.hint not in reason \
        else reason


def _reason(exc: KubedeckError) -> str:
    return _plain(exc.message)


def _diff(opened: ResolvedTarget, spec: PipelineSpec, docs: list[dict]) -> str:
    """What this run will change, as `kubedeck pipeline diff` shows it; a diff that cannot be
    computed says why instead of failing the deploy it only describes."""
    from pipelines.diff import diff

    try:
        if spec.deploy.strategy == "bluegreen":
            from pipelines.bluegreen import planned_documents

            docs = planned_documents(opened.conn, opened.discovery, spec, opened.spec, docs)
        return diff(opened.conn, opened.discovery, docs)
    except KubedeckError as exc:
        return f"(no diff: {_reason(exc)})\n"


def execute(spec: PipelineSpec, target_name: str | None, emit: Emit, cancel: CancelToken, *,
            dry_run: bool = False, demo: bool | RunningDemo | None = None,
            kubeconfig: str | None = None, request_timeout: float | None = None,
            stages: Stages | None = None, diff: bool = False) -> RunOutcome:
    """`run`, plus the exit code (0, 1, 2 for a configuration error met by a stage, 130).
    `diff` adds the manifests' diff against the live objects to the Rendered event."""
    return _Run(spec, target_name, emit, cancel, stages or real_stages(), dry_run=dry_run,
                demo=demo, kubeconfig=kubeconfig, request_timeout=request_timeout,
                diff=diff).execute()


ACTIONS = ("promote", "abort", "rollback")


def execute_action(spec: PipelineSpec, target_name: str | None, action: str, emit: Emit,
                   cancel: CancelToken, *, demo: bool | RunningDemo | None = None,
                   kubeconfig: str | None = None, request_timeout: float | None = None,
                   do: Callable[..., Any] | None = None) -> RunOutcome:
    """A blue-green `promote`, `abort` or `rollback` as a run of its own: same target choice,
    events, summary and exit codes as `run`, so the CLI and the TUI report it the same way.
    `do` replaces the pipelines.bluegreen function (tests)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown blue-green action {action!r}")
    if do is None:
        from pipelines import bluegreen

        do = getattr(bluegreen, action)
    return _Run(spec, target_name, emit, cancel, None, demo=demo,
                kubeconfig=kubeconfig, request_timeout=request_timeout,
                action=(action, do)).execute()


def run(spec: PipelineSpec, target_name: str | None, emit: Emit, cancel: CancelToken, *,
        dry_run: bool = False, demo: bool | RunningDemo | None = None,
        kubeconfig: str | None = None, request_timeout: float | None = None,
        stages: Stages | None = None) -> RunSummary:
    """Run the pipeline of `spec` against `target_name` (None: the target of the current
    kubeconfig context, else the only one). Blocking; emits events; never raises for a stage
    failure or a cancel (see the summary's result). A usage error that stops the run before
    any stage (an unknown or ambiguous target) is raised as SpecError (exit code 2).

    `demo`: True deploys to a fresh embedded cluster; a RunningDemo deploys into that world
    (the TUI's demo). Either way images go through the demo builder and registry.
    """
    return execute(spec, target_name, emit, cancel, dry_run=dry_run, demo=demo,
                   kubeconfig=kubeconfig, request_timeout=request_timeout,
                   stages=stages).summary
