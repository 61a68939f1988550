"""The explorer's deploy jobs (tui/deploys.py) and what the app does with them: one running
job at a time, the header's state line, one notification per finished job, and quitting
while a deploy runs cancels it first (after asking)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pipe_run_support import write_pipeline
from tui_support import wait_for, wait_view

from pipelines import runner
from pipelines.events import RunFinished, RunSummary, StageProgress, StageStarted
from pipelines.job import RunRequest, plan
from tui.deploys import status_line


class GatedRun:
    """Stands in for pipelines.runner.execute: a rollout at 50% until released or
    cancelled, then the result the test chose."""

    def __init__(self, result: str = "success", reason: str | None = None) -> None:
        self.release = threading.Event()
        self.result = result
        self.reason = reason
        self.cancelled = threading.Event()

    def __call__(self, spec, target, emit, cancel, **kwargs):
        emit(StageStarted("rollout", "hello"))
        emit(StageProgress("rollout", "hello: 1/2 updated", 0.5))
        while not (self.release.wait(0.02) or cancel.cancelled):
            pass
        result = "cancelled" if cancel.cancelled else self.result
        if cancel.cancelled:
            self.cancelled.set()
        emit(RunFinished(RunSummary(spec.app, target, "rolling", result,
                                    failed_stage="rollout" if result == "failed" else None,
                                    reason=self.reason, seconds=4.0)))


@pytest.fixture
def planned(tmp_path: Path):
    path = write_pipeline(tmp_path, targets="sim: {context: kubedeck-demo, namespace: web}")
    return plan(RunRequest(path), current_context="kubedeck-demo")


def notifications(app) -> list[tuple[str, str, str]]:
    return [(n.title, n.message, n.severity) for n in app._notifications]


@pytest.mark.asyncio
async def test_a_job_shows_in_the_header_and_notifies_once_when_it_ends(demo_app, planned,
                                                                         monkeypatch):
    gate = GatedRun()
    monkeypatch.setattr(runner, "execute", gate)
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        job = app.deploys.start(planned)
        assert app.deploys.active is job
        with pytest.raises(RuntimeError, match="hello → sim is still running"):
            app.deploys.start(planned)
        await wait_for(pilot, lambda: "rollout 50%" in app.deploy_status[0],
                       what="the running line")
        assert app.deploy_status[0].startswith("▶ hello → sim  rollout 50% ")
        assert app.deploy_status[1] == "running"
        gate.release.set()
        await wait_for(pilot, lambda: app.deploy_status[1] == "success", what="the end")
        assert app.deploy_status[0].startswith("✓ hello → sim  success ")
        await pilot.pause(0.6)  # a few more ticks: still one notification
        assert notifications(app) == [("deploy succeeded", "deployed hello to sim in 4.0s",
                                       "information")]
        assert app.deploys.active is None and app.deploys.latest is job


@pytest.mark.asyncio
async def test_a_failed_job_notifies_an_error_with_its_reason(demo_app, planned, monkeypatch):
    gate = GatedRun("failed", "pod web-1 is in CrashLoopBackOff")
    gate.release.set()
    monkeypatch.setattr(runner, "execute", gate)
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        app.deploys.start(planned)
        await wait_for(pilot, lambda: notifications(app), what="a notification")
        assert notifications(app) == [(
            "deploy failed", "hello → sim failed at rollout: pod web-1 is in CrashLoopBackOff",
            "error")]
        assert app.deploy_status[1] == "failed"


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["ctrl+c", ":q"])
async def test_quitting_during_a_deploy_asks_then_cancels_it_before_exiting(
        demo_app, planned, monkeypatch, how):
    gate = GatedRun()
    monkeypatch.setattr(runner, "execute", gate)
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        job = app.deploys.start(planned)
        keys = ["ctrl+c"] if how == "ctrl+c" else ["colon", "q", "enter"]
        await pilot.press(*keys)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog",
                       what="the question")
        await pilot.press("n")  # no: nothing happens to the run
        await pilot.pause()
        assert not job.cancel_token.cancelled and app.is_running
        await pilot.press(*keys)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog",
                       what="the question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the exit")
    assert gate.cancelled.is_set()
    assert job.state == "cancelled"


@pytest.mark.asyncio
async def test_quitting_without_a_running_deploy_asks_nothing(demo_app):
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running, what="the exit")


def test_the_status_line_of_each_state():
    from pipelines.job import Progress

    assert status_line("hello → demo", Progress("running", "", None, "", 0.4)) == \
        ("▶ hello → demo  starting 0.4s", "running")
    assert status_line("hello → demo", Progress("running", "push", 0.25, "", 3.0)) == \
        ("▶ hello → demo  push 25% 3.0s", "running")
    assert status_line("hello → demo", Progress("running", "rollout", 0.5, "", 3.0), True) == \
        ("▶ hello → demo  cancelling 50% 3.0s", "running")
    assert status_line("hello → demo", Progress("failed", "rollout", None, "", 75.0)) == \
        ("✗ hello → demo  failed 1m15s", "failed")
    assert status_line("hello → demo", Progress("cancelled", "build", None, "", 2.0)) == \
        ("■ hello → demo  cancelled 2.0s", "cancelled")
