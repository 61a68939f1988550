"""Registry credentials the way `docker login` leaves them, so a pipeline pushes wherever the
user's docker (or CI's login action) already can.

The docker config is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. For a host,
as the docker CLI decides: a `credHelpers` entry names its helper, else `credsStore` is the
helper for every host, else `auths` holds base64 `user:password` (or username/password,
or an identity token). A helper is the program `docker-credential-<name>`, asked with
`get` and the host on stdin, answering `{"Username": …, "Secret": …}`.

The found credentials reach buildah/skopeo through a private auth file (mode 0600, removed
afterwards), never on a command line where `ps` would show them.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from kubedeck.kube.errors import KubedeckError
from pipelines.builders.base import Login

HELPER_TIMEOUT = 30.0
DOCKER_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io",
                   "registry-1.docker.io")


def registry_host(repository: str) -> str:
    """The registry host[:port] of a repository reference (docker.io when it has none)."""
    first, slash, _ = repository.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    folder = env.get("DOCKER_CONFIG")
    return Path(folder) / "config.json" if folder else Path.home() / ".docker" / "config.json"


def _key_host(key: str) -> str:
    """`auths` keys are written as hosts or URLs (https://host/v1/): compare hosts."""
    text = key.split("://", 1)[-1]
    return text.split("/", 1)[0].lower()


def _keys_for(host: str) -> tuple[str, ...]:
    return DOCKER_HUB_KEYS if host == "docker.io" else (host.lower(),)


def _read_config(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise KubedeckError(f"error: cannot read the docker config {path}: {exc} - fix or "
                            "remove it, then log in again (docker login / buildah login)", 2
                            ) from None
    if not isinstance(data, dict):
        raise KubedeckError(f"error: the docker config {path} is not a JSON object - fix or "
                            "remove it", 2)
    return data


def from_helper(helper: str, host: str, environ: Mapping[str, str] | None = None
                ) -> Login | None:
    """Ask `docker-credential-<helper>` for `host`; None when it has nothing for it."""
    program = f"docker-credential-{helper}"
    env = dict(os.environ if environ is None else environ)
    try:
        done = subprocess.run([program, "get"], input=host, capture_output=True, text=True,
                              timeout=HELPER_TIMEOUT, env=env)
    except FileNotFoundError:
        raise KubedeckError(f'error: the docker config names credential helper "{helper}" for '
                            f"{host}, but {program} is not on PATH - install it, or remove it "
                            "from the docker config", 2) from None
    except subprocess.TimeoutExpired:
        raise KubedeckError(f"error: credential helper {program} did not answer for {host} "
                            f"within {HELPER_TIMEOUT:g}s - check that it works: echo {host} | "
                            f"{program} get") from None
    if done.returncode != 0:
        said = (done.stdout + done.stderr).strip()
        if "credentials not found" in said.lower():
            return None
        raise KubedeckError(f"error: credential helper {program} failed for {host}: "
                            f"{said.splitlines()[-1] if said else f'exit {done.returncode}'} - "
                            f"check it with: echo {host} | {program} get")
    try:
        answer = json.loads(done.stdout)
        username, secret = str(answer["Username"]), str(answer["Secret"])
    except (ValueError, KeyError, TypeError):
        raise KubedeckError(f"error: credential helper {program} gave no Username/Secret for "
                            f"{host} - check it with: echo {host} | {program} get") from None
    return Login(host, username, secret) if secret else None


def _from_auths(auths: Mapping, host: str, path: Path) -> Login | None:
    wanted = _keys_for(host)
    for key, entry in auths.items():
        if _key_host(key) not in wanted or not isinstance(entry, dict):
            continue
        if entry.get("identitytoken"):
            return Login(host, "<token>", str(entry["identitytoken"]))
        if entry.get("auth"):
            try:
                user, sep, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, sep, password = "", "", ""
            if not sep:
                raise KubedeckError(f'error: the "auth" of {key} in {path} is not base64 of '
                                    f"user:password - log in again: docker login {host}", 2)
            return Login(host, user, password)
        if entry.get("username") and entry.get("password"):
            return Login(host, str(entry["username"]), str(entry["password"]))
    return None


def docker_login(host: str, environ: Mapping[str, str] | None = None) -> Login | None:
    """The docker config's credentials for `host`, or None (push anonymously, or with what
    `buildah login` stored in containers' own auth file)."""
    path = config_path(environ)
    config = _read_config(path)
    helpers = config.get("credHelpers") or {}
    helper = next((h for k, h in helpers.items() if _key_host(k) in _keys_for(host)), None)
    helper = helper or config.get("credsStore")
    if helper:
        return from_helper(str(helper), host, environ)
    return _from_auths(config.get("auths") or {}, host, path)


def tool_environ() -> dict[str, str]:
    """The environment for buildah/skopeo pushes: without DOCKER_CONFIG, which they would read
    as their auth file (failing when it holds no config.json). kubedeck has already read the
    docker config and passes what it found as an auth file of its own; with none, the tools
    still use what `buildah login` stored."""
    return {k: v for k, v in os.environ.items() if k != "DOCKER_CONFIG"}


def auth_file_json(login: Login) -> str:
    """containers-auth.json(5) holding one login."""
    token = base64.b64encode(f"{login.username}:{login.password}".encode()).decode()
    if login.username == "<token>":
        return json.dumps({"auths": {login.host: {"identitytoken": login.password}}})
    return json.dumps({"auths": {login.host: {"auth": token}}})


@contextmanager
def auth_file(login: Login | None) -> Iterator[Path | None]:
    """A private auth file for `login` while the push runs (None when there is no login)."""
    if login is None:
        yield None
        return
    fd, name = tempfile.mkstemp(prefix="kubedeck-auth-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(auth_file_json(login))
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
