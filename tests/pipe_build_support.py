"""Real components for the build and push tests: buildah storage of their own with a small base
image made from busybox-static, Debian's docker-registry on 127.0.0.1 (optionally behind
htpasswd), a proxy that answers the first requests with 503, and an event recorder."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.events import CancelToken, Event, LogLine

BASE_IMAGE = "localhost/kubedeck-test/busybox:1"
TOOLS = ("buildah", "skopeo", "docker-registry")


def missing_tools(*tools: str) -> str | None:
    """The skip reason when one of `tools` (or busybox-static) is not installed."""
    gone = [t for t in tools if shutil.which(t) is None]
    if "buildah" in tools and not _static_busybox():
        gone.append("busybox-static (a static /bin/busybox)")
    if gone:
        return f"not installed: {', '.join(gone)} (.ci/run installs them with apt-get)"
    return None


def _static_busybox() -> bool:
    """A base image FROM scratch can only run a statically linked busybox."""
    if not Path("/bin/busybox").exists():
        return False
    done = subprocess.run(["ldd", "/bin/busybox"], capture_output=True, text=True)
    return "not a dynamic executable" in done.stdout + done.stderr


def wait_for(check: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Recorder:
    """Collects the events a stage emits."""

    events: list[Event] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def lines(self, source: str | None = None) -> list[str]:
        return [e.text for e in self.events
                if isinstance(e, LogLine) and (source is None or e.source == source)]

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def no_cancel() -> CancelToken:
    return CancelToken()


# -- buildah storage and the base image ---------------------------------------------------------

def isolated_storage(folder: Path) -> dict[str, str]:
    """Environment that points buildah and skopeo at storage under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{folder / "root"}"\n'
                    f'runroot = "{folder / "run"}"\n')
    return {"CONTAINERS_STORAGE_CONF": str(conf)}


def make_base_image(folder: Path) -> str:
    """`buildah from scratch` + busybox-static with a few applet links + commit."""
    rootfs = folder / "rootfs"
    (rootfs / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2("/bin/busybox", rootfs / "bin" / "busybox")
    for applet in ("sh", "cat", "echo", "ls", "false", "true"):
        link = rootfs / "bin" / applet
        if not link.is_symlink():
            link.symlink_to("busybox")

    def run(*args: str) -> str:
        return subprocess.run(["buildah", *args], check=True, capture_output=True,
                              text=True).stdout.strip()

    ctr = run("from", "scratch")
    try:
        run("copy", ctr, str(rootfs), "/")
        run("config", "--env", "PATH=/bin", "--cmd", "/bin/sh", ctr)
        run("commit", "-q", ctr, BASE_IMAGE)
    finally:
        run("rm", ctr)
    return BASE_IMAGE


def write_app(folder: Path, dockerfile: str | None = None, message: str = "hello") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile or (
        f"FROM {BASE_IMAGE}\nARG GREETING=hi\nRUN echo $GREETING > /greeting\n"
        "COPY app.txt /app.txt\nCMD [\"cat\", \"/app.txt\"]\n"))
    (folder / "app.txt").write_text(message + "\n")
    return folder


# -- the registry ---------------------------------------------------------------------------------

@dataclass
class RunningRegistry:
    process: subprocess.Popen
    port: int
    folder: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def digest_of(self, repository: str, tag: str, env: dict[str, str] | None = None,
                  creds: str | None = None) -> str:
        """What skopeo finds in the registry for repository:tag."""
        argv = ["skopeo", "inspect", "--no-tags", "--tls-verify=false", "--format",
                "{{.Digest}}"]
        if creds:
            argv += ["--creds", creds]
        done = subprocess.run([*argv, f"docker://{self.host}/{repository}:{tag}"],
                              capture_output=True, text=True, env={**os.environ, **(env or {})})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


def htpasswd_line(user: str, password: str) -> str:
    import bcrypt

    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()}"


