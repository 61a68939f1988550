"""Docker config reading (hosts written as URLs, Docker Hub's aliases, identity tokens, broken
entries, helpers that know nothing), the private auth file, failure classification and the
retry back-off, without a registry."""

from __future__ import annotations

import base64
import json
import stat

import pytest
from pipe_build_support import Recorder

from kubedeck.kube.errors import KubedeckError
from pipelines.builders.base import Login
from pipelines.events import Cancelled, CancelToken
from pipelines.registries.auth import (
    auth_file,
    docker_login,
    registry_host,
    tool_environ,
)
from pipelines.registries.failures import PushFailed, RetryPolicy, classify, with_retries


def _config(tmp_path, config: dict) -> dict[str, str]:
    (tmp_path / "config.json").write_text(json.dumps(config))
    return {"DOCKER_CONFIG": str(tmp_path), "PATH": str(tmp_path / "bin")}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(("repository", "host"), [
    ("localhost:5000/apps/web", "localhost:5000"),
    ("registry.example.com/team/web", "registry.example.com"),
    ("europe-west1-docker.pkg.dev/p/r/web", "europe-west1-docker.pkg.dev"),
    ("library/nginx", "docker.io"),
    ("nginx", "docker.io"),
])
def test_registry_host(repository, host):
    assert registry_host(repository) == host


def test_auths_keys_written_as_urls_and_docker_hub_aliases(tmp_path):
    env = _config(tmp_path, {"auths": {
        "https://registry.example.com/v1/": {"auth": _b64("alice:pw1")},
        "https://index.docker.io/v1/": {"auth": _b64("bob:pw:with:colons")},
        "other.example.com": {"identitytoken": "tok"},
    }})
    assert docker_login("registry.example.com", env) == Login("registry.example.com", "alice",
                                                               "pw1")
    assert docker_login("docker.io", env) == Login("docker.io", "bob", "pw:with:colons")
    assert docker_login("other.example.com", env) == Login("other.example.com", "<token>",
                                                           "tok")
    assert docker_login("unknown.example.com", env) is None


def test_no_config_file_means_no_login(tmp_path):
    assert docker_login("registry.example.com", {"DOCKER_CONFIG": str(tmp_path)}) is None


def test_broken_config_and_entries_are_usage_errors_naming_the_file(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(KubedeckError) as err:
        docker_login("h", {"DOCKER_CONFIG": str(tmp_path)})
    assert str(tmp_path / "config.json") in err.value.message and err.value.exit_code == 2
    env = _config(tmp_path, {"auths": {"h.example.com": {"auth": "!!notbase64"}}})
    with pytest.raises(KubedeckError, match="not base64 of user:password - log in again"):
        docker_login("h.example.com", env)


def _helper(tmp_path, body: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "docker-credential-t"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_a_helper_without_credentials_for_the_host_means_no_login(tmp_path):
    _helper(tmp_path, 'echo "credentials not found in native keychain"; exit 1\n')
    env = _config(tmp_path, {"credsStore": "t"})
    assert docker_login("registry.example.com", env) is None


def test_a_failing_helper_says_how_to_check_it(tmp_path):
    _helper(tmp_path, 'echo "keychain locked" >&2; exit 1\n')
    env = _config(tmp_path, {"credHelpers": {"registry.example.com": "t"}})
    with pytest.raises(KubedeckError) as err:
        docker_login("registry.example.com", env)
    assert err.value.message == (
        "error: credential helper docker-credential-t failed for registry.example.com: "
        "keychain locked - check it with: echo registry.example.com | docker-credential-t get")


def test_credhelpers_win_over_credsstore_and_auths(tmp_path):
    _helper(tmp_path, 'echo \'{"Username": "from-helper", "Secret": "s"}\'\n')
    env = _config(tmp_path, {"credHelpers": {"registry.example.com": "t"},
                             "credsStore": "absent",
                             "auths": {"registry.example.com": {"auth": _b64("a:b")}}})
    assert docker_login("registry.example.com", env).username == "from-helper"


def test_the_auth_file_is_private_and_removed(tmp_path):
    login = Login("registry.example.com", "alice", "pw")
    with auth_file(login) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        data = json.loads(path.read_text())
        assert base64.b64decode(data["auths"]["registry.example.com"]["auth"]) == b"alice:pw"
    assert not path.exists()
    with auth_file(None) as nothing:
        assert nothing is None


def test_tools_do_not_get_docker_config(monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", "/somewhere")
    assert "DOCKER_CONFIG" not in tool_environ()


@pytest.mark.parametrize(("text", "kind", "detail"), [
    ("Error: pushing image: unauthorized: authentication required", "auth",
     "401 unauthorized"),
    ("denied: requested access to the resource is denied", "auth", "403 forbidden"),
    ("invalid status code from registry 503 (Service Unavailable)", "transient",
     "503 (Service Unavailable)"),
    ("received unexpected HTTP status: 502 Bad Gateway", "transient", "502 Bad Gateway"),
    ("dial tcp 127.0.0.1:5000: connect: connection refused", "transient",
     "connection refused"),
    ("http: server gave HTTP response to HTTPS client", "other",
     "the registry speaks plain HTTP - set registryInsecure: true in kubedeck.yaml if that "
     "is intended"),
    ("x509: certificate signed by unknown authority", "other",
     "its TLS certificate is not trusted - install its CA, or set registryInsecure: true "
     "for a local test registry"),
    ("Getting image source signatures\nError: invalid reference format", "other",
     "Error: invalid reference format"),
])
def test_classify(text, kind, detail):
    assert classify(text) == (kind, detail)


def test_retries_back_off_and_stop_on_a_refusal():
    events = Recorder()
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise PushFailed("transient", "503")
        return "sha256:ok"

    policy = RetryPolicy(attempts=4, first_delay=0.01)
    assert with_retries(attempt, policy, events, CancelToken(), stage="push", what="push") == \
        "sha256:ok"
    assert [line.split("retrying in ")[1] for line in events.lines("retry")] == [
        "0.01s (attempt 2 of 4)", "0.02s (attempt 3 of 4)"]

    def refused() -> str:
        calls.append(1)
        raise PushFailed("auth", "401 unauthorized")

    calls.clear()
    with pytest.raises(PushFailed):
        with_retries(refused, policy, Recorder(), CancelToken(), stage="push", what="push")
    assert len(calls) == 1


def test_cancel_ends_the_wait_between_attempts():
    cancel = CancelToken()

    def attempt() -> str:
        cancel.cancel()
        raise PushFailed("transient", "503")

    with pytest.raises(Cancelled):
        with_retries(attempt, RetryPolicy(attempts=2, first_delay=3600), Recorder(), cancel,
                     stage="push", what="push")
