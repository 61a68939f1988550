"""Nodes of the simulated cluster: what kubelets register, cordon and its taint."""

from __future__ import annotations

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.nodes import add_nodes
from kubedeck.fake.store import ManualClock, clone


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=1.0)


def test_default_nodes_look_like_minikube(cluster: FakeCluster) -> None:
    nodes, _ = cluster.list(cluster.type_for("nodes"))
    assert [n["metadata"]["name"] for n in nodes] == ["kubedeck", "kubedeck-m02", "kubedeck-m03"]
    first = nodes[0]
    labels = first["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "kubedeck"
    assert labels["node-role.kubernetes.io/control-plane"] == ""
    assert (labels["kubernetes.io/os"], labels["kubernetes.io/arch"]) == ("linux", "amd64")
    assert "node-role.kubernetes.io/control-plane" not in nodes[1]["metadata"]["labels"]
    status = first["status"]
    assert status["nodeInfo"]["kubeletVersion"] == "v1.31.0"
    assert status["addresses"][0] == {"type": "InternalIP", "address": "192.168.49.2"}
    assert nodes[2]["status"]["addresses"][0]["address"] == "192.168.49.4"
    assert status["capacity"]["pods"] == "110" and status["allocatable"]["cpu"] == "4"
    ready = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert ready == {"MemoryPressure": ("False", "KubeletHasSufficientMemory"),
                     "DiskPressure": ("False", "KubeletHasNoDiskPressure"),
                     "PIDPressure": ("False", "KubeletHasSufficientPID"),
                     "Ready": ("True", "KubeletReady")}
    assert [n["spec"]["podCIDR"] for n in nodes] == [
        "10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]
    leases, _ = cluster.list(cluster.type_for("leases"), "kube-node-lease")
    assert [(lease["metadata"]["name"], lease["metadata"]["ownerReferences"][0]["uid"])
            for lease in leases] == [(n["metadata"]["name"], n["metadata"]["uid"])
                                     for n in nodes]


def test_node_count_and_numbering() -> None:
    cluster = FakeCluster(ManualClock(), nodes=1)
    assert cluster.store.count(cluster.type_for("nodes")) == 1
    added = add_nodes(cluster, 2)
    assert [n["metadata"]["name"] for n in added] == ["kubedeck-m02", "kubedeck-m03"]
    assert FakeCluster(ManualClock(), nodes=0).store.count(cluster.type_for("nodes")) == 0


def _set_unschedulable(cluster: FakeCluster, name: str, value: bool) -> None:
    nodes = cluster.type_for("nodes")
    node = clone(cluster.get(nodes, "", name))
    node["spec"]["unschedulable"] = value
    cluster.update(nodes, node)


def test_cordon_taints_the_node_and_the_scheduler_avoids_it(cluster: FakeCluster) -> None:
    _set_unschedulable(cluster, "kubedeck-m02", True)
    cluster.step(0.0)
    node = cluster.get(cluster.type_for("nodes"), "", "kubedeck-m02")
    (taint,) = node["spec"]["taints"]
    assert (taint["key"], taint["effect"]) == ("node.kubernetes.io/unschedulable", "NoSchedule")
    assert taint["timeAdded"]
    labels = {"app": "web"}
    cluster.create(cluster.type_for("deployments", "apps"), {
        "metadata": {"name": "web"},
        "spec": {"replicas": 6, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    cluster.step(2.0)
    placed = [p["spec"]["nodeName"] for p in cluster.list(cluster.type_for("pods"))[0]]
    assert len(placed) == 6 and "kubedeck-m02" not in placed
    _set_unschedulable(cluster, "kubedeck-m02", False)
    cluster.step(0.0)
    assert "taints" not in cluster.get(cluster.type_for("nodes"), "", "kubedeck-m02")["spec"]
