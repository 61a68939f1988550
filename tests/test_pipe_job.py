"""pipelines.job: what the explorer's deploy key plans and runs. The plan's target choice and
tags; a job replays its events with their times, tracks progress, survives a crashing or
refusing run with a failed summary, passes the cancel through, and records itself in the
history; a real demo deploy emits the rendered manifests with their diff."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pipe_run_support import write_pipeline

from kubedeck.kube.errors import KubedeckError
from pipelines.events import (
    ImageResult,
    LogLine,
    Rendered,
    RunFinished,
    RunSummary,
    StageFinished,
    StageProgress,
    StageStarted,
)
from pipelines.history import RunHistory
from pipelines.job import DeployJob, RunRequest, plan
from pipelines.spec import SpecError
from pipelines.tags import inputs_digest

DIGEST = "sha256:" + "cd" * 32
TWO_TARGETS = """
    sim: {context: kubedeck-sim, namespace: web}
    other: {context: elsewhere}
"""


def pipeline(tmp_path: Path, *, targets: str = TWO_TARGETS, extra: str = "") -> Path:
    return write_pipeline(tmp_path, targets=targets, extra=extra)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- plan -------------------------------------------------------------------------------------

def test_plan_picks_the_target_of_the_current_context_and_the_tag_to_build(tmp_path):
    path = pipeline(tmp_path)
    planned = plan(RunRequest(path), current_context="elsewhere")
    assert planned.target is not None and planned.target.name == "other"
    assert planned.request.target == "other"
    assert planned.where == 'kubeconfig context "elsewhere"'
    assert planned.tags == {"hello": "v1"}
    assert planned.strategy == "rolling"
    assert planned.targets == ("sim", "other")


def test_a_digest_tag_is_the_one_the_build_will_use(tmp_path):
    path = pipeline(tmp_path)
    path.write_text(path.read_text().replace("tag: v1", "tag: digest"))
    planned = plan(RunRequest(path), current_context="kubedeck-sim")
    [image] = planned.spec.images
    assert planned.tags == {"hello": inputs_digest(image)[:12]}


def test_without_a_matching_context_the_user_must_choose(tmp_path):
    planned = plan(RunRequest(pipeline(tmp_path)), current_context="nowhere")
    assert planned.target is None
    assert planned.choice == ('the current context "nowhere" is not the context of any '
                              "of its targets")
    with pytest.raises(SpecError, match="choose a target"):
        DeployJob(planned)
    chosen = planned.with_target("sim")
    assert chosen.target.name == "sim" and chosen.request.target == "sim"
    assert chosen.where == 'kubeconfig context "kubedeck-sim"'


def test_an_unknown_requested_target_is_an_error(tmp_path):
    with pytest.raises(SpecError, match="prod"):
        plan(RunRequest(pipeline(tmp_path), target="prod"), current_context=None)


def test_in_the_demo_everything_goes_to_the_embedded_cluster(tmp_path):
    planned = plan(RunRequest(pipeline(tmp_path)), current_context="kubedeck-demo", demo=True)
    assert planned.target.name == "sim"  # no demo target: the first one
    assert planned.where == "the embedded demo cluster"


def test_blue_green_promotion_can_be_overridden_for_one_run(tmp_path):
    path = pipeline(tmp_path, extra="deploy:\n  strategy: bluegreen\n"
                                    "  bluegreen: {autoPromote: true}\n")
    auto = plan(RunRequest(path, target="sim"), current_context=None)
    assert auto.strategy == "bluegreen (promote automatically)"
    manual = plan(RunRequest(path, target="sim", auto_promote=False), current_context=None)
    assert manual.spec.deploy.bluegreen.auto_promote is False
    assert manual.strategy == "bluegreen (promote by hand)"
    promote = manual.for_action("promote")
    assert promote.request.action == "promote" and promote.tags == {}
    assert promote.strategy == "bluegreen"


def test_actions_are_for_blue_green_only(tmp_path):
    with pytest.raises(SpecError, match="promote is for blue-green"):
        plan(RunRequest(pipeline(tmp_path), target="sim", action="promote"),
             current_context=None)


def test_a_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        plan(RunRequest(tmp_path / "nope.yaml"), current_context=None)


# -- the job ----------------------------------------------------------------------------------

class Scripted:
    """An `execute` that emits a rolling run step by step, each step released by the test."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.steps = [threading.Event() for _ in range(3)]
        self.cancel_seen = threading.Event()
        self.kwargs: dict = {}

    def __call__(self, spec, target, emit, cancel, **kwargs):
        self.kwargs = kwargs
        image = ImageResult("hello", "reg/hello", "v1", DIGEST)
        emit(StageStarted("build", "demo"))
        emit(LogLine("build", "STEP 1/1: FROM scratch", "demo"))
        self.steps[0].wait(10)
        self.clock.now += 2.0
        emit(StageFinished("build", 2.0))
        emit(Rendered("render", ({"kind": "Deployment"},), (image,), "diff text\n"))
        emit(StageStarted("rollout", "hello"))
        emit(StageProgress("rollout", "hello: 1/2 updated", 0.5))
        self.steps[1].wait(10)
        if cancel.cancelled:
            self.cancel_seen.set()
            result = "cancelled"
        else:
            self.steps[2].wait(10)
            result = "success"
        self.clock.now += 1.0
        emit(StageFinished("rollout", 1.0))
        emit(RunFinished(RunSummary("hello", target, "rolling", result, (image,),
                                    started=1.8e9, seconds=3.0)))


