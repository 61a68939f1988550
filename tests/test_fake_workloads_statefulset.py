"""StatefulSets: ordered pods, rolling updates from the highest ordinal, revisions, and
`kubectl rollout status` semantics over the status they write."""

from __future__ import annotations

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.store import ManualClock, clone
from kubedeck.kube.rollout_status import statefulset_status


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=2.0)


def _sts(name: str = "db", replicas: int = 3, image: str = "postgres:16", **spec) -> dict:
    labels = {"app": name}
    return {"metadata": {"name": name},
            "spec": {"replicas": replicas, "serviceName": name,
                     "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "main", "image": image}]}},
                     **spec}}


def _pods(cluster: FakeCluster) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in cluster.list(cluster.type_for("pods"))[0]}


def _get(cluster: FakeCluster, name: str = "db") -> dict:
    return cluster.get(cluster.type_for("statefulsets"), "default", name)


def _set_image(cluster: FakeCluster, image: str, name: str = "db", **strategy) -> None:
    sts = clone(_get(cluster, name))
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = image
    if strategy:
        sts["spec"]["updateStrategy"]["rollingUpdate"].update(strategy)
    cluster.update(cluster.type_for("statefulsets"), sts)


def test_ordered_creation_and_status(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("statefulsets"), _sts(
        volumeClaimTemplates=[{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]))
    cluster.create(cluster.type_for("storageclasses", "storage.k8s.io"), {
        "metadata": {"name": "standard", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "k8s.io/minikube-hostpath"})
    cluster.step(0.5)
    assert list(_pods(cluster)) == ["db-0"]
    assert statefulset_status(_get(cluster)) == ("Waiting for 3 pods to be ready...\n", False)
    cluster.step(2.0)
    assert sorted(_pods(cluster)) == ["db-0", "db-1"]
    cluster.step(6.0)
    pods = _pods(cluster)
    assert sorted(pods) == ["db-0", "db-1", "db-2"]
    sts = _get(cluster)
    revision = sts["status"]["updateRevision"]
    assert revision.startswith("db-")
    assert sts["status"] == {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3,
                             "currentReplicas": 3, "updatedReplicas": 3,
                             "availableReplicas": 3, "currentRevision": revision,
                             "updateRevision": revision, "collisionCount": 0}
    pod = pods["db-1"]
    assert pod["metadata"]["labels"] == {
        "app": "db", "controller-revision-hash": revision,
        "statefulset.kubernetes.io/pod-name": "db-1", "apps.kubernetes.io/pod-index": "1"}
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("db-1", "db")
    claim = next(v for v in pod["spec"]["volumes"] if v["name"] == "data")
    assert claim["persistentVolumeClaim"]["claimName"] == "data-db-1"
    pvc = cluster.get(cluster.type_for("persistentvolumeclaims"), "default", "data-db-1")
    assert pvc["status"]["phase"] == "Bound"
    assert pvc["metadata"]["labels"] == {"app": "db"}
    (rev,) = cluster.list(cluster.type_for("controllerrevisions"))[0]
    assert (rev["metadata"]["name"], rev["revision"]) == (revision, 1)
    assert rev["data"]["spec"]["template"]["$patch"] == "replace"
    # The API defaults rollingUpdate.partition to 0, so kubectl takes its partition branch.
    assert statefulset_status(_get(cluster)) == (
        "partitioned roll out complete: 3 new pods have been updated...\n", True)


def test_rolling_update_from_highest_ordinal(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("statefulsets"), _sts())
    cluster.step(10.0)
    old = _get(cluster)["status"]["currentRevision"]
    _set_image(cluster, "postgres:17")
    cluster.step(0.0)
    sts = _get(cluster)
    new = sts["status"]["updateRevision"]
    assert new != old and sts["status"]["currentRevision"] == old
    order: list[str] = []
    messages: list[str] = []
    for _ in range(40):
        cluster.step(0.5)
        for name, pod in sorted(_pods(cluster).items()):
            if pod["metadata"]["labels"]["controller-revision-hash"] == new and name not in order:
                order.append(name)
        message, done = statefulset_status(_get(cluster))
        messages.append(message)
        if done:
            break
    assert order == ["db-2", "db-1", "db-0"]
    assert "Waiting for 1 pods to be ready...\n" in messages
    assert ("Waiting for partitioned roll out to finish: 1 out of 3 new pods have been "
            "updated...\n") in messages
    assert message == "partitioned roll out complete: 3 new pods have been updated...\n"
    assert _get(cluster)["status"]["currentRevision"] == new
    revisions = {r["metadata"]["name"]: r["revision"]
                 for r in cluster.list(cluster.type_for("controllerrevisions"))[0]}
    assert revisions == {old: 1, new: 2}


def test_partitioned_update_and_rollback_revision_numbers(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("statefulsets"), _sts())
    cluster.step(10.0)
    first = _get(cluster)["status"]["currentRevision"]
    _set_image(cluster, "postgres:17", partition=2)
    cluster.step(10.0)
    pods = _pods(cluster)
    new = _get(cluster)["status"]["updateRevision"]
    assert [pods[f"db-{i}"]["metadata"]["labels"]["controller-revision-hash"]
            for i in range(3)] == [first, first, new]
    assert statefulset_status(_get(cluster)) == (
        "partitioned roll out complete: 1 new pods have been updated...\n", True)
    _set_image(cluster, "postgres:16", partition=0)
    cluster.step(15.0)
    revisions = {r["metadata"]["name"]: r["revision"]
                 for r in cluster.list(cluster.type_for("controllerrevisions"))[0]}
    assert revisions == {first: 3, new: 2}
    assert _get(cluster)["status"]["currentRevision"] == first


def test_scale_down_removes_highest_first(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("statefulsets"), _sts(replicas=4))
    cluster.step(12.0)
    sts = clone(_get(cluster))
    sts["spec"]["replicas"] = 1
    cluster.update(cluster.type_for("statefulsets"), sts)
    cluster.step(0.0)
    pods = _pods(cluster)
    assert [n for n, p in sorted(pods.items()) if "deletionTimestamp" in p["metadata"]] == [
        "db-3"]
    cluster.step(5.0)
    assert sorted(_pods(cluster)) == ["db-0"]
    assert _get(cluster)["status"]["replicas"] == 1
    events = [e["message"] for e in cluster.list(cluster.type_for("events"))[0]
              if e["reason"] == "SuccessfulDelete"]
    assert events == [f"delete Pod db-{i} in StatefulSet db successful" for i in (3, 2, 1)]


def test_parallel_policy_creates_all_at_once(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("statefulsets"), _sts(podManagementPolicy="Parallel"))
    cluster.step(0.0)
    assert sorted(_pods(cluster)) == ["db-0", "db-1", "db-2"]


def test_never_ready_pod_blocks_ordered_creation(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("statefulsets"), _sts(image="ghcr.io/acme/db:never-ready"))
    cluster.step(30.0)
    assert list(_pods(cluster)) == ["db-0"]
    assert statefulset_status(_get(cluster)) == ("Waiting for 3 pods to be ready...\n", False)
