"""Running the simulated cluster as a server: start/stop in a thread, a kubeconfig for it
(inline certificate data, as minikube and kind write them), and the `kubedeck sim` command."""

from __future__ import annotations

import base64
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from kubedeck.fake.apiserver import DEFAULT_USER, FakeApiServer
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.tls import TlsMaterial, generate

CONTEXT = "kubedeck-sim"


@dataclass
class RunningServer:
    server: FakeApiServer
    cluster: FakeCluster
    tls: TlsMaterial | None
    token: str | Callable[[str], bool] | None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def ca_pem(self) -> bytes | None:
        return self.tls.ca_pem if self.tls else None

    @property
    def client_cert_pem(self) -> bytes | None:
        return self.tls.client_cert_pem if self.tls else None

    @property
    def client_key_pem(self) -> bytes | None:
        return self.tls.client_key_pem if self.tls else None

    def stop(self) -> None:
        self.server.stop()


def serve(cluster: FakeCluster, port: int = 0, tls: bool = False,
          token: str | Callable[[str], bool] | None = None, *,
          host: str = "127.0.0.1", user: str = DEFAULT_USER,
          deny: Iterable[tuple[str, str]] = (), bookmark_interval: float = 5.0) -> RunningServer:
    """Serve `cluster` on a background thread; `port=0` picks a free port."""
    material = generate(user) if tls else None
    server = FakeApiServer(cluster, host, port, tls=material, token=token, deny=deny, user=user,
                           bookmark_interval=bookmark_interval).start()
    return RunningServer(server, cluster, material, token)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_kubeconfig(path: str | os.PathLike, server: RunningServer, context: str = CONTEXT,
                     user: str = DEFAULT_USER, namespace: str = "default") -> Path:
    """A kubeconfig with one context for the server: client certificate when it serves TLS
    without a required token, otherwise the token (if any)."""
    cluster: dict = {"server": server.url}
    credentials: dict = {}
    if server.tls is not None:
        cluster["certificate-authority-data"] = _b64(server.tls.ca_pem)
    if isinstance(server.token, str):
        credentials["token"] = server.token
    elif server.tls is not None:
        credentials["client-certificate-data"] = _b64(server.tls.client_cert_pem)
        credentials["client-key-data"] = _b64(server.tls.client_key_pem)
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": user,
                                                   "namespace": namespace}}],
        "current-context": context,
        "users": [{"name": user, "user": credentials}],
        "preferences": {},
    }
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    os.replace(tmp, out)
    return out


def run_sim(port: int, kubeconfig: str | os.PathLike, tls: bool = False, pods: int = 0,
            token: str | None = None, demo: bool = True) -> int:
    """`kubedeck sim`: seed, serve on 127.0.0.1:port until SIGINT/SIGTERM; exit code."""
    from kubedeck.fake.seed import add_pods, seed_demo

    cluster = FakeCluster()
    if demo:
        seed_demo(cluster)
    if pods:
        add_pods(cluster, pods)
    cluster.step()  # settle the controllers' catch-up before anyone can list
    try:
        running = serve(cluster, port, tls, token)
    except OSError as exc:
        print(f"kubedeck sim: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; "
              "pick another --port", file=sys.stderr)
        return 1
    try:
        path = write_kubeconfig(kubeconfig, running)
    except OSError as exc:
        running.stop()
        print(f"kubedeck sim: cannot write the kubeconfig {kubeconfig}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    cluster.start()
    try:
        with stop_signals() as stopped:
            print(f"kubedeck sim: serving the simulated cluster at {running.url}; try "
                  f"`kubectl --kubeconfig {path} get pods -A` or "
                  f"`kubedeck --kubeconfig {path} get pods -A` (Ctrl-C stops it)", flush=True)
            stopped.wait()
    finally:
        running.stop()
        cluster.stop()
    return 0


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event that SIGINT or SIGTERM sets, so a foreground server stops cleanly on Ctrl-C
    (no KeyboardInterrupt traceback mid-request); the previous handlers come back after."""
    stopped = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopped.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
