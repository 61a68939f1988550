"""docker: the Docker SDK (docker-py) against the engine at DOCKER_HOST or the local socket.

The engine does the work (BuildKit or the classic builder, its own layer cache, its own
insecure-registries list); kubedeck streams the build's output as LogLines, reads the image
id from the stream, and pushes with the registry's credentials in X-Registry-Auth, reading the
pushed digest from the push stream's `aux` record.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.builders.base import Built, Login
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.registries.failures import PushFailed, failed
from pipelines.spec import ImageSpec
from pipelines.staged import Failure

if TYPE_CHECKING:
    from docker import DockerClient

PING_TIMEOUT = 3
DEFAULT_HOST = "unix:///var/run/docker.sock"
KEEP_LINES = 12


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    for marker, short in (("No such file or directory", "no socket there"),
                          ("FileNotFoundError", "no socket there"),
                          ("Connection refused", "connection refused"),
                          ("Permission denied", "permission denied on the socket"),
                          ("timed out", "timed out")):
        if marker in text:
            return short
    return text[:160] or type(exc).__name__


def engine() -> tuple[DockerClient | None, str]:
    """(client, where) when an engine answers a ping, else (None, "where: why not")."""
    import docker
    import requests

    where = os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    try:
        client = docker.from_env(timeout=PING_TIMEOUT)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        return None, f"{where}: {_reason(exc)}"
    return client, where


def _dockerfile_arg(image: ImageSpec) -> str:
    """Relative to the context when inside it (what the engine expects); docker-py sends a
    Dockerfile from elsewhere inside the context tar under a generated name."""
    if image.dockerfile.is_relative_to(image.context):
        return image.dockerfile.relative_to(image.context).as_posix()
    return str(image.dockerfile)


def _auth_config(login: Login | None) -> dict | None:
    if login is None:
        return None
    if login.username == "<token>":
        return {"identitytoken": login.password, "serveraddress": login.host}
    return {"username": login.username, "password": login.password,
            "serveraddress": login.host}


class DockerBuilder:
    name = "docker"

    def __init__(self, client: DockerClient) -> None:
        self.client = client

    def describe(self, emit: Emit) -> None:
        emit(LogLine("build", f"engine at {self.client.api.base_url}", "docker"))

    def build(self, image: ImageSpec, repository: str, tag: str, emit: Emit,
              cancel: CancelToken) -> Built:
        import docker

        reference = f"{repository}:{tag}"
        last: deque[str] = deque(maxlen=KEEP_LINES)
        image_id = ""
        try:
            stream = self.client.api.build(
                path=str(image.context), dockerfile=_dockerfile_arg(image), tag=reference,
                buildargs=dict(image.build_args), target=image.target, rm=True, forcerm=True,
                decode=True)
            for chunk in stream:
                cancel.check()
                for line in str(chunk.get("stream", "")).splitlines():
                    if line.strip():
                        last.append(line)
                        emit(LogLine("build", line, "docker"))
                if "error" in chunk:
                    reason = " ".join(str(chunk["error"]).split())
                    last.append(reason)
                    raise Failure(f"error: docker could not build image {image.name} from "
                                  f"{image.dockerfile}: {reason}",
                                  "fix the Dockerfile or the context, then run again",
                                  tuple(last))
                image_id = (chunk.get("aux") or {}).get("ID", image_id)
            if not image_id:
                image_id = self.client.api.inspect_image(reference)["Id"]
        except docker.errors.DockerException as exc:
            raise Failure(f"error: docker could not build image {image.name}: {_reason(exc)}",
                          f"check the engine ({self.client.api.base_url})",
                          tuple(last)) from None
        return Built(image, repository, tag, image_id)

    def push(self, built: Built, login: Login | None, insecure: bool, emit: Emit,
             cancel: CancelToken) -> str:
        import docker
        import requests

        last: deque[str] = deque(maxlen=KEEP_LINES)
        if insecure:  # the engine, not the client, decides whether a registry may be HTTP
            host = built.repository.split("/", 1)[0]
            emit(LogLine("push", f"registryInsecure: the engine must list {host} in its "
                                 "insecure-registries (localhost is allowed by default)",
                         "docker"))
        digest = ""
        shown: set[tuple[str, str]] = set()
        try:
            stream = self.client.api.push(built.repository, tag=built.tag,
                                          auth_config=_auth_config(login), stream=True,
                                          decode=True)
            for chunk in stream:
                cancel.check()
                if "error" in chunk:
                    text = " ".join(str(chunk["error"]).split())
                    last.append(text)
                    raise failed(text, tuple(last))
                status = str(chunk.get("status", ""))
                key = (str(chunk.get("id", "")), status)
                if status and key not in shown and not chunk.get("progressDetail"):
                    shown.add(key)
                    line = f"{key[0]}: {status}" if key[0] else status
                    last.append(line)
                    emit(LogLine("push", line, "docker"))
                digest = (chunk.get("aux") or {}).get("Digest", digest)
        except (docker.errors.DockerException, requests.RequestException) as exc:
            raise failed(str(exc), tuple(last)) from None
        if not digest:
            raise PushFailed("other", "the engine reported no digest for the push", last)
        return digest

    def export(self, built: Built, archive: Path, emit: Emit, cancel: CancelToken) -> str:
        """`docker save` into `archive`; the digest is the image id (a docker archive holds
        no registry manifest)."""
        with open(archive, "wb") as out:
            for chunk in self.client.api.get_image(built.reference):
                cancel.check()
                out.write(chunk)
        emit(LogLine("push", f"saved {built.reference} to {archive}", "docker"))
        return built.image_id
