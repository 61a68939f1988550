"""DaemonSets: a pod per eligible node (cordoned nodes included), rolling updates within
maxUnavailable, status as `kubectl rollout status ds/x` reads it."""

from __future__ import annotations

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.nodes import add_nodes
from kubedeck.fake.store import ManualClock, clone
from kubedeck.kube.rollout_status import daemonset_status


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=2.0, nodes=3)


def _ds(name: str = "agent", image: str = "agent:1", **pod_spec) -> dict:
    labels = {"app": name}
    return {"metadata": {"name": name},
            "spec": {"selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "containers": [{"name": "agent", "image": image}], **pod_spec}}}}


def _get(cluster: FakeCluster, name: str = "agent") -> dict:
    return cluster.get(cluster.type_for("daemonsets"), "default", name)


def _placement(cluster: FakeCluster) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pod in cluster.list(cluster.type_for("pods"))[0]:
        if "deletionTimestamp" not in pod["metadata"]:
            out.setdefault(pod["spec"]["nodeName"], []).append(pod["metadata"]["name"])
    return out


def _edit_node(cluster: FakeCluster, name: str, **spec) -> None:
    nodes = cluster.type_for("nodes")
    node = clone(cluster.get(nodes, "", name))
    node["spec"].update(spec)
    cluster.update(nodes, node)


def test_one_pod_per_node_including_cordoned(cluster: FakeCluster) -> None:
    _edit_node(cluster, "kubedeck-m02", unschedulable=True)
    _edit_node(cluster, "kubedeck-m03",
               taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    cluster.create(cluster.type_for("daemonsets"), _ds())
    cluster.step(0.0)
    placement = _placement(cluster)
    assert sorted(placement) == ["kubedeck", "kubedeck-m02"]
    assert all(len(pods) == 1 for pods in placement.values())
    pod = cluster.get(cluster.type_for("pods"), "default", placement["kubedeck-m02"][0])
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                       "values": ["kubedeck-m02"]}]}]
    assert {"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
            "effect": "NoSchedule"} in pod["spec"]["tolerations"]
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert any(c["type"] == "PodScheduled" and c["status"] == "True"
               for c in pod["status"]["conditions"])
    scheduled = [e["message"] for e in cluster.list(cluster.type_for("events"))[0]
                 if e["reason"] == "Scheduled"
                 and e["involvedObject"]["name"] == pod["metadata"]["name"]]
    assert scheduled == [f"Successfully assigned default/{pod['metadata']['name']} to "
                         "kubedeck-m02"]
    assert pod["metadata"]["labels"]["controller-revision-hash"]
    assert daemonset_status(_get(cluster))[1] is False
    cluster.step(3.0)
    status = _get(cluster)["status"]
    assert status == {"currentNumberScheduled": 2, "desiredNumberScheduled": 2,
                      "numberMisscheduled": 0, "numberReady": 2, "numberAvailable": 2,
                      "updatedNumberScheduled": 2, "observedGeneration": 1}
    assert daemonset_status(_get(cluster)) == (
        'daemon set "agent" successfully rolled out\n', True)


def test_nodes_coming_and_going_and_node_selectors(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("daemonsets"), _ds(nodeSelector={"pool": "edge"}))
    cluster.step(1.0)
    assert _placement(cluster) == {}
    assert _get(cluster)["status"]["desiredNumberScheduled"] == 0
    (node,) = add_nodes(cluster, 1)
    nodes = cluster.type_for("nodes")
    labelled = clone(cluster.get(nodes, "", node["metadata"]["name"]))
    labelled["metadata"]["labels"]["pool"] = "edge"
    cluster.update(nodes, labelled)
    cluster.step(3.0)
    assert list(_placement(cluster)) == [node["metadata"]["name"]]
    unlabelled = clone(cluster.get(nodes, "", node["metadata"]["name"]))
    del unlabelled["metadata"]["labels"]["pool"]
    cluster.update(nodes, unlabelled)
    cluster.step(0.0)
    # The pod is terminating on a node it no longer belongs to: misscheduled until gone.
    assert _get(cluster)["status"]["numberMisscheduled"] == 1
    cluster.step(3.0)
    assert _placement(cluster) == {}
    assert _get(cluster)["status"]["numberMisscheduled"] == 0


def test_rolling_update_respects_max_unavailable(cluster: FakeCluster) -> None:
    add_nodes(cluster, 2)
    cluster.create(cluster.type_for("daemonsets"), _ds())
    cluster.step(5.0)
    ds = clone(_get(cluster))
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = 2
    cluster.update(cluster.type_for("daemonsets"), ds)
    old_hash = None
    worst = 0
    messages = []
    for _ in range(60):
        cluster.step(0.25)
        ds = _get(cluster)
        pods = cluster.list(cluster.type_for("pods"))[0]
        available = [p for p in pods if "deletionTimestamp" not in p["metadata"]
                     and any(c["type"] == "Ready" and c["status"] == "True"
                             for c in p["status"].get("conditions") or ())]
        worst = max(worst, 5 - len(available))
        messages.append(daemonset_status(ds)[0])
        if old_hash is None:
            old_hash = {p["metadata"]["labels"]["controller-revision-hash"] for p in pods}
        if daemonset_status(ds)[1]:
            break
    assert worst == 2
    assert 'Waiting for daemon set "agent" rollout to finish: 2 out of 5 new pods have been ' \
           'updated...\n' in messages
    pods = cluster.list(cluster.type_for("pods"))[0]
    assert len(pods) == 5
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"agent:2"}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in pods} == {"2"}
    revisions = sorted(r["revision"] for r in
                       cluster.list(cluster.type_for("controllerrevisions"))[0])
    assert revisions == [1, 2]


def test_on_delete_strategy_waits_for_deletion(cluster: FakeCluster) -> None:
    spec = _ds()
    spec["spec"]["updateStrategy"] = {"type": "OnDelete"}
    cluster.create(cluster.type_for("daemonsets"), spec)
    cluster.step(5.0)
    ds = clone(_get(cluster))
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    cluster.update(cluster.type_for("daemonsets"), ds)
    cluster.step(5.0)
    assert _get(cluster)["status"].get("updatedNumberScheduled", 0) == 0
    victim = _placement(cluster)["kubedeck"][0]
    cluster.delete(cluster.type_for("pods"), "default", victim)
    cluster.step(5.0)
    assert _get(cluster)["status"]["updatedNumberScheduled"] == 1
