"""`:runs` (tui/screens/runs.py) and a run's log (tui/screens/run_log.py) over a prepared
history folder: rows newest first with their columns and colours, the app filter, `/`,
Enter to the log, `r` to the deploy flow (refused read-only), and a job of this session
listed as running and then once as its result."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pipe_run_support import write_pipeline
from tui_support import screen_text, wait_for

from kubedeck.config import Config
from pipelines import runner
from pipelines.events import (
    ImageResult,
    RunFinished,
    RunSummary,
    StageProgress,
    StageStarted,
)
from pipelines.history import ImageRecord, RunHistory, RunRecord
from pipelines.job import DeployJob, RunRequest, plan
from tui.screens.run_log import RunLogScreen, styled_line
from tui.screens.runs import COLUMNS, RunsScreen, run_rows

HELLO = "sha256:" + "0123456789ab" * 5 + "cdef"
WORKER = "sha256:" + "fedcba987654" * 5 + "3210"
LONG_REASON = ("pod hello-green-7d9f-x2 is in CrashLoopBackOff: container web exited with "
               "code 1 - see its log lines below and fix the image")


# -- a prepared history ----------------------------------------------------------------------------

def rec(run_id: str, ago: float, now: float, spec: Path, **fields) -> RunRecord:
    base = dict(id=run_id, app="hello", target="demo", strategy="rolling", result="success",
                started=now - ago, seconds=12.5, spec_path=str(spec),
                where="the embedded demo cluster", demo=True,
                images=(ImageRecord("hello", "reg/hello", "v1", HELLO),))
    return RunRecord(**{**base, **fields})


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    return write_pipeline(folder, targets="sim: {context: kubedeck-demo, namespace: web}")


@pytest.fixture
def history(tmp_path: Path, demo_world, spec_file: Path) -> RunHistory:
    """Four runs of two apps (one with a pipeline file that is gone), logs for two."""
    now = demo_world.clock.now()
    history = RunHistory(tmp_path / "runs")
    gone = tmp_path / "moved-away" / "kubedeck.yaml"
    for record in (
        rec("r-old", 7200, now, gone, app="worker", target="prod", where="GKE cluster p/l/c",
            demo=False, dry_run=True, images=(ImageRecord("worker", "reg/w", "v9", WORKER),
                                              ImageRecord("hello", "reg/hello", "v1", HELLO))),
        rec("r-ok", 3600, now, spec_file),
        rec("r-failed", 600, now, spec_file, strategy="bluegreen", result="failed",
            failed_stage="rollout", reason=LONG_REASON, seconds=75.0),
        rec("r-cancelled", 60, now, spec_file, strategy="bluegreen", action="promote",
            result="cancelled", failed_stage="promote", reason="cancelled", images=()),
    ):
        history.add(record)
    history.log_path("r-failed").write_text(
        "2026-11-22T10:00:01Z [build] started: demo\n"
        "2026-11-22T10:00:09Z [rollout] FAILED after 60.0s: pod hello-green is crashing\n"
        "2026-11-22T10:00:09Z [rollout] | panic: no config\n"
        "2026-11-22T10:00:10Z [run] failed at stage rollout: deploying hello\n")
    history.log_path("r-ok").write_text("2026-11-22T09:00:00Z [run] success: deployed hello\n")
    return history


def runs_app(world, history: RunHistory, *, command: str = "runs", readonly: bool = False):
    from tui.app import KubedeckApp
    from tui.deploys import DeploySetup
    from tui.session import Session

    session = Session.open(config=Config(), kubeconfig_path=str(world.kubeconfig),
                           context=world.context, readonly=readonly, discovery_cache=False)
    return KubedeckApp(session, clock=world.clock.now, start_command=command,
                       readonly=readonly, discovery_cache=False,
                       deploys=DeploySetup(history=history))


async def runs_view(pilot, rows: int) -> RunsScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen)
                   and app.screen.records is not None and len(app.screen.rows) == rows,
                   what=f"the runs view with {rows} rows")
    return app.screen


def table_rows(screen: RunsScreen) -> list[list[str]]:
    table = screen.table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def result_styles(screen: RunsScreen) -> list[str]:
    table = screen.table
    index = COLUMNS.index("RESULT")
    return [str(table.get_row_at(i)[index].style) for i in range(table.row_count)]


class FlowCalls:
    """Stands in for tui.deploy_flow (engineer L's): what the runs view asked of it."""

    def __init__(self) -> None:
        self.requests: list[RunRequest | None] = []
        self.opened: list[DeployJob] = []

    def request_deploy(self, app, request: RunRequest | None = None) -> None:
        self.requests.append(request)

    def open_job(self, app, job: DeployJob) -> None:
        self.opened.append(job)


@pytest.fixture
def flow(monkeypatch: pytest.MonkeyPatch) -> FlowCalls:
    from tui import deploy_flow

    calls = FlowCalls()
    monkeypatch.setattr(deploy_flow, "request_deploy", calls.request_deploy)
    monkeypatch.setattr(deploy_flow, "open_job", calls.open_job)
    return calls


# -- the list ------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_rows_newest_first_with_their_columns_and_colours(demo_world, history):
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await runs_view(pilot, 4)
        table = screen.table
        assert [c.label.plain for c in table.columns.values()] == list(COLUMNS)
        assert table.border_title == "runs[4]"
        assert app.stack_crumbs == ("runs",)
        demo = "demo (the embedded demo cluster)"
        assert table_rows(screen) == [
            ["60s", "hello", "promote", demo, "bluegreen", "cancelled", "12.5s", "",
             "promote: cancelled"],
            ["10m", "hello", "run", demo, "bluegreen", "failed", "1m15s",
             "hello@sha256:0123456789ab", ("rollout: " + LONG_REASON)[:59] + "…"],
            ["60m", "hello", "run", demo, "rolling", "success", "12.5s",
             "hello@sha256:0123456789ab", ""],
            ["120m", "worker", "run (dry run)", "prod", "rolling", "success", "12.5s",
             "worker@sha256:fedcba987654, hello@sha256:0123456789ab", ""],
        ]
        assert result_styles(screen) == ["yellow", "red", "green", "green"]
        assert "no runs yet" not in screen_text(app)


@pytest.mark.asyncio
async def test_runs_of_one_app(demo_world, history):
    app = runs_app(demo_world, history, command="runs worker")
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await runs_view(pilot, 1)
        assert table_rows(screen)[0][1] == "worker"
        assert screen.table.border_title == "runs(worker)[1]"
        assert app.stack_crumbs == ("runs(worker)",)


@pytest.mark.asyncio
async def test_an_empty_history_says_how_to_deploy(demo_world, tmp_path):
    app = runs_app(demo_world, RunHistory(tmp_path / "nothing-yet"))
    async with app.run_test(size=(160, 30)) as pilot:
        await runs_view(pilot, 0)
        await wait_for(pilot, lambda: "press D in any view" in screen_text(app),
                       what="the hint")
        assert "no runs yet: press D in any view to deploy the kubedeck.yaml of this " \
               "directory" in screen_text(app)


@pytest.mark.asyncio
async def test_an_unreadable_history_is_one_flash_line(demo_world, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = runs_app(demo_world, RunHistory(blocker / "runs"))
    async with app.run_test(size=(160, 30)) as pilot:
        await runs_view(pilot, 0)
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the flash")
        text, _ = app.flash_message
        assert text.startswith(f"cannot read the deploy history {blocker}/runs/runs.jsonl: ")
        assert "\n" not in text


@pytest.mark.asyncio
async def test_slash_filters_the_rows_and_esc_clears_it(demo_world, history):
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await runs_view(pilot, 4)
        await pilot.press("slash", *"crash")
        await wait_for(pilot, lambda: len(screen.rows) == 1, what="the filtered list")
        assert table_rows(screen)[0][5] == "failed"
        assert screen.table.border_title == "runs/crash[1]"
        await pilot.press("enter")  # closes the input, keeps the filter
        assert len(screen.rows) == 1 and screen.table.has_focus
        await pilot.press("escape")
        assert len(screen.rows) == 4 and isinstance(app.screen, RunsScreen)


# -- a run's log ---------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_enter_shows_the_runs_log_with_its_summary(demo_world, history, flow):
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        await runs_view(pilot, 4)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunLogScreen)
                       and app.screen.loaded, what="the log")
        log = app.screen
        assert log.record.id == "r-failed"
        assert log.plain_lines() == history.log_text("r-failed").splitlines()
        text = screen_text(app)
        assert "✗ failed  run hello → demo (the embedded demo cluster)  bluegreen  1m15s  " \
               "started 2026-09-21T" in text
        assert "hello@sha256:0123456789ab" in text
        assert f"failed at rollout: {LONG_REASON}" in text, "the reason in full"
        await pilot.press("slash", *"panic", "enter")
        assert log.view.current_match == 2
        assert app.stack_crumbs == ("runs", "log")
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)
        assert flow.opened == []