def job_of(tmp_path: Path, execute, clock: Clock, history: RunHistory | None = None):
    planned = plan(RunRequest(pipeline(tmp_path), target="sim"), current_context=None)
    return DeployJob(planned, execute=execute, clock=clock, history=history)


def test_a_job_replays_its_events_with_their_times_and_tracks_progress(tmp_path):
    clock = Clock()
    run = Scripted(clock)
    history = RunHistory(tmp_path / "runs")
    job = job_of(tmp_path, run, clock, history).start()
    assert job.title == "hello → sim"
    run.steps[0].set()
    run.steps[1].set()
    for _ in range(200):
        if job.progress().stage == "rollout":
            break
        threading.Event().wait(0.01)
    progress = job.progress()
    assert (progress.state, progress.stage, progress.fraction) == ("running", "rollout", 0.5)
    assert progress.message == "hello: 1/2 updated"
    assert progress.elapsed == 2.0
    run.steps[2].set()
    assert job.wait(10)
    assert job.state == "success" and job.summary.result == "success"
    assert run.kwargs["diff"] is True and run.kwargs["dry_run"] is False
    events, following = job.events_since(0)
    assert [type(e).__name__ for _, e in events] == [
        "StageStarted", "LogLine", "StageFinished", "Rendered", "StageStarted", "StageProgress",
        "StageFinished", "RunFinished"]
    assert [t for t, _ in events] == [0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0]
    assert job.events_since(following) == ([], following)
    assert job.elapsed() == 3.0
    clock.now += 50  # the job has ended: its time stands still
    assert job.progress().elapsed == 3.0
    [record] = history.records()
    assert (record.id, record.result, record.target) == (job.id, "success", "sim")
    assert record.images[0].digest == DIGEST
    assert "[build] demo: STEP 1/1: FROM scratch" in history.log_text(job.id)
    assert "[render] diff: diff text" in history.log_text(job.id)


def test_cancel_reaches_the_run_through_its_token(tmp_path):
    clock = Clock()
    run = Scripted(clock)
    job = job_of(tmp_path, run, clock).start()
    run.steps[0].set()
    job.cancel()
    assert job.cancelling
    run.steps[1].set()
    assert job.wait(10)
    assert run.cancel_seen.is_set()
    assert job.state == "cancelled" and not job.cancelling


@pytest.mark.parametrize(("error", "reason"), [
    (KubedeckError("error: cannot reach the cluster"), "cannot reach the cluster"),
    (ZeroDivisionError("boom"), "unexpected ZeroDivisionError: boom"),
])
def test_a_run_that_raises_ends_failed_with_the_reason(tmp_path, error, reason):
    def execute(*args, **kwargs):
        raise error

    history = RunHistory(tmp_path / "runs")
    job = job_of(tmp_path, execute, Clock(), history).start()
    assert job.wait(10)
    assert job.state == "failed"
    assert job.summary.reason.startswith(reason)
    assert history.records()[0].reason.startswith(reason)


def test_a_job_starts_once(tmp_path):
    job = job_of(tmp_path, lambda *a, **k: None, Clock()).start()
    assert job.wait(10)
    assert job.state == "failed"  # the run said nothing: no silent success
    assert job.summary.reason == "the run ended without a result"
    with pytest.raises(RuntimeError):
        job.start()


def test_an_action_job_calls_the_blue_green_action(tmp_path):
    path = pipeline(tmp_path, extra="deploy:\n  strategy: bluegreen\n")
    planned = plan(RunRequest(path, target="sim", action="abort"), current_context=None)
    calls = []

    def execute(spec, target, action, emit, cancel, **kwargs):
        calls.append((target, action))
        emit(RunFinished(RunSummary("hello", target, "bluegreen", "success")))

    job = DeployJob(planned, execute=execute).start()
    assert job.wait(10) and job.state == "success"
    assert calls == [("sim", "abort")]
    assert job.title == "abort hello → sim"


# -- a real run on the embedded cluster -------------------------------------------------------

@pytest.mark.integration
def test_a_demo_deploy_emits_its_manifests_and_their_diff(tmp_path):
    from kubedeck.demo import running_demo

    examples = Path(__file__).resolve().parents[1] / "examples" / "hello" / "kubedeck.yaml"
    history = RunHistory(tmp_path / "runs")
    with running_demo(str(tmp_path)) as world:
        planned = plan(RunRequest(examples), current_context="kubedeck-demo", demo=True)
        job = DeployJob(planned, demo=world, history=history).start()
        assert job.wait(120)
        assert job.state == "success", job.summary.reason
        [rendered] = [e for _, e in job.events_since(0)[0] if isinstance(e, Rendered)]
        kinds = [d["kind"] for d in rendered.documents]
        assert "Deployment" in kinds and "Service" in kinds
        [image] = rendered.images
        assert image.tag == planned.tags["hello"]
        assert "+kind: Deployment" in rendered.diff
        assert image.digest in rendered.diff
        opened = job.connect()
        try:
            assert opened.namespace == "hello"
            assert opened.conn.server.startswith("http://127.0.0.1")
        finally:
            opened.close()
    [record] = history.records()
    assert record.demo and record.where == "the embedded demo cluster"
    assert record.images[0].digest == image.digest
