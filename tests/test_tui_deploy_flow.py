"""The deploy key's flow (tui/deploy_flow.py and its dialogs): which pipeline file, the
confirmation (app, target, strategy, tag; a target to pick when the context matches none;
blue-green promotion; another file), starting the job and opening its screen, one job at a
time, read-only refusal, the header's deploy line and `--pipeline` checked before the TUI."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from pipe_run_support import write_pipeline
from tui_support import screen_text, wait_for, wait_view

from kubedeck.cli import main
from kubedeck.config import Config
from kubedeck.frontends import ExplorerOptions
from kubedeck.kube.errors import KubedeckError
from pipelines import runner
from pipelines.events import RunFinished, RunSummary, StageProgress, StageStarted
from pipelines.job import RunRequest
from tui import launch
from tui.deploy_flow import find_pipeline, suggestions, typed_path
from tui.screens.deploy_dialogs import DeployConfirmDialog, PipelineFileDialog, details

SIM_TARGET = "sim: {context: kubedeck-demo, namespace: web}"
TWO_TARGETS = """
dev: {context: minikube, namespace: web}
prod: {gke: {project: my-proj, location: us-central1, cluster: prod}, namespace: web}
"""
BLUEGREEN = "deploy:\n  strategy: bluegreen\n  bluegreen: {autoPromote: false}\n"


class GatedRun:
    """Stands in for pipelines.runner.execute: a rollout at 40% until released, then
    success; records the spec it ran."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.specs: list = []

    def __call__(self, spec, target, emit, cancel, **kwargs):
        self.specs.append(spec)
        emit(StageStarted("rollout", spec.app))
        emit(StageProgress("rollout", f"{spec.app}: 2/5 updated", 0.4))
        while not (self.release.wait(0.02) or cancel.cancelled):
            pass
        emit(RunFinished(RunSummary(spec.app, target, spec.deploy.strategy,
                                    "cancelled" if cancel.cancelled else "success",
                                    seconds=1.0)))


