"""buildah for real: an image built FROM a busybox-static base the test makes, pushed to a real
docker-registry on 127.0.0.1, checked with skopeo; a bad Dockerfile gives one clear message
with buildah's last lines; the stages are reported as events."""

from __future__ import annotations

import json
import subprocess

import pytest
from pipe_build_support import (
    BASE_IMAGE,
    Recorder,
    buildah_storage,
    make_spec,
    no_cancel,
    registry_running,
    write_app,
)

from pipelines.build import build_and_push
from pipelines.events import Cancelled, CancelToken, StageFailed, StageFinished, StageStarted
from pipelines.staged import StageError


@pytest.fixture(scope="module")
def buildah_env(tmp_path_factory):
    with buildah_storage(tmp_path_factory.mktemp("buildah")) as env:
        yield env


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    with registry_running(tmp_path_factory.mktemp("registry")) as running:
        yield running


def test_buildah_builds_and_pushes_a_real_image(tmp_path, buildah_env, registry):
    app = write_app(tmp_path / "app", message="real build")
    spec = make_spec(app, f"{registry.host}/apps", build_args={"GREETING": "from-args"})
    events = Recorder()

    [result] = build_and_push(spec, "dev", events, no_cancel())

    assert result.name == "hello"
    assert result.repository == f"{registry.host}/apps/hello"
    assert result.tag == "v1"
    assert result.digest == registry.digest_of("apps/hello", "v1")
    assert result.pinned == f"{registry.host}/apps/hello:v1@{result.digest}"
    started = [(e.stage, e.detail) for e in events.of(StageStarted)]
    assert started == [("build", "buildah"), ("push", f"{registry.host}/apps")]
    assert [e.stage for e in events.of(StageFinished)] == ["build", "push"]
    build_lines = events.lines("buildah")
    assert any(line.startswith("STEP 1/") and BASE_IMAGE in line for line in build_lines)
    assert any("Writing manifest" in line or "Copying" in line for line in build_lines)
    assert any(line.startswith("isolation chroot") for line in build_lines)

    # The image really holds what the Dockerfile wrote, build arg included.
    config = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--config",
                             f"docker://{result.repository}@{result.digest}"],
                            capture_output=True, text=True, check=True)
    assert json.loads(config.stdout)["config"]["Cmd"] == ["cat", "/app.txt"]
    greeting = subprocess.run(["buildah", "from", "--pull-never", f"{result.repository}:v1"],
                              capture_output=True, text=True, check=True).stdout.strip()
    try:
        mount = subprocess.run(["buildah", "mount", greeting], capture_output=True, text=True,
                               check=True).stdout.strip()
        with open(mount + "/greeting") as f:
            assert f.read() == "from-args\n"
    finally:
        subprocess.run(["buildah", "rm", greeting], capture_output=True)


def test_a_second_image_and_a_rebuild_reuse_layers(tmp_path, buildah_env, registry):
    app = write_app(tmp_path / "app", message="two images")
    spec = make_spec(app, f"{registry.host}/apps", names=("api", "worker"), tag="digest")
    first = build_and_push(spec, "dev", Recorder(), no_cancel())
    again = Recorder()
    second = build_and_push(spec, "dev", again, no_cancel())
    assert [r.name for r in first] == ["api", "worker"]
    assert first == second  # digest tag mode: same inputs, same tag and digest
    assert any("Using cache" in line for line in again.lines("buildah"))
    for r in second:
        assert registry.digest_of(f"apps/{r.name}", r.tag) == r.digest


def test_a_bad_dockerfile_is_one_clear_message_with_buildahs_last_lines(
        tmp_path, buildah_env, registry):
    app = write_app(tmp_path / "bad", dockerfile=f"FROM {BASE_IMAGE}\nRUN false\n")
    events = Recorder()
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(app, f"{registry.host}/apps"), "dev", events, no_cancel())
    message = err.value.message
    assert message.startswith("error: buildah could not build image hello from ")
    assert "RUN false" in message and "fix the Dockerfile" in message
    assert "\n" not in message
    assert err.value.exit_code == 1 and err.value.stage == "build"
    [failed] = events.of(StageFailed)
    assert failed.stage == "build"
    assert f"{failed.reason} - {failed.hint}" == message
    assert failed.hint == "fix the Dockerfile or the context, then run again"
    assert any("STEP 2/2: RUN false" in line for line in failed.logs)
    assert not [e for e in events.of(StageStarted) if e.stage == "push"]


def test_an_unknown_instruction_names_it(tmp_path, buildah_env, registry):
    app = write_app(tmp_path / "typo", dockerfile=f"FROM {BASE_IMAGE}\nCOPPY app.txt /\n")
    with pytest.raises(StageError, match="(?i)coppy"):
        build_and_push(make_spec(app, f"{registry.host}/apps"), "dev", Recorder(),
                       no_cancel())


def test_cancel_stops_a_running_build(tmp_path, buildah_env, registry):
    app = write_app(tmp_path / "slow", dockerfile=(
        f"FROM {BASE_IMAGE}\nRUN echo started; while true; do :; done\n"))
    cancel = CancelToken()
    events = Recorder()

    def emit(event) -> None:
        events(event)
        if getattr(event, "text", "") == "started":
            cancel.cancel()

    with pytest.raises(Cancelled):
        build_and_push(make_spec(app, f"{registry.host}/apps"), "dev", emit, cancel)
    [failed] = events.of(StageFailed)
    assert failed.stage == "build" and failed.reason == "cancelled"
