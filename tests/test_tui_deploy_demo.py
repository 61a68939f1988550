"""The whole one-key deploy as a newcomer meets it in `kubedeck demo`: the deploy key on the
sample app builds, pushes and switches it live blue-green; the broken release is refused while
the live colour keeps serving; and from the deploy screen, promote, abort and roll back act on
the real embedded cluster. Everything goes through the keys, the dialogs and the screens."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipe_deploy_support import get, service_ready_pods
from tui_support import wait_for, wait_view

from kubedeck.config import Config
from kubedeck.demo import running_demo
from kubedeck.frontends import ExplorerOptions
from kubedeck.kube.connect import connect
from pipelines.job import DeployJob
from pipelines.sample import materialize
from tui import launch
from tui.screens.deploy import DeployScreen
from tui.screens.deploy_dialogs import DeployConfirmDialog, PipelineFileDialog
from tui.screens.dialogs import ConfirmDialog

pytestmark = pytest.mark.integration
NAMESPACE = "shop"
APP = "shop-web"
RUN_SECONDS = 120


@pytest.fixture
def demo(tmp_path: Path, monkeypatch):
    """`kubedeck demo` as launch builds it: the live world (controllers on the real clock),
    a fresh sample app, an empty working directory; the sample waits 1s before scaling the
    old colour down instead of 10s, so a test needs no long pauses."""
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("KUBEDECK_CONFIG", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with running_demo(str(tmp_path)) as world:
        sample = materialize(tmp_path)
        for name in ("kubedeck.yaml", "kubedeck.broken.yaml"):
            path = sample / name
            path.write_text(path.read_text().replace("scaleDownDelay: 10s", "scaleDownDelay: 1s"))
        app = launch.build_app(ExplorerOptions(all_namespaces=True), Config(),
                               kubeconfig_path=world.kubeconfig, discovery_cache=False,
                               demo=world, sample=sample)
        conn = connect(world.kubeconfig)
        try:
            yield app, sample, conn
        finally:
            conn.close()
            app.session.close()


def live_color(conn) -> str | None:
    service = get(conn, f"/api/v1/namespaces/{NAMESPACE}/services/{APP}")
    return ((service.get("spec") or {}).get("selector") or {}).get("kubedeck.dev/color")


def serving_colors(conn) -> set[str]:
    """The colours of the ready pods the live Service sends traffic to."""
    return {p["metadata"]["labels"]["kubedeck.dev/color"]
            for p in service_ready_pods(conn, NAMESPACE, APP)}


def replicas(conn, color: str) -> int:
    deployment = get(conn, f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{APP}-{color}")
    return deployment["spec"]["replicas"]


def new_release(sample: Path, mark: str) -> None:
    """An edit of the app: a new image, so a new release."""
    path = sample / "app.py"
    path.write_text(path.read_text() + f"\n# {mark}\n")


async def deploy(pilot, app, *, file: Path | None = None, auto: bool = True) -> DeployJob:
    """The deploy key, the confirmation (another file, the promotion mode), `y`; returns the
    job once it ended, its deploy screen on top."""
    before = len(app.deploys.jobs)
    await pilot.press("D")
    await wait_for(pilot, lambda: isinstance(app.screen, DeployConfirmDialog),
                   what="the confirmation")
    dialog = app.screen
    if file is not None:
        await pilot.click("#file")
        await wait_for(pilot, lambda: isinstance(app.screen, PipelineFileDialog),
                       what="the file dialog")
        await pilot.press(*str(file), "enter")
        await wait_for(pilot, lambda: app.screen is dialog and dialog.plan.spec.path == file,
                       what="the other file planned")
    box = dialog.query_one("#auto-promote")
    if box.value != auto:
        box.value = auto
        await wait_for(pilot, lambda: dialog.plan.spec.deploy.bluegreen.auto_promote is auto,
                       what="the re-plan")
    await pilot.pause()
    await pilot.press("y")
    await wait_for(pilot, lambda: len(app.deploys.jobs) == before + 1, what="the job")
    job = app.deploys.jobs[-1]
    await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen)
                   and app.screen.job is job, what="its deploy screen")
    await ended(pilot, app.screen, job)
    return job


async def ended(pilot, screen: DeployScreen, job: DeployJob) -> None:
    """The job ended and its screen has shown the end (it polls the job every 100 ms)."""
    await wait_for(pilot, lambda: job.done, timeout=RUN_SECONDS, what=f"{job.title} to end")
    summary = screen.query_one("#deploy-summary")
    await wait_for(pilot, lambda: summary.has_class(f"-{job.state}"), what="the screen's end")


async def act(pilot, app, key: str, action: str) -> DeployJob:
    """A blue-green key on the deploy screen: the question, `y`, the action's own job and
    screen; returns the job once it ended."""
    before = len(app.deploys.jobs)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
    await pilot.press("y")
    await wait_for(pilot, lambda: len(app.deploys.jobs) == before + 1, what=f"the {action}")
    job = app.deploys.jobs[-1]
    assert job.action == action
    await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen)
                   and app.screen.job is job, what=f"the {action} screen")
    assert app.screen.crumb == f"deploy {action} {APP}"
    await ended(pilot, app.screen, job)
    assert job.state == "success", job.summary.reason
    return job


async def panel_shows(pilot, screen: DeployScreen, live: str, state: str) -> None:
    """The blue-green panel catches up with the cluster (it polls every second)."""
    await wait_for(pilot, lambda: screen.colors is not None
                   and screen.colors.selects == live and screen.colors.state.state == state,
                   what=f"the panel: {live} live, {state}")


@pytest.mark.asyncio
async def test_the_sample_goes_live_and_the_broken_release_is_refused(demo):
    app, sample, conn = demo
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_view(pilot, app, "pods")
        first = await deploy(pilot, app)
        assert first.state == "success", first.summary.reason
        screen = app.screen
        assert [r.state for r in screen.stage_rows()] == ["success"] * 7
        assert live_color(conn) == "blue" and serving_colors(conn) == {"blue"}
        await panel_shows(pilot, screen, "blue", "promoted")
        await wait_for(pilot, lambda: len(screen.pods_rows()) == 3 and all(
            (r.version, r.color, r.status) == ("new", "blue", "Running")
            for r in screen.pods_rows()), what="three new blue pods running")
        await wait_for(pilot, lambda: app.deploy_status[1] == "success", what="the header")
        assert any(n.title == "deploy succeeded" for n in app._notifications)

        broken = await deploy(pilot, app, file=sample / "kubedeck.broken.yaml")
        assert broken.state == "failed"
        assert broken.summary.failed_stage == "rollout"
        screen = app.screen
        log = screen.output.log_text()
        assert "shop-web-green" in log and "exited with code 1" in log
        assert live_color(conn) == "blue" and serving_colors(conn) == {"blue"}
        assert len(service_ready_pods(conn, NAMESPACE, APP)) == 3
        await panel_shows(pilot, screen, "blue", "aborted")  # green dropped, never live
        # the crashing green pods are gone with their colour; blue's are the old release
        await wait_for(pilot, lambda: [(r.version, r.color, r.status)
                                       for r in screen.pods_rows()] == [("old", "blue",
                                                                         "Running")] * 3,
                       what="only blue's three pods, as the old release")
        await wait_for(pilot, lambda: app.deploy_status[1] == "failed", what="the header")
        assert any(n.title == "deploy failed" and n.severity == "error"
                   for n in app._notifications)


@pytest.mark.asyncio
async def test_promote_abort_and_roll_back_from_the_deploy_screen(demo):
    app, sample, conn = demo
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_view(pilot, app, "pods")
        # by hand: blue waits behind the preview Service until P
        first = await deploy(pilot, app, auto=False)
        assert first.state == "success", first.summary.reason
        assert live_color(conn) is None
        await panel_shows(pilot, app.screen, None, "verifying")
        await act(pilot, app, "P", "promote")
        assert live_color(conn) == "blue" and serving_colors(conn) == {"blue"}
        await panel_shows(pilot, app.screen, "blue", "promoted")

        # a new release by hand, then A: green is dropped, blue never stopped serving
        new_release(sample, "v2")
        second = await deploy(pilot, app, auto=False)
        assert second.state == "success", second.summary.reason
        assert live_color(conn) == "blue" and replicas(conn, "green") == 3
        await act(pilot, app, "A", "abort")
        assert live_color(conn) == "blue" and serving_colors(conn) == {"blue"}
        assert replicas(conn, "green") == 0
        await panel_shows(pilot, app.screen, "blue", "aborted")

        # a third release switched automatically, then B: back to blue
        new_release(sample, "v3")
        third = await deploy(pilot, app)
        assert third.state == "success", third.summary.reason
        assert live_color(conn) == "green" and serving_colors(conn) == {"green"}
        await act(pilot, app, "B", "rollback")
        assert live_color(conn) == "blue" and serving_colors(conn) == {"blue"}
        await panel_shows(pilot, app.screen, "blue", "rolledback")
        assert [j.action for j in app.deploys.jobs] == ["run", "promote", "run", "abort", "run",
                                                         "rollback"]
        assert [r.action for r in app.deploys.history.records()][:6] == [
            "rollback", "run", "abort", "run", "promote", "run"]
