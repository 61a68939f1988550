"""Deletion propagation through ownerReferences (Background, Foreground, Orphan), finalizers
and the event recorder's aggregation."""

from __future__ import annotations

import pytest
from fake_controllers_support import (
    create_deployment,
    create_pod,
    events,
    get_deployment,
    make_cluster,
    pods,
    replicasets,
)

from kubedeck.fake.store import StoreError, clone


def _setup(name: str):
    cluster = make_cluster()
    create_deployment(cluster, name, replicas=2)
    cluster.step(3)
    return cluster, cluster.type_for("deployments")


def test_background_removes_the_owner_now_and_dependents_after() -> None:
    cluster, rt = _setup("bg")
    gone = cluster.delete(rt, "default", "bg")
    assert "deletionTimestamp" not in gone["metadata"]
    assert cluster.store.get(rt, "default", "bg") is None
    assert len(replicasets(cluster, "bg")) == 1
    cluster.step(0)
    assert replicasets(cluster, "bg") == []
    assert all("deletionTimestamp" in p["metadata"] for p in pods(cluster, "bg"))
    cluster.step(2)
    assert pods(cluster, "bg") == []


def test_foreground_keeps_the_owner_until_blocking_dependents_are_gone() -> None:
    cluster, rt = _setup("fg")
    marked = cluster.delete(rt, "default", "fg", propagation="Foreground")
    assert marked["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert "deletionTimestamp" in marked["metadata"]
    cluster.step(0)
    d = get_deployment(cluster, "fg")
    assert d["metadata"]["finalizers"] == ["foregroundDeletion"]
    (rs,) = replicasets(cluster, "fg")
    assert rs["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert all("deletionTimestamp" in p["metadata"] for p in pods(cluster, "fg"))
    cluster.step(2)
    assert pods(cluster, "fg") == [] and replicasets(cluster, "fg") == []
    assert cluster.store.get(rt, "default", "fg") is None


def test_orphan_strips_owner_references_and_keeps_dependents() -> None:
    cluster, rt = _setup("orph")
    cluster.delete(rt, "default", "orph", propagation="Orphan")
    cluster.step(0)
    assert cluster.store.get(rt, "default", "orph") is None
    (rs,) = replicasets(cluster, "orph")
    assert "ownerReferences" not in rs["metadata"]
    assert len(pods(cluster, "orph")) == 2
    cluster.step(5)
    assert len(pods(cluster, "orph")) == 2


def test_recreated_deployment_adopts_orphaned_replicaset() -> None:
    cluster, rt = _setup("again")
    old_rs = replicasets(cluster, "again")[0]["metadata"]["name"]
    cluster.delete(rt, "default", "again", propagation="Orphan")
    cluster.step(0)
    create_deployment(cluster, "again", replicas=2)
    cluster.step(1)
    (rs,) = replicasets(cluster, "again")
    assert rs["metadata"]["name"] == old_rs
    assert rs["metadata"]["ownerReferences"][0]["name"] == "again"


def test_dependent_created_after_its_owner_is_gone_is_collected() -> None:
    cluster = make_cluster()
    cm_rt = cluster.type_for("configmaps")
    cluster.create(cm_rt, {"metadata": {"name": "child", "ownerReferences": [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
        "uid": "00000000-0000-0000-0000-00000000dead"}]}})
    cluster.step(0)
    assert cluster.store.get(cm_rt, "default", "child") is None


def test_custom_finalizer_holds_deletion_until_removed() -> None:
    cluster = make_cluster()
    cm_rt = cluster.type_for("configmaps")
    cluster.create(cm_rt, {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    held = cluster.delete(cm_rt, "default", "held")
    assert "deletionTimestamp" in held["metadata"]
    cluster.step(1)
    live = clone(cluster.get(cm_rt, "default", "held"))
    live["metadata"]["finalizers"] = []
    cluster.update(cm_rt, live)
    assert cluster.store.get(cm_rt, "default", "held") is None


def test_unknown_propagation_policy_is_rejected() -> None:
    cluster = make_cluster()
    cm_rt = cluster.type_for("configmaps")
    cluster.create(cm_rt, {"metadata": {"name": "x"}})
    with pytest.raises(StoreError) as err:
        cluster.delete(cm_rt, "default", "x", propagation="Sideways")
    assert err.value.code == 400


def test_repeated_events_are_aggregated_with_count() -> None:
    cluster = make_cluster()
    create_pod(cluster, "flaky", image="example/app:never-ready")
    cluster.step(25)
    unhealthy = [e for e in events(cluster, "flaky") if e["reason"] == "Unhealthy"]
    assert len(unhealthy) == 1
    (ev,) = unhealthy
    assert ev["count"] == 2
    assert ev["firstTimestamp"] < ev["lastTimestamp"]
    assert ev["reportingComponent"] == "kubelet"
    assert ev["metadata"]["name"].startswith("flaky.")
