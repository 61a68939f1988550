"""The deploy screen (tui/screens/deploy.py) on scripted jobs the tests step through: stages
and bars as events arrive, the log with build output and a failure's pod log lines, the diff
on `f`, a replay when the screen is opened again, cancel with confirmation, the blue-green
keys refused while the run goes on (and hidden read-only); the pods pane against a real
demo world, telling the new release's pods from the old ones by digest."""

from __future__ import annotations

import io

import pytest
from deploy_screen_support import (
    NAMESPACE,
    NEW_IMAGE,
    OLD_IMAGE,
    Clock,
    Script,
    built_and_rendered,
    create,
    create_namespace,
    deployment_doc,
    rolling_to_failure,
    scripted_job,
    set_image,
)
from rich.console import Console
from textual.widgets import ProgressBar
from tui_support import build_app, wait_for

from pipelines.events import StageFailed, StageProgress, StageStarted
from pipelines.stageboard import StageBoard
from tui.screens.deploy import WAIT_FOR_END, DeployScreen
from tui.screens.dialogs import ConfirmDialog
from tui.widgets.deploy_pods import PodRow, PodSelector, PodTable, selector_of_live

SIZE = (120, 40)


async def open_screen(pilot, app, job) -> DeployScreen:
    screen = DeployScreen(job)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: app.screen is screen and screen.is_mounted,
                   what="the deploy screen")
    return screen


def row(screen: DeployScreen, stage: str):
    return screen.board.row(stage)


def bar(screen: DeployScreen, stage: str) -> ProgressBar:
    return screen.query_one(f"#stage-{stage}").query_one(ProgressBar)


@pytest.fixture
def app(demo_world):
    app = build_app(demo_world, probe_seconds=0)
    yield app
    app.session.close()


@pytest.mark.asyncio
async def test_stages_log_diff_and_failure_as_the_run_goes(app, demo_world, tmp_path):
    script = Script(Clock(), rolling_to_failure())
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        assert screen.crumb == "deploy hello"
        await wait_for(pilot, lambda: "STEP 2/3" in screen.output.log_text(),
                       what="the build output")
        build = row(screen, "build")
        assert (build.state, build.fraction) == ("running", 0.0)
        assert [r.stage for r in screen.stage_rows()] == ["build"]
        assert bar(screen, "build").percentage == 0.0
        assert "waiting for the manifests" in screen.pods_pane.note
        assert not screen.query_one("#stage-push").has_class("-started")

        script.release()
        await wait_for(pilot, lambda: row(screen, "rollout") is not None
                       and row(screen, "rollout").fraction == 0.25, what="the rollout")
        assert [(r.stage, r.state) for r in screen.stage_rows()] == [
            ("build", "success"), ("push", "success"), ("render", "success"),
            ("deploy", "success"), ("rollout", "running")]
        assert row(screen, "build").seconds == 2.2
        assert bar(screen, "build").percentage == 1.0
        assert bar(screen, "rollout").percentage == 0.25
        assert row(screen, "rollout").message == "hello: 1/2 updated, 0 available"
        log = screen.output.log_text()
        assert 'Waiting for deployment "hello" rollout to finish: 1 out of 2' in log
        assert "deployment.apps/hello serverside-applied" in log

        await pilot.press("f")
        assert screen.showing == "diff"
        diff = screen.output.diff_text()
        assert "+      - image: localhost:5000/apps/hello:v2@sha256:7f7f" in diff
        added = next(t for t in screen.output.diff_view.lines if t.plain.startswith("+  "))
        assert added.style == screen.output.style("added")
        await pilot.press("f")
        assert screen.showing == "log"

        script.release()
        await wait_for(pilot, lambda: job.done, what="the end of the run")
        await wait_for(pilot, lambda: row(screen, "rollout").state == "failed",
                       what="the failed rollout")
        log = screen.output.log_text().splitlines()
        failed = next(i for i, line in enumerate(log) if line.startswith("✗ rollout failed"))
        assert "CrashLoopBackOff" in log[failed]
        assert log[failed + 1].startswith("  hint: look at the container's last log lines")
        assert log[failed + 2:failed + 5] == [f"  │ {line}" for line in (
            "Traceback (most recent call last):", '  File "/app.py", line 3, in <module>',
            "KeyError: 'PORT'")]
        podlog = screen.output.log_view.lines[failed + 4]
        assert podlog.style == screen.output.style("podlog")
        summary = screen.query_one("#deploy-summary")
        assert summary.has_class("-failed")
        assert "failed at rollout after 9.6s" in str(summary.render())
        assert screen.query_one("#stage-rollout").has_class("-failed")


