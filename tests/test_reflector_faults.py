"""The reflector against the simulated API server over HTTP, with injected faults.

After every fault the reflector's store and what its subscriber assembled from the batches
must equal the server's objects exactly: nothing lost, nothing duplicated, deletions seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from kubernetes.client import ApiClient, Configuration
from reflector_support import Mirror, Probe, versions_of, wait_for

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.faults import Fault
from kubedeck.fake.serve import RunningServer, serve, write_kubeconfig
from kubedeck.kube.backoff import BackoffPolicy
from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.connect import connect
from kubedeck.kube.reflector import Reflector
from kubedeck.kube.reflector_codec import decoder_for

FAST = BackoffPolicy(base=0.01, cap=0.05, auth_delay=0.2)
NS = "default"


@dataclass
class Sim:
    cluster: FakeCluster
    server: RunningServer

    @property
    def cm(self):
        return self.cluster.type_for("configmaps")

    def create(self, name: str, **data: str) -> dict:
        return self.cluster.create(self.cm, {"metadata": {"name": name, "namespace": NS},
                                             "data": dict(data)})

    def touch(self, name: str, value: str) -> dict:
        obj = {**self.cluster.get(self.cm, NS, name)}
        obj["data"] = {"v": value}
        return self.cluster.update(self.cm, obj)

    def delete(self, name: str) -> None:
        self.cluster.delete(self.cm, NS, name)

    def versions(self) -> dict[str, str]:
        items, _ = self.cluster.list(self.cm, NS)
        return {o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in items}

    def uid(self, name: str) -> str:
        return self.cluster.get(self.cm, NS, name)["metadata"]["uid"]

    def end_watches(self) -> None:
        """End every open watch cleanly, as an API server restart does."""
        self.cluster.store.close_watches()


def _sim(history_limit: int = 5000, bookmark_interval: float = 3600.0) -> Sim:
    cluster = FakeCluster(history_limit=history_limit)
    return Sim(cluster, serve(cluster, bookmark_interval=bookmark_interval))


@pytest.fixture
def sim() -> Iterator[Sim]:
    s = _sim()
    yield s
    s.server.stop()


@pytest.fixture
def start() -> Iterator[Callable[..., tuple[Reflector, Mirror, Probe]]]:
    running: list[Reflector] = []

    def build(sim: Sim, on_batch: Callable[[ChangeBatch], None] | None = None,
              **kw) -> tuple[Reflector, Mirror, Probe]:
        cfg = Configuration()
        cfg.host = sim.server.url
        mirror, probe = Mirror(), Probe(decoder_for("", "ConfigMap"))
        kw.setdefault("backoff", FAST)
        kw.setdefault("batch_interval", 0.02)
        r = Reflector(ApiClient(cfg), sim.cm, NS, decode=probe, on_batch=on_batch or mirror,
                      **kw)
        running.append(r.start())
        return r, mirror, probe

    yield build
    for r in running:
        r.stop()


def converged(sim: Sim, r: Reflector, mirror: Mirror) -> None:
    """Wait until store and batches equal the server, then check no batch was inconsistent."""
    wait_for(lambda: versions_of(r.snapshot()) == sim.versions(), "store equals server")
    wait_for(lambda: mirror.versions() == sim.versions(), "batches equal server")
    assert not mirror.problems


def synced(sim: Sim, r: Reflector) -> None:
    """The reflector has seen every change so far (its version is the server's)."""
    wait_for(lambda: r.resource_version == str(sim.cluster.store.resource_version)
             and r.connected, "reflector in sync")


def test_lists_and_follows_changes(sim, start):
    for i in range(5):
        sim.create(f"cm-{i}")
    r, mirror, probe = start(sim, page_size=2)
    wait_for(r.synced.is_set, "synced")
    converged(sim, r, mirror)
    sim.touch("cm-1", "x")
    gone_uid = sim.uid("cm-2")
    sim.delete("cm-2")
    sim.create("cm-new")
    converged(sim, r, mirror)
    assert gone_uid in mirror.deleted()
    assert probe.pages == 3


def test_disconnect_mid_stream_resumes_without_loss(sim, start):
    sim.create("cm-0")
    r, mirror, probe = start(sim)
    synced(sim, r)
    fault = sim.cluster.faults.add(Fault("disconnect", path="/configmaps", watch=True,
                                         after_events=2))
    sim.end_watches()
    wait_for(lambda: fault.hits == 1, "faulty watch opened")
    for i in range(1, 6):
        sim.create(f"cm-{i}")
    sim.delete("cm-0")
    converged(sim, r, mirror)
    assert probe.pages == 1, "a disconnect resumes the watch, it does not relist"
    assert r.retry_delay is not None


def test_gone_event_on_watch_relists_and_converges(sim, start):
    for i in range(3):
        sim.create(f"cm-{i}")
    r, mirror, probe = start(sim)
    synced(sim, r)
    probe.hold_error = True
    sim.cluster.faults.add(Fault("gone", path="/configmaps", watch=True))
    sim.end_watches()
    wait_for(probe.held.is_set, "410 ERROR event received")
    delay_before = r.retry_delay
    gone_uid = sim.uid("cm-1")
    sim.delete("cm-1")  # no watch is open: only the relist can reveal this deletion
    sim.touch("cm-2", "changed")
    sim.create("cm-3")
    probe.go.set()
    converged(sim, r, mirror)
    assert gone_uid in mirror.deleted()
    assert probe.pages == 2 and probe.count("ERROR") == 1
    assert r.retry_delay is delay_before, "a resumed watch that is gone relists at once"


def test_object_deleted_while_the_relist_is_in_flight(sim, start):
    for i in range(3):
        sim.create(f"cm-{i}")
    r, mirror, probe = start(sim, page_size=None)
    synced(sim, r)
    probe.hold_page = 2
    sim.cluster.faults.add(Fault("gone", path="/configmaps", watch=True))
    sim.end_watches()
    wait_for(probe.held.is_set, "relist read, not yet applied")
    gone_uid = sim.uid("cm-0")
    sim.delete("cm-0")
    sim.create("cm-3")
    probe.go.set()
    converged(sim, r, mirror)
    assert gone_uid in mirror.deleted()


def test_expired_continue_token_falls_back_to_one_full_list():
    sim = _sim(history_limit=10)
    try:
        for i in range(6):
            sim.create(f"cm-{i}")
        cfg = Configuration()
        cfg.host = sim.server.url
        mirror, probe = Mirror(), Probe()
        probe.hold_page = 1
        r = Reflector(ApiClient(cfg), sim.cm, NS, decode=probe, on_batch=mirror, backoff=FAST,
                      batch_interval=0.02, page_size=2).start()
        try:
            wait_for(probe.held.is_set, "first page read")
            gone_uid = sim.uid("cm-4")
            sim.delete("cm-4")
            for i in range(12):  # compacts the history behind the continue token
                sim.touch("cm-0", str(i))
            probe.go.set()
            converged(sim, r, mirror)
            assert gone_uid not in mirror.versions()
            assert probe.pages == 2, "the second request expired; the third listed everything"
        finally:
            r.stop()
    finally:
        sim.server.stop()


def test_500_on_watch_backs_off_and_resumes(sim, start):
    sim.create("cm-0")
    r, mirror, probe = start(sim)
    synced(sim, r)
    fault = sim.cluster.faults.add(Fault("status", path="/configmaps", watch=True, code=500,
                                         times=3))
    sim.end_watches()
    wait_for(lambda: sim.cluster.faults.pending == 0, "three failed watches")
    sim.create("cm-1")
    sim.touch("cm-0", "x")
    converged(sim, r, mirror)
    assert fault.hits == 3 and probe.pages == 1
    wait_for(lambda: r.last_error is None and r.connected, "healthy again")


def test_500_on_list_retries(sim, start):
    sim.create("cm-0")
    sim.cluster.faults.add(Fault("status", path="/configmaps", watch=False, code=500))
    r, mirror, _ = start(sim)
    wait_for(r.synced.is_set, "synced after the failure")
    converged(sim, r, mirror)
    assert r.retry_delay is not None


def test_429_with_retry_after_is_honoured(sim, start):
    sim.create("cm-0")
    sim.cluster.faults.add(Fault("status", path="/configmaps", watch=False, code=429,
                                 retry_after=1))
    r, mirror, _ = start(sim)
    wait_for(lambda: r.last_error is not None, "429 reported")
    assert "TooManyRequests" in r.last_error
    assert r.retry_delay is not None and r.retry_delay >= 1.0
    converged(sim, r, mirror)
    assert r.last_error is None


def test_dropped_list_connection_retries(sim, start):
    sim.create("cm-0")
    sim.cluster.faults.add(Fault("disconnect", path="/configmaps", watch=False, times=2))
    r, mirror, _ = start(sim)
    converged(sim, r, mirror)
    assert r.retry_delay is not None


def test_bookmark_only_stream_keeps_the_store(sim, start):
    for i in range(2):
        sim.create(f"cm-{i}")
    r, mirror, probe = start(sim)
    synced(sim, r)
    sim.cluster.faults.add(Fault("bookmarks", path="/configmaps", watch=True, after_events=3))
    sim.end_watches()
    wait_for(lambda: probe.count("BOOKMARK") == 3, "three bookmarks")
    converged(sim, r, mirror)
    sim.create("cm-2")
    sim.delete("cm-0")
    converged(sim, r, mirror)
    assert probe.pages == 1


def test_periodic_bookmarks_advance_the_resource_version():
    sim = _sim(bookmark_interval=0.05)
    try:
        cfg = Configuration()
        cfg.host = sim.server.url
        probe = Probe()
        r = Reflector(ApiClient(cfg), sim.cm, NS, decode=probe, backoff=FAST).start()
        try:
            wait_for(r.synced.is_set, "synced")
            secrets = sim.cluster.type_for("secrets")
            sim.cluster.create(secrets, {"metadata": {"name": "s", "namespace": NS}})
            target = str(sim.cluster.store.resource_version)
            wait_for(lambda: r.resource_version == target, "bookmark carried the new version")
            assert probe.count("BOOKMARK") >= 1 and r.snapshot() == []
        finally:
            r.stop()
    finally:
        sim.server.stop()


def test_rapid_updates_are_coalesced(sim, start):
    sim.create("cm-0")
    first = threading.Event()
    release = threading.Event()
    mirror = Mirror()

    def slow(batch: ChangeBatch) -> None:
        mirror(batch)
        if not first.is_set():
            first.set()
            release.wait(15)

    r, _, _ = start(sim, on_batch=slow)
    wait_for(first.is_set, "initial batch being consumed")
    for i in range(50):
        sim.touch("cm-0", str(i))
    sim.create("short-lived")
    sim.delete("short-lived")
    synced(sim, r)
    release.set()
    converged(sim, r, mirror)
    assert len(mirror.batches) == 2
    assert len(mirror.batches[1]) == 1 and list(mirror.batches[1].updated) == [sim.uid("cm-0")]


def test_forbidden_list_is_reported_with_verb_and_resource():
    cluster = FakeCluster()
    server = serve(cluster, deny={("list", "configmaps")})
    try:
        cfg = Configuration()
        cfg.host = server.url
        r = Reflector(ApiClient(cfg), cluster.type_for("configmaps"), NS, backoff=FAST).start()
        try:
            wait_for(lambda: r.last_error is not None, "403 reported")
            assert 'cannot list resource "configmaps"' in r.last_error
            assert r.last_error.startswith("list configmaps in namespace default: ")
            assert r.retry_delay is not None and r.retry_delay >= FAST.auth_delay
            assert not r.synced.is_set()
        finally:
            r.stop()
    finally:
        server.stop()


def test_stop_is_clean_while_watching(sim, start):
    sim.create("cm-0")
    r, mirror, _ = start(sim)
    synced(sim, r)
    converged(sim, r, mirror)
    r.stop()
    assert not r._worker.is_alive() and not r._dispatcher.is_alive()
    seen = len(mirror.batches)
    sim.create("cm-after-stop")
    assert len(mirror.batches) == seen and not r.connected


def test_objects_leaving_and_entering_the_label_selector(sim, start):
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        sim.cluster.create(sim.cm, {"metadata": {"name": name, "namespace": NS,
                                                 "labels": {"app": app}}})
    r, mirror, _ = start(sim, label_selector="app=web")
    wait_for(r.synced.is_set, "synced")

    def relabel(name: str, app: str) -> None:
        obj = {**sim.cluster.get(sim.cm, NS, name)}
        obj["metadata"] = {**obj["metadata"], "labels": {"app": app}}
        sim.cluster.update(sim.cm, obj)

    def web() -> dict[str, str]:
        items, _ = sim.cluster.list(sim.cm, NS, label_selector="app=web")
        return {o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in items}

    left, entered = sim.uid("a"), sim.uid("c")
    relabel("a", "db")
    relabel("c", "web")
    wait_for(lambda: versions_of(r.snapshot()) == web(), "store equals the selected objects")
    wait_for(lambda: mirror.versions() == web(), "batches equal the selected objects")
    assert left in mirror.deleted() and entered in mirror.versions()
    assert not mirror.problems


@pytest.mark.parametrize("token", [None, "s3cret"])
def test_works_through_a_kubeconfig_connection_over_tls(tmp_path, token):
    cluster = FakeCluster()
    server = serve(cluster, tls=True, token=token)
    try:
        conn = connect(str(write_kubeconfig(tmp_path / "config", server)))
        sim = Sim(cluster, server)
        sim.create("cm-0")
        mirror = Mirror()
        r = Reflector(conn, sim.cm, conn.namespace, on_batch=mirror, backoff=FAST,
                      batch_interval=0.02).start()
        try:
            sim.create("cm-1")
            converged(sim, r, mirror)
            assert r.last_error is None
        finally:
            r.stop()
    finally:
        server.stop()
