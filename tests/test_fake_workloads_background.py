"""The workload controllers on the background thread against the wall clock, as `kubedeck
sim` runs them: API writes arrive on other threads while the worker reconciles."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.store import StoreError


def _wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached before the deadline")


@pytest.fixture
def cluster():
    cluster = FakeCluster(ready_delay=0.2)
    cluster.start()
    yield cluster
    cluster.stop()


def test_job_statefulset_and_endpoints_converge_in_background(cluster: FakeCluster) -> None:
    jobs = cluster.type_for("jobs", "batch")
    cluster.create(jobs, {"metadata": {"name": "quick"}, "spec": {
        "completions": 4, "parallelism": 2, "template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "0.1"]}]}}}})
    labels = {"app": "db"}
    cluster.create(cluster.type_for("services"), {
        "metadata": {"name": "db"}, "spec": {"clusterIP": "None", "selector": labels,
                                             "ports": [{"port": 5432}]}})
    cluster.create(cluster.type_for("statefulsets", "apps"), {
        "metadata": {"name": "db"},
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {
                     "containers": [{"name": "db", "image": "postgres:16"}]}}}})

    def job_done() -> bool:
        status = cluster.get(jobs, "default", "quick").get("status") or {}
        return any(c["type"] == "Complete" for c in status.get("conditions") or ())

    _wait_for(job_done)
    assert cluster.get(jobs, "default", "quick")["status"]["succeeded"] == 4

    def endpoints_ready() -> bool:
        try:
            ep = cluster.get(cluster.type_for("endpoints"), "default", "db")
        except StoreError:
            return False
        return sum(len(s.get("addresses") or ()) for s in ep.get("subsets") or ()) == 3

    _wait_for(endpoints_ready)
    ep = cluster.get(cluster.type_for("endpoints"), "default", "db")
    hostnames = sorted(a["hostname"] for a in ep["subsets"][0]["addresses"])
    assert hostnames == ["db-0", "db-1", "db-2"]
