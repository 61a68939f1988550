"""Pushing to a real docker-registry: htpasswd auth refuses an anonymous push with a message
naming the registry and how to log in, then credentials from a temp DOCKER_CONFIG (base64
`auths`, a credential helper on PATH, `credsStore`) succeed; 503s from a proxy in front of the
registry are retried with back-off; a dry run looks the tag up with skopeo."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from pipe_build_support import (
    FlakyProxy,
    Recorder,
    buildah_storage,
    make_spec,
    no_cancel,
    registry_running,
    write_app,
)

from pipelines.build import build_and_push
from pipelines.events import LogLine, StageFailed
from pipelines.push import DRY_RUN_DIGEST
from pipelines.registries.failures import RetryPolicy
from pipelines.staged import StageError

USER, PASSWORD = "deployer", "s3cret-pw"
FAST = RetryPolicy(attempts=4, first_delay=0.05)


@pytest.fixture(scope="module")
def buildah_env(tmp_path_factory):
    with buildah_storage(tmp_path_factory.mktemp("buildah")) as env:
        yield env


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    with registry_running(tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    with registry_running(tmp_path_factory.mktemp("locked"), {USER: PASSWORD}) as running:
        yield running


@pytest.fixture
def docker_config(tmp_path, monkeypatch):
    """An empty DOCKER_CONFIG and HOME, so nothing of the machine's logins leaks in."""
    folder = tmp_path / "docker"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return folder


def _write_config(folder, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config))


def test_anonymous_push_to_a_locked_registry_says_who_refused_and_how_to_log_in(
        tmp_path, buildah_env, locked, docker_config):
    app = write_app(tmp_path / "app")
    events = Recorder()
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(app, f"{locked.host}/apps"), "dev", events, no_cancel(),
                       policy=FAST)
    message = err.value.message
    assert message.startswith(f"error: registry {locked.host} refused the push of "
                              f"{locked.host}/apps/hello:v1 (401 unauthorized)")
    assert f"buildah login {locked.host}" in message
    assert str(docker_config / "config.json") in message
    assert err.value.stage == "push" and err.value.exit_code == 1
    [failed] = events.of(StageFailed)
    assert failed.stage == "push" and failed.logs
    assert failed.hint.startswith(f"log in with `buildah login {locked.host}`")
    assert not [line for line in events.lines() if "retrying" in line]  # a 401 is final


def test_base64_auths_in_docker_config_log_in(tmp_path, buildah_env, locked, docker_config):
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    _write_config(docker_config, {"auths": {f"http://{locked.host}/v2/": {"auth": token}}})
    app = write_app(tmp_path / "app", message="with auths")
    events = Recorder()
    [result] = build_and_push(make_spec(app, f"{locked.host}/apps"), "dev", events,
                              no_cancel(), policy=FAST)
    assert result.digest == locked.digest_of("apps/hello", "v1", creds=f"{USER}:{PASSWORD}")
    assert any(f"as {USER}" in line for line in events.lines())
    assert not any(PASSWORD in line for line in events.lines())


def _helper(bin_dir, name: str, answer: dict, seen) -> None:
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / f"docker-credential-{name}"
    script.write_text("#!/bin/sh\n"
                      f'[ "$1" = get ] || exit 3\ncat > "{seen}"\n'
                      f"echo '{json.dumps(answer)}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize("how", ["credHelpers", "credsStore"])
def test_a_credential_helper_on_path_logs_in(tmp_path, buildah_env, locked, docker_config,
                                             monkeypatch, how):
    seen = tmp_path / "asked"
    _helper(tmp_path / "bin", "kdtest", {"ServerURL": locked.host, "Username": USER,
                                         "Secret": PASSWORD}, seen)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    _write_config(docker_config, {"credHelpers": {locked.host: "kdtest"}} if how == "credHelpers"
                  else {"credsStore": "kdtest"})
    app = write_app(tmp_path / "app", message=f"with {how}")
    [result] = build_and_push(make_spec(app, f"{locked.host}/apps"), "dev", Recorder(),
                              no_cancel(), policy=FAST)
    assert seen.read_text().strip() == locked.host
    assert result.digest == locked.digest_of("apps/hello", "v1", creds=f"{USER}:{PASSWORD}")


def test_a_helper_that_is_not_installed_is_named(tmp_path, buildah_env, locked, docker_config):
    _write_config(docker_config, {"credHelpers": {locked.host: "nowhere"}})
    with pytest.raises(StageError, match="docker-credential-nowhere is not on PATH"):
        build_and_push(make_spec(write_app(tmp_path / "app"), f"{locked.host}/apps"), "dev",
                       Recorder(), no_cancel(), policy=FAST)


def test_wrong_credentials_are_refused_without_retries(tmp_path, buildah_env, locked,
                                                       docker_config):
    _write_config(docker_config, {"auths": {locked.host: {"username": USER,
                                                           "password": "wrong"}}})
    with pytest.raises(StageError, match=f"registry {locked.host} refused"):
        build_and_push(make_spec(write_app(tmp_path / "app"), f"{locked.host}/apps"), "dev",
                       Recorder(), no_cancel(), policy=FAST)


def test_transient_503s_are_retried_with_back_off(tmp_path, buildah_env, registry,
                                                  docker_config):
    proxy = FlakyProxy(registry.port)
    events = Recorder()

    def emit(event) -> None:
        events(event)
        if isinstance(event, LogLine) and event.source == "retry" and \
                len(events.lines("retry")) == 2:
            proxy.heal()  # the registry recovers after the second failed attempt

    try:
        app = write_app(tmp_path / "app", message="through a flaky proxy")
        [result] = build_and_push(make_spec(app, f"{proxy.host}/flaky"), "dev", emit,
                                  no_cancel(), policy=FAST)
    finally:
        proxy.close()
    assert proxy.refused >= 2
    first, second = events.lines("retry")
    assert first == (f"push to {proxy.host} failed (503 (Service Unavailable)); retrying in "
                     "0.05s (attempt 2 of 4)")
    assert second.endswith("retrying in 0.1s (attempt 3 of 4)")
    assert result.digest == registry.digest_of("flaky/hello", "v1")


def test_a_registry_that_keeps_failing_gives_up_with_the_reason(tmp_path, buildah_env,
                                                                registry, docker_config):
    proxy = FlakyProxy(registry.port)
    events = Recorder()
    try:
        with pytest.raises(StageError) as err:
            build_and_push(make_spec(write_app(tmp_path / "app"), f"{proxy.host}/down"),
                           "dev", events, no_cancel(),
                           policy=RetryPolicy(attempts=3, first_delay=0.01))
    finally:
        proxy.close()
    assert len(events.lines("retry")) == 2
    assert "kept failing (503 (Service Unavailable)) after 3 attempts" in err.value.message
    assert "check that the registry is up" in err.value.message


def test_dry_run_builds_nothing_and_looks_the_tag_up(tmp_path, buildah_env, registry,
                                                     docker_config):
    app = write_app(tmp_path / "app", message="dry")
    spec = make_spec(app, f"{registry.host}/dry", tag="pushed")
    [pushed] = build_and_push(spec, "dev", Recorder(), no_cancel())
    events = Recorder()
    [found] = build_and_push(spec, "dev", events, no_cancel(), dry_run=True)
    assert found == pushed
    assert not events.lines("buildah")
    [missing] = build_and_push(make_spec(app, f"{registry.host}/dry", tag="never"), "dev",
                               Recorder(), no_cancel(), dry_run=True)
    assert missing.digest == DRY_RUN_DIGEST and missing.tag == "never"
