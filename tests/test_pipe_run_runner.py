"""The runner's own rules, with the stage functions injected: order and arguments of the
stages, one start and one end per stage, timings, a failure stops the run with its reason,
cancel, dry run, the lock around the deploy, and the demo override. The target is a real
kubeconfig context on the simulated cluster."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from pipe_run_support import Recorder, check_protocol, write_pipeline

from kubedeck.kube.errors import KubedeckError
from pipelines.events import (
    CancelToken,
    ImageResult,
    LogLine,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)
from pipelines.runner import Stages, execute, run
from pipelines.spec import SpecError, load_spec

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def spec(tmp_path: Path):
    return load_spec(write_pipeline(tmp_path, targets="""
        sim: {context: kubedeck-sim, namespace: web}
        other: {context: elsewhere}
    """))


class FakeStages:
    """Stage functions that record how they were called; each can be told to misbehave."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.lock_state: list[str] = []
        self.build_error: BaseException | None = None
        self.deploy_action = None

    def build_and_push(self, spec, target, emit, cancel, *, dry_run=False, demo_registry=None):
        self.calls.append(("build", (spec, target), {"dry_run": dry_run}))
        self.demo_registry = demo_registry
        emit(StageStarted("build", "buildah"))
        emit(LogLine("build", "STEP 1/1: FROM scratch", "buildah"))
        if self.build_error is not None:
            raise self.build_error
        emit(StageFinished("build", 0.01))
        emit(StageStarted("push", "localhost:5000/apps/hello:v1"))
        emit(StageProgress("push", "pushing layers", 0.5))
        emit(StageFinished("push", 0.01))
        return [ImageResult("hello", "localhost:5000/apps/hello", "v1", DIGEST)]

    def render(self, spec, target_name, images, namespace):
        self.calls.append(("render", (target_name, images, namespace), {}))
        return [{"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "hello", "namespace": namespace}}]

    def deploy(self, conn, discovery, spec, target, docs, emit, cancel, *, dry_run=False):
        self.calls.append(("deploy", (conn, target, docs), {"dry_run": dry_run}))
        assert self.lock_state[-1:] in ([], ["held"])
        emit(StageStarted("deploy", "server-side apply"))
        emit(StageFinished("deploy", 0.01))
        emit(StageStarted("rollout"))
        if self.deploy_action is not None and self.deploy_action(emit, cancel) == "ended":
            return "rolled back"
        emit(StageFinished("rollout", 0.01))
        return "done"

    def lock(self, conn, spec, target, emit, cancel):
        self.calls.append(("lock", (target,), {}))

        @contextmanager
        def held():
            self.lock_state.append("held")
            try:
                yield
            finally:
                self.lock_state.append("released")

        return held()

    def stages(self) -> Stages:
        return Stages(self.build_and_push, self.render, self.deploy, self.lock)


def _run(spec, sim_kubeconfig, fake, target="sim", **kw):
    events = Recorder()
    outcome = execute(spec, target, events, CancelToken(), kubeconfig=str(sim_kubeconfig),
                      stages=fake.stages(), **kw)
    check_protocol(events)
    return outcome, events


def test_a_run_chains_the_stages_with_the_pinned_images(spec, sim_kubeconfig):
    fake = FakeStages()
    outcome, events = _run(spec, sim_kubeconfig, fake)
    assert [c[0] for c in fake.calls] == ["build", "render", "lock", "deploy"]
    _, (target_name, images, namespace), _ = fake.calls[1]
    assert (target_name, namespace) == ("sim", "web")
    assert images["hello"].pinned == f"localhost:5000/apps/hello:v1@{DIGEST}"
    _, (conn, target, docs), kw = fake.calls[3]
    assert conn.context == "kubedeck-sim" and conn.namespace == "web"
    assert target.name == "sim" and docs[0]["kind"] == "ConfigMap" and kw == {"dry_run": False}
    assert fake.demo_registry is None
    assert fake.lock_state == ["held", "released"]
    assert events.stages() == ["build", "push", "render", "deploy", "rollout"]
    starts = events.of(StageStarted)
    assert (starts[0].detail, starts[3].detail) == ("buildah", "server-side apply")
    summary = outcome.summary
    assert (summary.result, outcome.exit_code) == ("success", 0)
    assert (summary.app, summary.target, summary.strategy) == ("hello", "sim", "rolling")
    assert summary.images[0].digest == DIGEST
    assert set(summary.timings) == {"build", "push", "render", "deploy", "rollout"}
    assert all(seconds >= 0 for seconds in summary.timings.values())
    assert summary.failed_stage is None and summary.reason is None
    assert any('target "sim"' in line and "kubedeck-sim" in line for line in events.logs())
    assert "ConfigMap/hello" in events.logs()


def test_a_failing_stage_stops_the_run_with_its_reason(spec, sim_kubeconfig):
    fake = FakeStages()
    fake.build_error = KubedeckError("error: buildah bud failed: COPY app.py: no such file - "
                                     "check the Dockerfile")
    outcome, events = _run(spec, sim_kubeconfig, fake)
    assert [c[0] for c in fake.calls] == ["build"]
    failed = events.of(StageFailed)
    assert [f.stage for f in failed] == ["build"]
    assert failed[0].reason.startswith("buildah bud failed: COPY app.py")
    summary = outcome.summary
    assert (summary.result, summary.failed_stage, outcome.exit_code) == ("failed", "build", 1)
    assert summary.reason == failed[0].reason
    assert "build" in summary.timings and "render" not in summary.timings


def test_a_failure_the_stage_reported_itself_is_reported_once(spec, sim_kubeconfig):
    def crash(emit, cancel):
        emit(StageFailed("rollout", 1.5, 'pod "hello-1" is in CrashLoopBackOff', "fix the app",
                         ("Traceback (most recent call last):",)))
        raise KubedeckError('error: pod "hello-1" is in CrashLoopBackOff')

    fake = FakeStages()
    fake.deploy_action = crash
    outcome, events = _run(spec, sim_kubeconfig, fake)
    failed = events.of(StageFailed)
    assert len(failed) == 1 and failed[0].hint == "fix the app"
    assert outcome.summary.failed_stage == "rollout"
    assert outcome.summary.reason == 'pod "hello-1" is in CrashLoopBackOff - fix the app'
    assert outcome.exit_code == 1 and fake.lock_state == ["held", "released"]


def test_a_stage_that_reports_a_failure_and_returns_still_fails_the_run(spec, sim_kubeconfig):
    """A rollout that failed and was rolled back returns normally: the run still failed."""
    fake = FakeStages()

    def fail_and_roll_back(emit, cancel):
        emit(StageFailed("rollout", 0.2, "ProgressDeadlineExceeded; rolled back to revision 1"))
        return "ended"

    fake.deploy_action = fail_and_roll_back
    outcome, events = _run(spec, sim_kubeconfig, fake)
    assert outcome.summary.result == "failed" and outcome.exit_code == 1
    assert outcome.summary.failed_stage == "rollout"


def test_cancel_ends_the_run_as_cancelled(spec, sim_kubeconfig):
    def cancel_now(emit, cancel):
        cancel.cancel()
        cancel.check()

    fake = FakeStages()
    fake.deploy_action = cancel_now
    outcome, events = _run(spec, sim_kubeconfig, fake)
    summary = outcome.summary
    assert (summary.result, outcome.exit_code) == ("cancelled", 130)
    assert summary.failed_stage == "rollout" and "cancelled" in summary.reason
    assert fake.lock_state == ["held", "released"]


def test_a_cancel_before_a_stage_starts_runs_nothing_more(spec, sim_kubeconfig):
    fake = FakeStages()
    token = CancelToken()
    original = fake.build_and_push

    def build_then_cancel(*args, **kw):
        result = original(*args, **kw)
        token.cancel()
        return result

    stages = Stages(build_then_cancel, fake.render, fake.deploy, fake.lock)
    events = Recorder()
    outcome = execute(spec, "sim", events, token, kubeconfig=str(sim_kubeconfig), stages=stages)
    check_protocol(events)
    assert [c[0] for c in fake.calls] == ["build"]
    assert outcome.summary.result == "cancelled" and outcome.exit_code == 130


def test_a_bug_in_a_stage_is_a_failed_run_not_a_crash(spec, sim_kubeconfig):
    fake = FakeStages()
    fake.build_error = ValueError("boom")
    outcome, events = _run(spec, sim_kubeconfig, fake)
    assert outcome.summary.result == "failed" and outcome.exit_code == 1
    assert outcome.summary.reason.startswith("unexpected ValueError: boom")


def test_a_configuration_error_inside_a_stage_keeps_exit_code_2(spec, sim_kubeconfig):
    def render(*args):
        raise KubedeckError("error: manifests/config.yaml.j2:5: undefined value "
                            "values.port", exit_code=2)

    fake = FakeStages()
    fake.render = render
    outcome, events = _run(spec, sim_kubeconfig, fake)
    assert (outcome.summary.failed_stage, outcome.exit_code) == ("render", 2)
    assert outcome.summary.reason == "manifests/config.yaml.j2:5: undefined value values.port"


def test_dry_run_passes_through_and_takes_no_lock(spec, sim_kubeconfig):
    fake = FakeStages()
    outcome, events = _run(spec, sim_kubeconfig, fake, dry_run=True)
    assert [c[0] for c in fake.calls] == ["build", "render", "deploy"]
    assert fake.calls[0][2] == {"dry_run": True} and fake.calls[2][2] == {"dry_run": True}
    assert fake.lock_state == []
    assert outcome.summary.dry_run is True and outcome.summary.result == "success"
    assert any("dry run" in line for line in events.logs())


def test_an_unknown_target_is_a_usage_error_before_any_stage(spec, sim_kubeconfig):
    fake = FakeStages()
    events = Recorder()
    with pytest.raises(SpecError) as err:
        run(spec, "nope", events, CancelToken(), kubeconfig=str(sim_kubeconfig),
            stages=fake.stages())
    assert err.value.exit_code == 2 and 'no target "nope"' in err.value.message
    assert fake.calls == [] and list(events) == []


def test_a_context_missing_from_the_kubeconfig_is_a_configuration_error(spec, sim_kubeconfig):
    fake = FakeStages()
    outcome, events = _run(spec, sim_kubeconfig, fake, target="other")
    assert outcome.exit_code == 2 and fake.calls == []
    assert 'context "elsewhere" does not exist' in outcome.summary.reason
    assert 'target "other"' in outcome.summary.reason


def test_stages_that_leave_stage_events_to_the_runner_are_still_timed(spec, sim_kubeconfig):
    """Plain functions (no events of their own) get their stages opened and closed."""

    def build(spec, target, emit, cancel, *, dry_run=False, demo_registry=None):
        return []

    def deploy(conn, discovery, spec, target, docs, emit, cancel, *, dry_run=False):
        return None

    fake = FakeStages()
    events = Recorder()
    outcome = execute(spec, "sim", events, CancelToken(), kubeconfig=str(sim_kubeconfig),
                      stages=Stages(build, fake.render, deploy, fake.lock))
    check_protocol(events)
    assert events.stages() == ["build", "render", "deploy"]
    assert set(outcome.summary.timings) == {"build", "render", "deploy"}


def test_demo_builds_with_the_demo_builder_into_the_embedded_cluster(spec, sim_kubeconfig):
    fake = FakeStages()
    outcome, events = _run(spec, sim_kubeconfig, fake, demo=True)
    built_spec = fake.calls[0][1][0]
    assert (built_spec.build.builder, built_spec.registry) == ("demo", "demo")
    assert spec.build.builder == "buildah"  # the caller's spec is left alone
    conn = fake.calls[-1][1][0]
    assert conn.context == "kubedeck-demo"
    assert fake.demo_registry is not None and fake.demo_registry.root.endswith("/demo")
    assert any("demo builder instead of buildah" in line for line in events.logs())
    assert outcome.summary.result == "success"


def test_a_blue_green_action_is_a_run_of_its_own(spec, sim_kubeconfig):
    from pipelines.runner import execute_action

    seen = []

    def promote(conn, discovery, spec, target, emit, cancel):
        seen.append((conn.context, target.name))
        emit(StageStarted("promote", "hello-green"))
        emit(StageFinished("promote", 0.01))
        return "promoted"

    events = Recorder()
    outcome = execute_action(spec, "sim", "promote", events, CancelToken(),
                             kubeconfig=str(sim_kubeconfig), do=promote)
    check_protocol(events)
    assert seen == [("kubedeck-sim", "sim")]
    assert events.stages() == ["deploy", "promote"]
    assert outcome.summary.result == "success" and outcome.summary.images == ()

    def refuse(conn, discovery, spec, target, emit, cancel):
        raise KubedeckError('error: nothing to promote for app "hello"')

    events = Recorder()
    outcome = execute_action(spec, "sim", "promote", events, CancelToken(),
                             kubeconfig=str(sim_kubeconfig), do=refuse)
    check_protocol(events)
    assert (outcome.exit_code, outcome.summary.failed_stage) == (1, "deploy")
    assert outcome.summary.reason == 'nothing to promote for app "hello"'