@pytest.fixture
def gate(monkeypatch):
    run = GatedRun()
    monkeypatch.setattr(runner, "execute", run)
    yield run
    run.release.set()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """An empty working directory for the explorer (where it looks for kubedeck.yaml)."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def make_app(world, *, pipeline: Path | None = None, readonly: bool = False,
             sample: Path | None = None):
    return launch.build_app(
        ExplorerOptions(kubeconfig=str(world.kubeconfig), readonly=readonly,
                        pipeline=str(pipeline) if pipeline else None),
        Config(), discovery_cache=False, clock=world.clock.now, sample=sample)


def label(dialog, widget_id: str) -> str:
    return str(dialog.query_one(f"#{widget_id}").render())


async def press_deploy(pilot, app, dialog: type):
    await pilot.press("D")
    await wait_for(pilot, lambda: isinstance(app.screen, dialog), what=dialog.__name__)
    await pilot.pause()
    return app.screen


def dialog_text(app) -> str:
    """The dialog as shown, its details laid out unwrapped (long paths wrap on screen)."""
    from rich.console import Console

    console = Console(width=300, record=True, file=io.StringIO())
    if isinstance(app.screen, DeployConfirmDialog):
        console.print(details(app.screen.plan))
    return screen_text(app) + "\n" + console.export_text()


# -- which file ---------------------------------------------------------------------------------

def test_the_file_comes_from_the_flag_then_here_then_the_sample(tmp_path: Path):
    here = tmp_path / "here"
    here.mkdir()
    sample = tmp_path / "sample"
    flag = tmp_path / "other.yaml"
    assert find_pipeline(flag, here, sample) == flag
    assert find_pipeline(None, here, sample) == sample / "kubedeck.yaml"
    assert find_pipeline(None, here, None) is None
    (here / "kubedeck.yaml").write_text("app: x\n")
    assert find_pipeline(None, here, sample) == here / "kubedeck.yaml"


def test_suggestions_and_typed_paths(tmp_path: Path):
    here = tmp_path / "here"
    sample = tmp_path / "sample"
    for folder in (here, sample):
        folder.mkdir()
        (folder / "kubedeck.yaml").write_text("")
    (here / "kubedeck.staging.yaml").write_text("")
    (here / "notes.yaml").write_text("")
    (sample / "kubedeck.broken.yaml").write_text("")
    assert suggestions(here, sample) == (
        "kubedeck.staging.yaml", "kubedeck.yaml", str(sample / "kubedeck.broken.yaml"),
        str(sample / "kubedeck.yaml"))
    assert suggestions(here, None) == ("kubedeck.staging.yaml", "kubedeck.yaml")
    assert typed_path("kubedeck.staging.yaml", here) == here / "kubedeck.staging.yaml"
    assert typed_path(str(sample), here) == sample / "kubedeck.yaml"
    assert typed_path("../sample", here) == here / "../sample" / "kubedeck.yaml"


# -- the confirmation ---------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_deploy_key_confirms_what_and_cancel_starts_nothing(demo_world, workdir, gate):
    write_pipeline(workdir, targets=SIM_TARGET)
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        dialog = await press_deploy(pilot, app, DeployConfirmDialog)
        text = dialog_text(app)
        assert "Deploy hello?" in text
        assert str(workdir / "kubedeck.yaml") in text
        assert 'sim: kubeconfig context "kubedeck-demo", namespace web' in text
        assert "rolling" in text and "hello:v1" in text
        assert not dialog.query_one("#auto-promote").display  # not blue-green
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, DeployConfirmDialog),
                       what="the dialog to close")
        await pilot.pause()
        assert app.deploys.jobs == [] and gate.specs == []
        assert app.deploy_status == ("", "")
    app.session.close()


@pytest.mark.asyncio
async def test_ok_starts_the_job_opens_its_screen_and_the_header_follows(demo_world, workdir,
                                                                        gate):
    from tui.screens.deploy import DeployScreen

    write_pipeline(workdir, targets=SIM_TARGET)
    app = make_app(demo_world)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await press_deploy(pilot, app, DeployConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen),
                       what="the deploy screen")
        [job] = app.deploys.jobs
        assert app.screen.job is job and job.title == "hello → sim"
        await wait_for(pilot, lambda: "rollout 40%" in app.deploy_status[0],
                       what="the header line")
        await pilot.press("escape")
        await wait_view(pilot, app, "pods")
        await wait_for(pilot, lambda: "▶ hello → sim  rollout 40%" in screen_text(app),
                       what="the header to show the running job")
        await pilot.press("D")  # a second deploy while one runs: its screen, not a new run
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen),
                       what="the running job's screen")
        assert app.screen.job is job and len(app.deploys.jobs) == 1
        assert app.flash_message == ("hello → sim is running: c cancels it", "warning")
        gate.release.set()
        await wait_for(pilot, lambda: app.deploy_status[1] == "success", what="the end")
        assert app.deploy_status[0].startswith("✓ hello → sim  success ")
    app.session.close()


@pytest.mark.asyncio
async def test_a_job_started_meanwhile_wins_and_ok_says_so(demo_world, workdir, gate):
    from pipelines.job import plan

    path = write_pipeline(workdir, targets=SIM_TARGET)
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        dialog = await press_deploy(pilot, app, DeployConfirmDialog)
        other = app.deploys.start(plan(RunRequest(path), current_context="kubedeck-demo"))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is not dialog, what="the dialog to close")
        await wait_for(pilot, lambda: app.flash_message[0] != "", what="the flash")
        assert app.flash_message == ("hello → sim is still running: wait for it or cancel it",
                                     "warning")
        assert app.deploys.jobs == [other]
    app.session.close()


@pytest.mark.asyncio
async def test_several_targets_and_no_match_refuse_ok_until_one_is_picked(demo_world, workdir,
                                                                         gate):
    write_pipeline(workdir, targets=TWO_TARGETS)
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        dialog = await press_deploy(pilot, app, DeployConfirmDialog)
        assert dialog.plan.target is None
        text = dialog_text(app)
        assert "choose a target:" in text
        assert label(dialog, "choice") == ('choose a target: the current context '
                                           '"kubedeck-demo" is not the context of any of its '
                                           'targets')
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog and app.deploys.jobs == []
        assert label(dialog, "error") == "pick a target first"
        dialog.query_one("#target").value = "dev"
        await wait_for(pilot, lambda: dialog.plan.target is not None, what="the pick")
        assert 'dev: kubeconfig context "minikube", namespace web' in dialog_text(app)
        assert label(dialog, "choice") == ""
        await pilot.click("#ok")
        await wait_for(pilot, lambda: len(app.deploys.jobs) == 1, what="the job")
        assert app.deploys.jobs[0].target.name == "dev"
    app.session.close()


@pytest.mark.asyncio
async def test_blue_green_promotion_can_be_switched_for_this_run(demo_world, workdir, gate):
    write_pipeline(workdir, targets=SIM_TARGET, extra=BLUEGREEN)
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        dialog = await press_deploy(pilot, app, DeployConfirmDialog)
        box = dialog.query_one("#auto-promote")
        assert box.display and box.value is False
        assert "bluegreen (promote by hand)" in dialog_text(app)
        box.value = True
        await wait_for(pilot, lambda: "bluegreen (promote automatically)" in dialog_text(app),
                       what="the re-plan")
        assert dialog.plan.request.auto_promote is True
        await pilot.press("y")
        await wait_for(pilot, lambda: len(gate.specs) == 1, what="the run")
        assert gate.specs[0].deploy.bluegreen.auto_promote is True
    app.session.close()


@pytest.mark.asyncio
async def test_a_broken_file_is_one_flash_line(demo_world, workdir, gate):
    (workdir / "kubedeck.yaml").write_text("app: hello\ntargets: {}\ndeploy: {strategy: blue}\n")
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("D")
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the error")
        text, _ = app.flash_message
        assert text.startswith(f"{workdir / 'kubedeck.yaml'}:") and "\n" not in text
        assert not isinstance(app.screen, (DeployConfirmDialog, PipelineFileDialog))
    app.session.close()


# -- no file here: the file dialog ---------------------------------------------------------------

@pytest.mark.asyncio
async def test_no_file_asks_for_one_and_a_wrong_path_says_why_in_the_dialog(demo_world, workdir,
                                                                            tmp_path, gate):
    app_folder = tmp_path / "app"
    app_folder.mkdir()
    write_pipeline(app_folder, targets=SIM_TARGET, app="shop")
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        dialog = await press_deploy(pilot, app, PipelineFileDialog)
        assert label(dialog, "reason") == f"no kubedeck.yaml in {workdir}: which pipeline file?"
        await pilot.press(*"missing.yaml", "enter")
        await wait_for(pilot, lambda: label(dialog, "error") != "", what="the error")
        assert app.screen is dialog
        assert label(dialog, "error") == (f"{workdir / 'missing.yaml'}: no such file; run "
                                          "`kubedeck init` to write a starter kubedeck.yaml, "
                                          "or pass -f FILE")
        dialog.query_one("#path").value = str(app_folder)  # a folder: its kubedeck.yaml
        await pilot.press("enter")
        confirm = await wait_for_screen(pilot, app, DeployConfirmDialog)
        assert "Deploy shop?" in dialog_text(app)
        assert confirm.plan.spec.path == app_folder / "kubedeck.yaml"
        await pilot.press("escape")
        await wait_view(pilot, app, "pods")
        assert app.deploys.jobs == []
    app.session.close()


async def wait_for_screen(pilot, app, kind: type):
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=kind.__name__)
    await pilot.pause()
    return app.screen


@pytest.mark.asyncio
async def test_the_confirmation_can_switch_to_another_file(demo_world, workdir, tmp_path, gate):
    write_pipeline(workdir, targets=SIM_TARGET)
    (workdir / "kubedeck.staging.yaml").write_text(
        (workdir / "kubedeck.yaml").read_text().replace("app: hello", "app: hello-staging"))
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        confirm = await press_deploy(pilot, app, DeployConfirmDialog)
        await pilot.click("#file")
        picker = await wait_for_screen(pilot, app, PipelineFileDialog)
        options = picker.query_one("#files")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == \
            ["kubedeck.staging.yaml", "kubedeck.yaml"]
        await pilot.press("tab", "enter")  # the list's first file
        await wait_for_screen(pilot, app, DeployConfirmDialog)
        assert app.screen is confirm and confirm.plan.spec.app == "hello-staging"
        assert app.focused is confirm.query_one("#cancel")
        assert "Deploy hello-staging?" in dialog_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(gate.specs) == 1, what="the run")
        assert gate.specs[0].app == "hello-staging"
    app.session.close()


@pytest.mark.asyncio
async def test_the_demo_deploys_its_sample_without_asking(demo_world, workdir, tmp_path, gate):
    from pipelines.sample import materialize

    sample = materialize(tmp_path)
    app = make_app(demo_world, sample=sample)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        dialog = await press_deploy(pilot, app, DeployConfirmDialog)
        assert dialog.plan.spec.path == sample / "kubedeck.yaml"
        text = dialog_text(app)
        assert "Deploy shop-web?" in text and "bluegreen (promote automatically)" in text
        assert f"shop-web:{dialog.plan.tags['shop-web']}" in text
    app.session.close()


# -- re-runs, read-only, the flag -----------------------------------------------------------------

@pytest.mark.asyncio
async def test_a_blue_green_action_rerun_names_the_action(demo_world, workdir, gate):
    from tui.deploy_flow import request_deploy

    path = write_pipeline(workdir, targets=SIM_TARGET, extra=BLUEGREEN)
    app = make_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        request_deploy(app, RunRequest(path, target="sim", action="rollback"))
        dialog = await wait_for_screen(pilot, app, DeployConfirmDialog)
        text = dialog_text(app)
        assert "Roll back hello on sim?" in text and "builds" not in text
        assert not dialog.query_one("#auto-promote").display
        assert str(dialog.query_one("#ok").label) == "Roll back"
    app.session.close()


@pytest.mark.asyncio
async def test_read_only_refuses_the_key_without_a_dialog(demo_world, workdir, gate):
    write_pipeline(workdir, targets=SIM_TARGET)
    app = make_app(demo_world, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("D")
        await wait_for(pilot, lambda: app.flash_message[0] != "", what="the refusal")
        assert app.flash_message == ("read-only: deploy is disabled", "warning")
        await pilot.pause()
        assert not isinstance(app.screen, (DeployConfirmDialog, PipelineFileDialog))
        assert app.deploys.jobs == []
    app.session.close()


def test_pipeline_flag_missing_file_is_one_line_exit_2(demo_world, tmp_path, capsys):
    missing = tmp_path / "nope.yaml"
    code = main(["--kubeconfig", str(demo_world.kubeconfig), "--pipeline", str(missing)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (f"error: --pipeline {missing}: no such file (give the path of a "
                   "kubedeck.yaml; `kubedeck init` writes one)\n")
    code = main(["demo", "--pipeline", str(missing)])
    assert (code, capsys.readouterr().err) == (2, err)


def test_pipeline_flag_broken_file_is_one_line_and_a_good_one_is_kept(demo_world, tmp_path,
                                                                       monkeypatch):
    bad = tmp_path / "kubedeck.yaml"
    bad.write_text("app: Hello\ntargets: {}\n")
    with pytest.raises(KubedeckError) as caught:
        make_app(demo_world, pipeline=bad)
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(f"error: --pipeline: {bad}:1: app: ")
    good = write_pipeline(tmp_path, targets=SIM_TARGET)
    monkeypatch.chdir(tmp_path)
    app = make_app(demo_world, pipeline=Path("kubedeck.yaml"))  # kept absolute
    assert app.deploys.pipeline == good
    app.session.close()


def test_help_documents_the_pipeline_flag(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--pipeline FILE" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--pipeline FILE" in capsys.readouterr().out


# -- the header ------------------------------------------------------------------------------------

def header_line(app, mark: str):
    """(text, colour) of the header's deploy line, found by its first character."""
    from rich.console import Console

    from tui.widgets.header import AppHeader

    console = Console(width=200, file=io.StringIO())
    table = app.screen.query_one(AppHeader).render_info()
    line = ""
    for segment in console.render(table):
        if segment.text.startswith(mark):
            line = segment
    return (line.text.strip(), line.style.color.name if line.style.color else "dim") \
        if line else ("", "")