@pytest.mark.asyncio
async def test_leaving_and_opening_again_replays_the_whole_run(app, demo_world, tmp_path):
    script = Script(Clock(), rolling_to_failure())
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        first = await open_screen(pilot, app, job)
        await wait_for(pilot, lambda: "STEP 2/3" in first.output.log_text(), what="the build")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DeployScreen), what="back")
        script.release()  # the run goes on while nobody watches
        script.release()
        await wait_for(pilot, lambda: job.done, what="the end of the run")

        again = await open_screen(pilot, app, job)
        await wait_for(pilot, lambda: row(again, "rollout") is not None
                       and row(again, "rollout").state == "failed", what="the replay")
        assert [r.stage for r in again.stage_rows()] == ["build", "push", "render", "deploy",
                                                          "rollout"]
        text = again.output.log_text()
        assert text.index("STEP 1/3") < text.index("✗ rollout failed") < text.index(
            "run failed after 9.6s")
        assert "+      - image:" in again.output.diff_text()


@pytest.mark.asyncio
async def test_cancel_asks_first_and_the_run_ends_cancelled(app, demo_world, tmp_path):
    script = Script(Clock(), rolling_to_failure())
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        script.release()
        await wait_for(pilot, lambda: row(screen, "rollout") is not None, what="the rollout")

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        question = str(app.screen.query_one("#message").render())
        assert "Cancel the deploy of hello to web?" in question
        assert "the live Service stays on healthy pods" in question
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen, what="the dialog closed")
        assert not job.cancel_token.cancelled

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: job.done, what="the cancelled end")
        assert job.state == "cancelled"
        await wait_for(pilot, lambda: row(screen, "rollout").state == "cancelled",
                       what="the cancelled stage")
        assert screen.query_one("#deploy-summary").has_class("-cancelled")
        assert "■ rollout cancelled" in screen.output.log_text()

        await pilot.press("c")
        assert app.flash_message[0].startswith("nothing to cancel: hello → web already ended")


@pytest.mark.asyncio
async def test_the_stage_line_says_cancelling_until_the_run_stops(app, demo_world, tmp_path):
    script = Script(Clock(), rolling_to_failure(), deaf=1)
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        job.cancel()
        await wait_for(pilot, lambda: "cancelling…" in str(
            screen.query_one("#stage-build .stage-message").render()), what="cancelling")
        assert "cancelling…" in str(screen.query_one("#deploy-summary").render())
        script.release()  # the next step sees the cancel
        await wait_for(pilot, lambda: job.done, what="the end")
        assert job.state == "cancelled"


@pytest.mark.asyncio
async def test_bluegreen_keys_wait_for_the_end_of_the_run(app, demo_world, tmp_path):
    phases = built_and_rendered()
    script = Script(Clock(), [phases[0], phases[1]])
    job = scripted_job(tmp_path, demo_world, script, strategy="bluegreen")
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        for key in ("P", "A", "B", "R"):
            app.flash_message = ("", "information")
            await pilot.press(key)
            assert app.flash_message == (WAIT_FOR_END, "warning"), key
        assert app.screen is screen and app.deploys.jobs == []
        script.release()
        await wait_for(pilot, lambda: job.done, what="the end")


