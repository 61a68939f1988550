"""The docker builder through the Docker SDK, against a small Docker Engine API on a unix socket
(no engine runs on these machines): auto picks docker when an engine answers, the build
context honours .dockerignore, build args and the stream reach the log, a failed step is one
message with the engine's last lines, pushes carry the docker config's credentials, a refusal
and a transient error are told apart, and the pushed digest comes from the stream."""

from __future__ import annotations

import base64
import json

import pytest
from pipe_build_support import Recorder, make_spec, no_cancel
from pipe_docker_engine import FakeDockerEngine

from pipelines.build import build_and_push
from pipelines.registries.failures import RetryPolicy
from pipelines.staged import StageError

REGISTRY = "registry.example.com:5000/team"
FAST = RetryPolicy(attempts=3, first_delay=0.01)


@pytest.fixture
def engine(tmp_path, monkeypatch):
    running = FakeDockerEngine(tmp_path / "docker.sock")
    monkeypatch.setenv("DOCKER_HOST", running.url)
    config = tmp_path / "dockercfg"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    yield running
    running.stop()


def _app(folder):
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM python:3.12-slim\nARG MODE\nCOPY app.py /\n")
    (folder / "app.py").write_text("print(1)\n")
    (folder / "secret.env").write_text("TOKEN=x\n")
    (folder / ".dockerignore").write_text("*.env\n")
    return folder


def test_auto_picks_a_reachable_engine_and_builds_and_pushes(tmp_path, engine):
    app = _app(tmp_path / "app")
    events = Recorder()
    [result] = build_and_push(make_spec(app, REGISTRY, builder="auto",
                                        build_args={"MODE": "prod"}), "dev", events,
                              no_cancel(), policy=FAST)
    [auto] = events.lines("auto")
    assert auto == f"builder docker: a Docker engine answers at {engine.url}"
    [build] = engine.state.builds
    assert build["tag"] == f"{REGISTRY}/hello:v1"
    assert build["buildargs"] == {"MODE": "prod"}
    assert build["dockerfile"] == "Dockerfile"
    assert "app.py" in build["files"] and "secret.env" not in build["files"]
    docker_lines = events.lines("docker")
    assert "Step 3/3 : COPY app.py /" in docker_lines
    assert f"Successfully tagged {REGISTRY}/hello:v1" in docker_lines
    assert not any("Pushing" in line for line in docker_lines)  # progress records skipped
    assert ("registryInsecure: the engine must list registry.example.com:5000 in its "
            "insecure-registries (localhost is allowed by default)") in docker_lines
    [push] = engine.state.pushes
    assert (push["name"], push["tag"], push["auth"]) == (f"{REGISTRY}/hello", "v1", {})
    assert result.digest.startswith("sha256:")
    assert any(line.endswith(f"digest: {result.digest} size: 527") for line in docker_lines)


def test_a_failing_step_is_one_message_with_the_engines_lines(tmp_path, engine):
    app = _app(tmp_path / "app")
    (app / "Dockerfile").write_text("FROM python:3.12-slim\nRUN false\n")
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(app, REGISTRY, builder="docker"), "dev", Recorder(),
                       no_cancel())
    assert err.value.message == (
        f"error: docker could not build image hello from {app / 'Dockerfile'}: The command "
        "'/bin/sh -c false' returned a non-zero code: 1 - fix the Dockerfile or the context, "
        "then run again")
    assert "Step 2/2 : RUN false" in err.value.logs
    assert not engine.state.pushes


def test_push_sends_the_docker_config_login(tmp_path, engine):
    engine.state.credentials = ("ci", "pw")
    token = base64.b64encode(b"ci:pw").decode()
    (tmp_path / "dockercfg" / "config.json").write_text(json.dumps(
        {"auths": {"registry.example.com:5000": {"auth": token}}}))
    build_and_push(make_spec(_app(tmp_path / "app"), REGISTRY, builder="docker"), "dev",
                   Recorder(), no_cancel())
    [push] = engine.state.pushes
    assert push["auth"] == {"username": "ci", "password": "pw",
                            "serveraddress": "registry.example.com:5000"}


def test_a_refused_push_says_how_to_log_in(tmp_path, engine):
    engine.state.credentials = ("ci", "pw")
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(_app(tmp_path / "app"), REGISTRY, builder="docker"), "dev",
                       Recorder(), no_cancel(), policy=FAST)
    assert err.value.message.startswith(
        "error: registry registry.example.com:5000 refused the push of "
        f"{REGISTRY}/hello:v1 (401 unauthorized) - log in with")
    assert len(engine.state.pushes) == 1


def test_a_transient_push_error_is_retried(tmp_path, engine):
    engine.state.push_failures.append(
        "received unexpected HTTP status: 502 Bad Gateway")
    events = Recorder()
    [result] = build_and_push(make_spec(_app(tmp_path / "app"), REGISTRY, builder="docker"),
                              "dev", events, no_cancel(), policy=FAST)
    assert len(engine.state.pushes) == 2
    [retry] = events.lines("retry")
    assert "502 Bad Gateway" in retry
    assert result.digest.startswith("sha256:")


def test_builder_docker_without_an_engine_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'absent.sock'}")
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(_app(tmp_path / "app"), REGISTRY, builder="docker"), "dev",
                       Recorder(), no_cancel())
    assert err.value.exit_code == 2
    assert f"no Docker engine answers (unix://{tmp_path / 'absent.sock'}: no socket there)" \
        in err.value.message