@pytest.mark.asyncio
async def test_the_header_shows_the_job_in_its_state_colour(demo_world, workdir, gate):
    from pipelines.job import plan

    path = write_pipeline(workdir, targets=SIM_TARGET)
    app = make_app(demo_world)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        assert "▶" not in screen_text(app) and header_line(app, "▶") == ("", "")
        app.deploys.start(plan(RunRequest(path), current_context="kubedeck-demo"))
        await wait_for(pilot, lambda: "▶ hello → sim  rollout 40%" in screen_text(app),
                       what="the running line")
        text, colour = header_line(app, "▶")
        assert text.startswith("▶ hello → sim  rollout 40% ") and colour == "yellow"
        gate.release.set()
        await wait_for(pilot, lambda: "✓ hello → sim  success" in screen_text(app),
                       what="the success line")
        assert header_line(app, "✓")[1] == "green"
    app.session.close()


# -- kubedeck demo ---------------------------------------------------------------------------------

def test_kubedeck_demo_gives_the_explorer_its_world_and_a_fresh_sample(monkeypatch, tmp_path):
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("KUBEDECK_CONFIG", raising=False)
    seen: dict = {}

    def run_app(app) -> int:
        deploys = app.deploys
        seen.update(demo=deploys.demo, pipeline=deploys.pipeline, sample=deploys.sample,
                    files=sorted(p.name for p in deploys.sample.iterdir()))
        app.session.close()
        return 0

    monkeypatch.setattr(launch, "_run_app", run_app)
    assert launch.run(ExplorerOptions(demo=True)) == 0
    assert seen["demo"] is not None and seen["pipeline"] is None
    assert seen["sample"].name == "sample-app" and "kubedeck-demo-" in str(seen["sample"])
    assert seen["files"] == [".dockerignore", "Dockerfile", "app.py", "kubedeck.broken.yaml",
                             "kubedeck.yaml"]
    assert not seen["sample"].exists()  # the demo's temporary folder went with it