def start_registry(folder: Path, users: dict[str, str] | None = None) -> RunningRegistry:
    """docker-registry on 127.0.0.1:<free port>, storage and config under `folder`; with
    `users`, htpasswd auth."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    auth = ""
    if users:
        passwd = folder / "htpasswd"
        passwd.write_text("".join(htpasswd_line(u, p) + "\n" for u, p in users.items()))
        auth = f"auth:\n  htpasswd:\n    realm: kubedeck-test\n    path: {passwd}\n"
    config = folder / "config.yml"
    config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                      f"    rootdirectory: {folder / 'data'}\nhttp:\n"
                      f"  addr: 127.0.0.1:{port}\n{auth}")
    log = open(folder / "registry.log", "wb")  # noqa: SIM115 - the process owns it
    process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    running = RunningRegistry(process, port, folder)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"docker-registry exited: {(folder / 'registry.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_for(up, what="docker-registry to listen")
    return running


@contextmanager
def buildah_storage(folder: Path) -> Iterator[dict[str, str]]:
    """Isolated buildah storage under `folder` holding the busybox base image; the variables
    are set in os.environ meanwhile (buildah and skopeo read them) and restored after. Skips
    when buildah or busybox-static is missing."""
    reason = missing_tools("buildah")
    if reason:
        pytest.skip(reason)
    env = isolated_storage(folder / "storage")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        make_base_image(folder / "base")
        yield env
    finally:
        subprocess.run(["buildah", "rm", "--all"], capture_output=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def registry_running(folder: Path, users: dict[str, str] | None = None
                     ) -> Iterator[RunningRegistry]:
    """start_registry, stopped after; skips when docker-registry or skopeo is missing."""
    reason = missing_tools("docker-registry", "skopeo")
    if reason:
        pytest.skip(reason)
    running = start_registry(folder, users)
    try:
        yield running
    finally:
        running.stop()


# -- a registry that fails first ------------------------------------------------------------------

class FlakyProxy:
    """TCP proxy to a registry: while failing, every connection gets `503 Service
    Unavailable` (then closed); after `heal()` they are piped through byte for byte."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.failing = True
        self.refused = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True, name="flaky-proxy").start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def heal(self) -> None:
        with self.lock:
            self.failing = False

    def close(self) -> None:
        self.closed = True
        self.server.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                fail = self.failing
                self.refused += fail
            threading.Thread(target=self._refuse if fail else self._pipe, args=(client,),
                             daemon=True).start()

    @staticmethod
    def _refuse(client: socket.socket) -> None:
        with client:
            client.settimeout(5)
            try:
                client.recv(65536)
                body = b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}'
                client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                               b"application/json\r\nConnection: close\r\nContent-Length: "
                               + str(len(body)).encode() + b"\r\n\r\n" + body)
            except OSError:
                pass

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return

        def copy(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=copy, args=(upstream, client), daemon=True).start()
        copy(client, upstream)


# -- pipeline specs ---------------------------------------------------------------------------------

def make_spec(app: Path, registry: str, *, builder: str = "buildah", tag: str = "v1",
              insecure: bool = True, names: tuple[str, ...] = ("hello",),
              build_args: dict[str, str] | None = None, context: str | None = "kind"):
    """A PipelineSpec for the app folder `app` (one image per name, same context)."""
    from pipelines.spec import (
        BuildSpec,
        DeploySpec,
        ImageSpec,
        ManifestSpec,
        PipelineSpec,
        TargetSpec,
    )

    images = tuple(ImageSpec(name, app, app / "Dockerfile", dict(build_args or {}))
                   for name in names)
    return PipelineSpec(path=app / "kubedeck.yaml", app="hello", images=images,
                        build=BuildSpec(builder=builder, tag=tag), registry=registry,
                        registry_insecure=insecure,
                        targets={"dev": TargetSpec("dev", context=context, namespace="hello")},
                        deploy=DeploySpec(), manifests=ManifestSpec("webapp", {}, {}))
