"""A fake Google Cloud for the cloud tests: the fake APIs on one port, a service-account key
whose token_uri points at them, and a `kubedeck sim --tls` cluster that accepts the fake's
OAuth tokens and nothing else, registered as GKE cluster proj/europe-west1/web."""

from __future__ import annotations

import datetime
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kubedeck.fake.cloud import FakeCloud
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import RunningServer, serve

PROJECT = "proj"
LOCATION = "europe-west1"
CLUSTER = "web"


@dataclass
class OffsetClock:
    """Real time plus an offset that tests move forward (tokens expire, nothing sleeps)."""

    offset: float = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def utc(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.now(), datetime.UTC).replace(tzinfo=None)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class CloudWorld:
    cloud: FakeCloud
    sim: RunningServer
    key: Path
    clock: OffsetClock
    home: Path
    stopped: list = field(default_factory=list)

    def stop(self) -> None:
        self.sim.stop()
        self.sim.cluster.stop()
        self.cloud.stop()

    @property
    def endpoint(self) -> str:
        return self.sim.url.removeprefix("https://")


def start_cloud_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *,
                      page_size: int = 1000) -> CloudWorld:
    clock = OffsetClock()
    cloud = FakeCloud(clock=clock.now, page_size=page_size, lro_polls=2).start()
    cloud.add_project(PROJECT)
    key = cloud.write_service_account_key(tmp_path / "sa.json", PROJECT)
    cluster = FakeCluster(ready_delay=0.1)
    sim = serve(cluster, tls=True, token=cloud.oauth.validator)
    cloud.add_cluster(PROJECT, LOCATION, CLUSTER, endpoint=sim.url.removeprefix("https://"),
                      ca_pem=sim.ca_pem)
    home = tmp_path / "home"
    home.mkdir()
    for name, value in {**cloud.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(key),
                        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                        "XDG_CACHE_HOME": str(home / ".cache"), "NO_GCE_CHECK": "true"}.items():
        monkeypatch.setenv(name, value)
    for name in ("KUBECONFIG", "CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT",
                 "KUBEDECK_CONFIG", "CLOUDSDK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return CloudWorld(cloud, sim, key, clock, home)


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`kubedeck ARGV` in process: (exit code, stdout, stderr), errors as main() prints them."""
    import contextlib

    from kubedeck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()