@pytest.mark.asyncio
async def test_promote_after_the_end_asks_and_opens_the_promotion(app, demo_world, tmp_path):
    phases = built_and_rendered()
    script = Script(Clock(), [phases[0] + phases[1]])
    job = scripted_job(tmp_path, demo_world, script, strategy="bluegreen")
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        await wait_for(pilot, lambda: job.done, what="the end")
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        question = str(app.screen.query_one("#message").render())
        assert question.startswith("Promote hello on target web (kubeconfig context "
                                   '"kubedeck-demo")')
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen)
                       and app.screen is not screen, what="the promotion's screen")
        promotion = app.screen
        assert promotion.crumb == "deploy promote hello"
        assert promotion.job.action == "promote" and promotion.job is app.deploys.latest
        assert app.stack_crumbs[-1] == "deploy promote hello"
        assert screen not in app.screen_stack
        # nothing was deployed blue-green in this world: the promotion says so and fails
        await wait_for(pilot, lambda: promotion.job.done, what="the promotion's end")
        await wait_for(pilot, lambda: "never" in promotion.output.log_text()
                       or "blue-green" in promotion.output.log_text(), what="the reason")
        assert promotion.job.state == "failed"


@pytest.mark.asyncio
async def test_rerun_after_the_end_asks_through_the_deploy_flow(app, demo_world, tmp_path):
    from tui.screens.deploy_dialogs import DeployConfirmDialog

    script = Script(Clock(), [built_and_rendered()[0]])
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        await wait_for(pilot, lambda: job.done, what="the end")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployConfirmDialog),
                       what="the confirmation of the re-run")
        assert app.screen.plan.request == job.plan.request
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back on the screen")
        assert app.deploys.jobs == []


@pytest.mark.asyncio
async def test_promote_abort_rollback_are_for_blue_green_only(app, demo_world, tmp_path):
    script = Script(Clock(), [built_and_rendered()[0]])
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        await wait_for(pilot, lambda: job.done, what="the end")
        for action in ("deploy_promote", "deploy_abort", "deploy_rollback"):
            assert screen.check_action(action, ()) is False
        assert screen.check_action("deploy_cancel", ()) is True
        assert screen.colors is None and not screen.query("#deploy-colors")


@pytest.mark.asyncio
async def test_read_only_hides_and_refuses_the_mutating_keys(demo_world, tmp_path):
    app = build_app(demo_world, probe_seconds=0, readonly=True)
    script = Script(Clock(), [built_and_rendered()[0], []])
    job = scripted_job(tmp_path, demo_world, script, strategy="bluegreen")
    try:
        async with app.run_test(size=SIZE) as pilot:
            job.start()
            screen = await open_screen(pilot, app, job)
            for action in ("deploy_cancel", "deploy_promote", "deploy_abort",
                           "deploy_rollback", "deploy_rerun"):
                assert screen.check_action(action, ()) is False, action
            assert screen.check_action("deploy_diff", ()) is True
            shown = {b.binding.action for b in screen.active_bindings.values()}
            assert "deploy_cancel" not in shown and "deploy_diff" in shown
            await pilot.press("c")
            assert app.flash_message == ("read-only: cancel run is disabled", "warning")
            assert not job.cancel_token.cancelled
            await pilot.press("P")
            assert app.flash_message == ("read-only: promote is disabled", "warning")
            script.release()
            await wait_for(pilot, lambda: job.done, what="the end")
    finally:
        app.session.close()


@pytest.mark.asyncio
async def test_autoscroll_toggles(app, demo_world, tmp_path):
    script = Script(Clock(), [built_and_rendered()[0]])
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        assert screen.output.follow
        await pilot.press("s")
        assert not screen.output.follow
        assert "autoscroll off" in str(screen.query_one("#deploy-output-title").render())
        await pilot.press("s")
        assert screen.output.follow


