"""Shared fixtures. Keep each one small and clearly named; several areas use this file."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import RunningServer, serve, write_kubeconfig

KUBECTL = shutil.which("kubectl")


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory) -> Iterator[None]:
    """Deploy runs record themselves in the history under $XDG_DATA_HOME: never the real
    home's. Session-wide so module fixtures and the commands tests start inherit it too."""
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    yield
    if saved is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = saved


@pytest.fixture(scope="module")
def sim_server() -> Iterator[RunningServer]:
    """A fresh FakeCluster served over plain HTTP for one test module, controllers running,
    bookmarks every 0.2 s. `sim_server.cluster` is the cluster behind it."""
    cluster = FakeCluster(ready_delay=0.2)
    running = serve(cluster, bookmark_interval=0.2)
    cluster.start()
    yield running
    running.stop()
    cluster.stop()


@pytest.fixture(scope="module")
def sim_kubeconfig(sim_server: RunningServer, tmp_path_factory) -> Path:
    """A kubeconfig (context kubedeck-sim, namespace default) for `sim_server`."""
    return write_kubeconfig(tmp_path_factory.mktemp("sim") / "kubeconfig", sim_server)


KubectlRunner = Callable[..., subprocess.CompletedProcess]


def make_kubectl(kubeconfig: Path, cache_dir: Path) -> KubectlRunner:
    """A runner for the installed kubectl against one kubeconfig, with its own discovery
    cache; returns the CompletedProcess (text) without checking the exit code."""

    def run(*args: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        return subprocess.run([KUBECTL or "kubectl", "--cache-dir", str(cache_dir), *args],
                              input=input, capture_output=True, text=True, timeout=timeout,
                              env=env)

    return run


@pytest.fixture(scope="module")
def sim_kubectl(sim_kubeconfig: Path, tmp_path_factory) -> KubectlRunner:
    """The installed kubectl pointed at `sim_server`; skips when kubectl is missing."""
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    return make_kubectl(sim_kubeconfig, tmp_path_factory.mktemp("kubectl-cache"))


@pytest.fixture
def demo_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A freshly seeded simulated cluster (fixed clock, repeatable names, controllers NOT
    running) served on 127.0.0.1:0, with a kubeconfig file; discovery caches in tmp_path."""
    from tui_support import start_world

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("KUBEDECK_CONFIG", raising=False)
    world = start_world(tmp_path)
    yield world
    world.stop()


@pytest.fixture
def demo_app(demo_world):
    """A KubedeckApp (not running) on `demo_world`, opening the pod view; use it as
    `async with demo_app.run_test(size=(120, 40)) as pilot`."""
    from tui_support import build_app

    app = build_app(demo_world)
    yield app
    app.session.close()


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory):
    """The seeded demo world with its controllers RUNNING on the wall clock (pods terminate,
    rollouts progress), served on 127.0.0.1:0: `.cluster`, `.conn` (a Connection through a
    kubeconfig), `.discovery`, `.kubeconfig` and `.kubectl` (None when kubectl is missing)."""
    from types import SimpleNamespace

    from kubedeck.fake.seed import seed_demo
    from kubedeck.kube.connect import connect
    from kubedeck.kube.discovery import Discovery

    directory = tmp_path_factory.mktemp("live-demo")
    cluster = FakeCluster(ready_delay=0.2)
    seed_demo(cluster)
    running = serve(cluster, bookmark_interval=0.2)
    cluster.start()
    kubeconfig = write_kubeconfig(directory / "kubeconfig", running)
    conn = connect(str(kubeconfig))
    kubectl = make_kubectl(kubeconfig, directory / "kubectl-cache") if KUBECTL else None
    yield SimpleNamespace(cluster=cluster, server=running, conn=conn, kubeconfig=kubeconfig,
                          discovery=Discovery(conn, use_disk=False), kubectl=kubectl)
    conn.close()
    running.stop()
    cluster.stop()


@pytest.fixture
def cloud_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fake Google Cloud (GKE, Artifact Registry, Cloud Build, Storage, OAuth) with project
    "proj", ADC from a service-account key, and GKE cluster proj/europe-west1/web served by a
    TLS sim that accepts only the fake's live OAuth tokens; environment pointed at it."""
    from cloud_support import start_cloud_world

    world = start_cloud_world(tmp_path, monkeypatch)
    yield world
    world.stop()