@pytest.mark.asyncio
async def test_a_run_without_a_log_file_says_so(demo_world, history):
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        await runs_view(pilot, 4)
        await pilot.press("enter")  # the newest: the cancelled promote, no log kept
        await wait_for(pilot, lambda: isinstance(app.screen, RunLogScreen)
                       and app.screen.loaded, what="the log view")
        assert app.screen.plain_lines() == []
        path = history.log_path("r-cancelled")
        assert f"no log was kept for this run ({path} does not exist)" in screen_text(app)


def test_log_lines_are_coloured_by_what_they_say():
    failed = styled_line("2026-11-22T10:00:09Z [rollout] FAILED after 60.0s: crash")
    assert failed.plain == "2026-11-22T10:00:09Z [rollout] FAILED after 60.0s: crash"
    assert [str(s.style) for s in failed.spans] == ["dim", "bold", "red"]
    ok = styled_line("2026-11-22T10:00:09Z [run] success: deployed hello")
    assert str(ok.spans[-1].style) == "green"
    plain = styled_line("2026-11-22T10:00:09Z [rollout] hello: 1/2 updated")
    assert [str(s.style) for s in plain.spans] == ["dim", "bold"]
    assert styled_line("not a ci line").spans == []


# -- re-run --------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_r_asks_the_deploy_flow_for_the_records_request(demo_world, tmp_path, flow,
                                                             spec_file):
    now = demo_world.clock.now()
    history = RunHistory(tmp_path / "runs")
    for record in (rec("r-run", 600, now, spec_file, target="sim", demo=False),
                   rec("r-promote", 60, now, spec_file, target="sim", demo=False,
                       strategy="bluegreen", action="promote")):
        history.add(record)
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        await runs_view(pilot, 2)
        await pilot.press("r")
        await wait_for(pilot, lambda: flow.requests, what="the re-run request")
        assert flow.requests == [RunRequest(spec_file, "sim", "promote")]
        await pilot.press("down", "r")
        await wait_for(pilot, lambda: len(flow.requests) == 2, what="the second request")
        assert flow.requests[1] == RunRequest(spec_file, "sim", "run")


