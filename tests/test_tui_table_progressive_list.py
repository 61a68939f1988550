"""Reflector(progressive_first_list=True), which the table uses so 50,000 pods show after one
page: the first list publishes page by page; a relist and a list after a failure stay atomic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient, Configuration
from reflector_support import Mirror, Probe, versions_of, wait_for

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.faults import Fault
from kubedeck.fake.serve import serve
from kubedeck.kube.backoff import BackoffPolicy
from kubedeck.kube.reflector import Reflector
from kubedeck.kube.reflector_codec import decoder_for

NS = "default"


@pytest.fixture
def cluster() -> Iterator[tuple[FakeCluster, str]]:
    c = FakeCluster(history_limit=5000)
    running = serve(c, bookmark_interval=3600.0)
    for i in range(6):
        c.create(c.type_for("configmaps"), {"metadata": {"name": f"cm-{i}", "namespace": NS}})
    yield c, running.url
    running.stop()


def _start(url: str, c: FakeCluster, probe: Probe, mirror: Mirror) -> Reflector:
    cfg = Configuration()
    cfg.host = url
    return Reflector(ApiClient(cfg), c.type_for("configmaps"), NS, decode=probe,
                     on_batch=mirror, page_size=2, batch_interval=0.02,
                     backoff=BackoffPolicy(base=0.01, cap=0.05), progressive_first_list=True)


def _server(c: FakeCluster) -> dict[str, str]:
    items, _ = c.list(c.type_for("configmaps"), NS)
    return {o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in items}


def test_first_pages_are_delivered_before_the_list_ends(cluster):
    c, url = cluster
    probe, mirror = Probe(decoder_for("", "ConfigMap")), Mirror()
    probe.hold_page = 3
    r = _start(url, c, probe, mirror).start()
    try:
        wait_for(probe.held.is_set, "the third page requested")
        wait_for(lambda: len(mirror.versions()) == 4, "the first two pages delivered")
        assert not r.synced.is_set()
        probe.go.set()
        wait_for(r.synced.is_set, "synced")
        wait_for(lambda: mirror.versions() == _server(c), "every page delivered")
        assert not mirror.problems
    finally:
        r.stop()


def test_a_relist_stays_atomic_and_removes_what_went(cluster):
    c, url = cluster
    probe, mirror = Probe(decoder_for("", "ConfigMap")), Mirror()
    r = _start(url, c, probe, mirror).start()
    try:
        wait_for(lambda: r.synced.is_set() and mirror.versions() == _server(c), "synced")
        batches = len(mirror.batches)
        probe.hold_page = probe.pages + 2  # hold the relist inside its second page
        c.faults.add(Fault("gone", path="/configmaps", watch=True))
        c.store.close_watches()
        wait_for(probe.held.is_set, "relist under way")
        c.delete(c.type_for("configmaps"), NS, "cm-0")
        assert len(mirror.batches) == batches  # nothing of the relist published yet
        probe.go.set()
        wait_for(lambda: versions_of(r.snapshot()) == _server(c)
                 and mirror.versions() == _server(c), "converged")
        assert not mirror.problems
    finally:
        r.stop()
