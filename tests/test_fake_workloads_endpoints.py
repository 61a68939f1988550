"""Services -> Endpoints and EndpointSlices, following pod readiness and lifecycle."""

from __future__ import annotations

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.controllers.endpoints import build_subsets, find_port, rfc3339_nano
from kubedeck.fake.store import ManualClock, StoreError, clone


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=2.0)


def _pod(name: str, labels: dict, image: str = "nginx:1.27") -> dict:
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "web", "image": image,
                                     "ports": [{"name": "http", "containerPort": 8080}]}]}}


def _service(name: str = "web", **spec) -> dict:
    spec.setdefault("selector", {"app": "web"})
    spec.setdefault("ports", [{"name": "http", "port": 80, "targetPort": "http"}])
    return {"metadata": {"name": name, "labels": {"team": "shop"}}, "spec": spec}


def _endpoints(cluster: FakeCluster, name: str = "web") -> dict:
    return cluster.get(cluster.type_for("endpoints"), "default", name)


def _slices(cluster: FakeCluster, service: str = "web") -> list[dict]:
    items, _ = cluster.list(cluster.type_for("endpointslices"), "default",
                            label_selector=f"kubernetes.io/service-name={service}")
    return items


def test_endpoints_follow_readiness_with_named_ports(cluster: FakeCluster) -> None:
    pods = cluster.type_for("pods")
    cluster.create(cluster.type_for("services"), _service())
    for i in range(2):
        cluster.create(pods, _pod(f"web-{i}", {"app": "web"}))
    cluster.create(pods, _pod("other", {"app": "db"}))
    cluster.step(1.0)
    ep = _endpoints(cluster)
    (subset,) = ep["subsets"]
    assert "addresses" not in subset
    assert sorted(a["targetRef"]["name"] for a in subset["notReadyAddresses"]) == [
        "web-0", "web-1"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert ep["metadata"]["labels"] == {"team": "shop"}
    cluster.step(2.0)
    (subset,) = _endpoints(cluster)["subsets"]
    assert "notReadyAddresses" not in subset
    live = {p["metadata"]["name"]: p for p in cluster.list(pods)[0]}
    assert [(a["ip"], a["nodeName"], a["targetRef"]) for a in subset["addresses"]] == sorted(
        [(live[n]["status"]["podIP"], live[n]["spec"]["nodeName"],
          {"kind": "Pod", "namespace": "default", "name": n, "uid": live[n]["metadata"]["uid"]})
         for n in ("web-0", "web-1")], key=lambda t: tuple(int(x) for x in t[0].split(".")))


def test_endpointslice_shape_and_terminating_pods(cluster: FakeCluster) -> None:
    svc = cluster.create(cluster.type_for("services"), _service())
    pods = cluster.type_for("pods")
    cluster.create(pods, _pod("web-0", {"app": "web"}))
    cluster.step(3.0)
    (slice_,) = _slices(cluster)
    assert slice_["metadata"]["name"].startswith("web-")
    assert slice_["metadata"]["labels"] == {
        "team": "shop", "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert slice_["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "kind": "Service", "name": "web", "uid": svc["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    (endpoint,) = slice_["endpoints"]
    assert endpoint["conditions"] == {"ready": True, "serving": True, "terminating": False}
    cluster.delete(pods, "default", "web-0", grace_seconds=30)
    cluster.step(0.1)
    (endpoint,) = _slices(cluster)[0]["endpoints"]
    assert endpoint["conditions"] == {"ready": False, "serving": True, "terminating": True}
    assert "subsets" not in _endpoints(cluster)
    cluster.step(5.0)
    assert _slices(cluster)[0]["endpoints"] == []
    assert _slices(cluster)[0]["metadata"]["name"] == slice_["metadata"]["name"]


def test_pod_label_change_and_service_deletion(cluster: FakeCluster) -> None:
    pods = cluster.type_for("pods")
    cluster.create(cluster.type_for("services"), _service())
    cluster.create(pods, _pod("web-0", {"app": "web"}))
    cluster.step(3.0)
    assert len(_endpoints(cluster)["subsets"][0]["addresses"]) == 1
    relabelled = clone(cluster.get(pods, "default", "web-0"))
    relabelled["metadata"]["labels"] = {"app": "quarantine"}
    cluster.update(pods, relabelled)
    cluster.step(0.1)
    assert "subsets" not in _endpoints(cluster)
    cluster.delete(cluster.type_for("services"), "default", "web")
    cluster.step(0.1)
    with pytest.raises(StoreError):
        _endpoints(cluster)
    assert _slices(cluster) == []


def test_headless_service_and_selectorless_service(cluster: FakeCluster) -> None:
    services = cluster.type_for("services")
    cluster.create(services, _service("db", clusterIP="None", selector={"app": "web"}))
    cluster.create(services, {"metadata": {"name": "external"},
                              "spec": {"ports": [{"port": 5432}]}})
    cluster.create(cluster.type_for("pods"), _pod("web-0", {"app": "web"}))
    cluster.step(3.0)
    assert _endpoints(cluster, "db")["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert _slices(cluster, "db")[0]["metadata"]["labels"][
        "service.kubernetes.io/headless"] == ""
    with pytest.raises(StoreError):
        _endpoints(cluster, "external")


def test_service_without_pods_keeps_an_empty_slice(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("services"), _service())
    cluster.step(0.1)
    (slice_,) = _slices(cluster)
    assert slice_["endpoints"] == [] and slice_["ports"] is None
    assert "subsets" not in _endpoints(cluster)


def test_find_port_and_subset_grouping() -> None:
    pod = _pod("a", {})
    pod["metadata"].update(namespace="default", uid="u1")
    assert find_port(pod, {"port": 80, "targetPort": "http"}) == 8080
    assert find_port(pod, {"port": 80, "targetPort": "metrics"}) is None
    assert find_port(pod, {"port": 80, "targetPort": 9000}) == 9000
    assert find_port(pod, {"port": 80, "targetPort": "http", "protocol": "UDP"}) is None
    other = _pod("b", {})
    other["metadata"].update(namespace="default", uid="u2")
    other["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 9090}]
    for p, ip in ((pod, "10.0.0.9"), (other, "10.0.0.10")):
        p["status"] = {"podIP": ip, "phase": "Running",
                       "conditions": [{"type": "Ready", "status": "True"}]}
    service = {"metadata": {"name": "s", "namespace": "default"},
               "spec": {"ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    subsets, truncated = build_subsets(service, [pod, other])
    assert not truncated
    assert [s["ports"][0]["port"] for s in subsets] == [8080, 9090]
    assert rfc3339_nano(1.5) == "1970-01-01T00:00:01.5Z"
    assert rfc3339_nano(2.0) == "1970-01-01T00:00:02Z"