@pytest.mark.asyncio
async def test_a_demo_run_is_not_re_run_against_a_real_cluster(demo_world, history, flow):
    app = runs_app(demo_world, history)  # not kubedeck demo; the newest run went to the demo
    async with app.run_test(size=(200, 40)) as pilot:
        await runs_view(pilot, 4)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.flash_message[0], what="the refusal")
        assert app.flash_message == (
            "cannot re-run here: hello went to the embedded demo cluster that time - re-run "
            "it from kubedeck demo, or press D to deploy and choose a target", "warning")
        await pilot.pause()
        assert flow.requests == []


@pytest.mark.asyncio
async def test_r_goes_through_the_real_confirmation_to_a_new_job(demo_world, spec_file,
                                                                 tmp_path, monkeypatch):
    from tui.screens.deploy import DeployScreen
    from tui.screens.deploy_dialogs import DeployConfirmDialog

    monkeypatch.chdir(tmp_path)
    gate = GatedRun(started=demo_world.clock.now())
    monkeypatch.setattr(runner, "execute", gate)
    history = RunHistory(tmp_path / "runs")
    history.add(rec("r-sim", 300, demo_world.clock.now(), spec_file, target="sim",
                    where='kubeconfig context "kubedeck-demo"', demo=False))
    app = runs_app(demo_world, history)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await runs_view(pilot, 1)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployConfirmDialog),
                       what="the confirmation")
        await pilot.press("y")
        try:
            await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen),
                           what="the deploy screen")
            (job,) = app.deploys.jobs
            assert app.screen.job is job
            assert job.plan.request == RunRequest(spec_file.resolve(), "sim")
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen and len(screen.rows) == 2,
                           what="the new run in the list")
            assert screen.rows[0].job is job
        finally:
            gate.release.set()