@pytest.mark.asyncio
async def test_the_pods_pane_tells_new_pods_from_old_ones(app, demo_world, tmp_path):
    cluster = demo_world.cluster
    create_namespace(cluster)
    create(cluster, "deployments", deployment_doc(image=OLD_IMAGE))
    cluster.step(0)
    cluster.step(5)  # both old pods ready
    set_image(cluster, "hello", NEW_IMAGE)
    cluster.step(0)  # the new ReplicaSet surges one pod
    pods = cluster.list(cluster.type_for("pods"), NAMESPACE)[0]
    new = {p["metadata"]["name"] for p in pods
           if p["spec"]["containers"][0]["image"] == NEW_IMAGE}
    old = {p["metadata"]["name"] for p in pods} - new
    assert len(new) == 1 and len(old) == 2

    phases = built_and_rendered()
    script = Script(Clock(), [phases[0], phases[1], []])
    job = scripted_job(tmp_path, demo_world, script)
    async with app.run_test(size=SIZE) as pilot:
        job.start()
        screen = await open_screen(pilot, app, job)
        assert "waiting for the manifests" in screen.pods_pane.note
        script.release()
        await wait_for(pilot, lambda: len(screen.pods_rows()) == 3, what="three pods")
        rows = screen.pods_rows()
        assert rows[0].name in new and rows[0].version == "new"
        assert {r.name for r in rows[1:]} == old and {r.version for r in rows[1:]} == {"old"}
        assert [r.status for r in rows[1:]] == ["Running", "Running"]
        assert all(r.ready == "1/1" for r in rows[1:])
        assert screen.pods_pane.heading == f"Pods · namespace {NAMESPACE} · 1 new, 2 old"
        script.release()
        await wait_for(pilot, lambda: job.done, what="the end")


# -- the pieces without a screen -----------------------------------------------------------------

def test_the_board_keeps_a_fraction_marks_cancels_and_restarts_stages():
    board = StageBoard()
    board.feed(0.0, StageStarted("rollout", "hello"))
    board.feed(1.0, StageProgress("rollout", "1/2 updated", 0.5))
    board.feed(2.0, StageProgress("rollout", "waiting for the pod to be ready"))
    rollout = board.row("rollout")
    assert (rollout.fraction, rollout.message) == (0.5, "waiting for the pod to be ready")
    assert rollout.elapsed(3.5) == 3.5
    board.feed(4.0, StageFailed("rollout", 4.0, "cancelled"))
    assert board.row("rollout").state == "cancelled" and board.row("rollout").elapsed(9) == 4.0
    board.feed(5.0, StageStarted("rollout", "again"))
    again = board.row("rollout")
    assert (again.state, again.started, again.fraction) == ("running", 5.0, None)


def test_a_blue_green_action_finds_both_colours_pods_by_the_live_selectors():
    def deployment(color: str) -> dict:
        return {"spec": {"selector": {"matchLabels": {"app": "hello",
                                                      "kubedeck.dev/color": color}}}}

    selector = selector_of_live([deployment("blue"), deployment("green")])
    assert selector == PodSelector(({"app": "hello"},))
    assert selector.server_side() == "app=hello"
    assert selector.matches({"app": "hello", "kubedeck.dev/color": "green"})
    assert not selector.matches({"app": "other"})
    two = PodSelector(({"app": "hello", "tier": "web"}, {"app": "hello", "tier": "worker"}))
    assert two.server_side() == "app=hello"
    assert two.matches({"app": "hello", "tier": "worker"}) and not two.matches({"app": "hello"})


def test_a_narrow_pods_pane_drops_columns_then_cuts_names_in_the_middle():
    rows = [PodRow("hello-green-764d7cd9cf-mcwpd", "0/1", "ContainerCreating", "0", "5s",
                   "new", "green"),
            PodRow("hello-blue-64bc88ff57-9g45c", "1/1", "Running", "0", "2m", "old", "blue")]
    table = PodTable(rows, {})
    assert list(table.layout(200)) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE",
                                       "VERSION", "COLOR"]
    assert list(table.layout(70)) == ["NAME", "READY", "STATUS", "VERSION", "COLOR"]
    narrow = table.layout(40)
    assert list(narrow) == ["NAME", "READY", "STATUS", "VERSION"]
    assert sum(narrow.values()) + 2 * 3 <= 40
    console = Console(width=40, file=io.StringIO())
    console.print(table)
    lines = console.file.getvalue().splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "VERSION"]
    assert lines[1].split() == ["hello-…mcwpd", "0/1", "Container…", "new"]
    running = PodTable([PodRow("shop-web-blue-69b55fd7f8-q5gwm", "1/1", "Running", "0", "1m",
                               "old", "blue")], {})
    assert running.layout(36) == {"NAME": 11, "READY": 5, "STATUS": 7, "VERSION": 7}
