"""Namespace lifecycle: Terminating, content deleted, then gone; what every namespace holds."""

from __future__ import annotations

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.store import ManualClock, StoreError


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=1.0)


def _deploy(namespace: str) -> dict:
    labels = {"app": "web"}
    return {"metadata": {"name": "web", "namespace": namespace},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}


def test_namespace_deletion_removes_content_then_the_namespace(cluster: FakeCluster) -> None:
    namespaces = cluster.type_for("namespaces")
    cluster.create(namespaces, {"metadata": {"name": "shop"}})
    cluster.create(cluster.type_for("deployments", "apps"), _deploy("shop"))
    cluster.create(cluster.type_for("configmaps"), {
        "metadata": {"name": "settings", "namespace": "shop"}, "data": {"a": "1"}})
    cluster.step(3.0)
    assert len(cluster.list(cluster.type_for("pods"), "shop")[0]) == 2
    deleted = cluster.delete(namespaces, "", "shop")
    assert "deletionTimestamp" in deleted["metadata"]
    assert deleted["status"]["phase"] == "Terminating"
    with pytest.raises(StoreError) as refused:
        cluster.create(cluster.type_for("configmaps"), {
            "metadata": {"name": "late", "namespace": "shop"}})
    assert refused.value.code == 403
    assert refused.value.message == ('configmaps "late" is forbidden: unable to create new '
                                     "content in namespace shop because it is being terminated")
    cluster.step(0.0)
    ns = cluster.get(namespaces, "", "shop")
    conditions = {c["type"]: (c["status"], c["reason"]) for c in ns["status"]["conditions"]}
    assert conditions["NamespaceContentRemaining"] == ("True", "SomeResourcesRemain")
    assert conditions["NamespaceDeletionDiscoveryFailure"] == ("False", "ResourcesDiscovered")
    message = next(c["message"] for c in ns["status"]["conditions"]
                   if c["type"] == "NamespaceContentRemaining")
    assert message == "Some resources are remaining: pods has 2 resource instances"
    cluster.step(3.0)
    with pytest.raises(StoreError) as gone:
        cluster.get(namespaces, "", "shop")
    assert gone.value.code == 404
    for plural, group in (("pods", ""), ("configmaps", ""), ("replicasets", "apps"),
                          ("deployments", "apps"), ("serviceaccounts", "")):
        assert cluster.list(cluster.type_for(plural, group), "shop")[0] == []


def test_every_namespace_has_default_account_and_root_ca(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("namespaces"), {"metadata": {"name": "team-a"}})
    cluster.step(0.0)
    account = cluster.get(cluster.type_for("serviceaccounts"), "team-a", "default")
    assert account["metadata"]["namespace"] == "team-a"
    ca = cluster.get(cluster.type_for("configmaps"), "team-a", "kube-root-ca.crt")
    assert ca["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    cluster.delete(cluster.type_for("configmaps"), "team-a", "kube-root-ca.crt")
    cluster.step(0.0)
    assert cluster.get(cluster.type_for("configmaps"), "team-a", "kube-root-ca.crt")


def test_namespace_without_finalizers_goes_at_once(cluster: FakeCluster) -> None:
    namespaces = cluster.type_for("namespaces")
    cluster.store.create(namespaces, {"metadata": {"name": "bare"}, "spec": {}})
    cluster.delete(namespaces, "", "bare")
    with pytest.raises(StoreError):
        cluster.get(namespaces, "", "bare")