@pytest.mark.asyncio
async def test_r_on_a_run_whose_file_is_gone_flashes_one_line(demo_world, history, flow,
                                                             tmp_path):
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        await runs_view(pilot, 4)
        await pilot.press("end", "r")
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the flash")
        gone = tmp_path / "moved-away" / "kubedeck.yaml"
        assert app.flash_message[0] == f"cannot re-run: {gone} no longer exists - deploy " \
                                       "it from where it is now with D"
        assert flow.requests == []


@pytest.mark.asyncio
async def test_readonly_refuses_the_rerun(demo_world, history, flow):
    app = runs_app(demo_world, history, readonly=True)
    async with app.run_test(size=(200, 40)) as pilot:
        await runs_view(pilot, 4)
        assert "Re-run" not in screen_text(app), "the key hint is hidden"
        await pilot.press("r")
        await wait_for(pilot, lambda: app.flash_message[0], what="the refusal")
        assert app.flash_message == ("read-only: re-run is disabled", "warning")
        await pilot.pause()
        assert flow.requests == []


# -- this session's jobs -------------------------------------------------------------------------

class GatedRun:
    """Stands in for pipelines.runner.execute: a rollout at 40% until released."""

    def __init__(self, started: float) -> None:
        self.release = threading.Event()
        self.started = started

    def __call__(self, spec, target, emit, cancel, **kwargs):
        emit(StageStarted("rollout", "hello"))
        emit(StageProgress("rollout", "hello: 2/5 updated", 0.4))
        self.release.wait(30)
        emit(RunFinished(RunSummary(
            spec.app, target, "rolling", "success", started=self.started, seconds=9.0,
            images=(ImageResult("hello", "reg/hello", "v2", "sha256:" + "9" * 64),))))


@pytest.mark.asyncio
async def test_a_running_job_is_listed_running_then_once_with_its_result(
        demo_world, history, spec_file, flow, monkeypatch):
    gate = GatedRun(started=demo_world.clock.now() - 5)
    monkeypatch.setattr(runner, "execute", gate)
    app = runs_app(demo_world, history)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await runs_view(pilot, 4)
        job = app.deploys.start(plan(RunRequest(spec_file), current_context="kubedeck-demo"))
        try:
            await runs_view(pilot, 5)
            await wait_for(pilot, lambda: "running rollout 40%" in table_rows(screen)[0][5],
                           what="the live stage")
            first = table_rows(screen)[0]
            assert first[1:5] == ["hello", "run", "sim", "rolling"]
            assert result_styles(screen)[0] == "yellow"
        finally:
            gate.release.set()
        await wait_for(pilot, lambda: table_rows(screen)[0][5] == "success",
                       what="the result")
        await wait_for(pilot, lambda: job.id in {r.id for r in screen.records or []},
                       what="the history re-read")
        await pilot.pause(1.2)  # a poll after the re-read: still one row for the run
        rows = table_rows(screen)
        assert len(rows) == 5 and [r[0] for r in rows].count("5s") == 1
        assert rows[0][1:] == ["hello", "run", "sim", "rolling", "success", "9.0s",
                               "hello@sha256:999999999999", ""]
        assert result_styles(screen)[0] == "green"
        await pilot.press("home", "enter")  # this session's job: its deploy screen
        await wait_for(pilot, lambda: flow.opened, what="open_job")
        assert flow.opened == [job]
        await pilot.press("r")  # the job's own request (its target already chosen)
        await wait_for(pilot, lambda: flow.requests, what="the re-run")
        assert flow.requests == [RunRequest(spec_file.resolve(), "sim")]


def test_a_finished_job_missing_from_the_history_is_listed_from_its_summary(spec_file):
    planned = plan(RunRequest(spec_file), current_context="kubedeck-demo")
    job = DeployJob(planned, history=None, execute=lambda spec, target, emit, cancel, **kw:
                    emit(RunFinished(RunSummary(spec.app, target, "rolling", "failed",
                                                failed_stage="deploy", reason="denied",
                                                started=1000.0, seconds=1.0))))
    job.start()
    assert job.wait(30)
    (row,) = run_rows([], [job], now=1060.0)
    assert row.job is job and row.record is not None
    assert [str(c) for c in row.cells] == ["60s", "hello", "run", "sim", "rolling", "failed",
                                           "1.0s", "", "deploy: denied"]