@pytest.mark.asyncio
async def test_the_demo_sample_deploys_into_the_embedded_world(workdir, tmp_path, monkeypatch):
    from kubedeck.demo import running_demo
    from pipelines.sample import materialize
    from tui.screens.deploy import DeployScreen

    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("KUBEDECK_CONFIG", raising=False)
    with running_demo(str(tmp_path)) as world:
        app = launch.build_app(ExplorerOptions(all_namespaces=True), Config(),
                               kubeconfig_path=world.kubeconfig, discovery_cache=False,
                               demo=world, sample=materialize(tmp_path))
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_view(pilot, app, "pods")
            dialog = await press_deploy(pilot, app, DeployConfirmDialog)
            assert "demo: the embedded demo cluster, namespace shop" in dialog_text(app)
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen),
                           what="the deploy screen")
            [job] = app.deploys.jobs
            assert job.plan is dialog.plan
            await wait_for(pilot, lambda: job.done, timeout=90, what="the run")
            assert job.state == "success", job.summary.reason
            await wait_for(pilot, lambda: app.deploy_status[1] == "success", what="the header")
            cluster = world.cluster
            service = cluster.get(cluster.type_for("services"), "shop", "shop-web")
            assert service["spec"]["selector"]["kubedeck.dev/color"] == "blue"
        app.session.close()
