"""The seeded demo world converges, and bulk pods stay consistent at scale."""

from __future__ import annotations

from collections import Counter

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.controllers.base import parse_time
from kubedeck.fake.seed import add_pods, seed_demo
from kubedeck.fake.store import ManualClock

DELIBERATE = {("web", "checkout-worker"), ("default", "legacy-api")}


@pytest.fixture(scope="module")
def world() -> FakeCluster:
    cluster = FakeCluster(ManualClock())
    seed_demo(cluster)
    return cluster


def _names(cluster: FakeCluster, plural: str, group: str = "", ns: str | None = None) -> set:
    return {(o["metadata"].get("namespace", ""), o["metadata"]["name"])
            for o in cluster.list(cluster.type_for(plural, group), ns)[0]}


def test_all_deployments_available_but_the_deliberate_failures(world: FakeCluster) -> None:
    deployments, _ = world.list(world.type_for("deployments", "apps"))
    names = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in deployments}
    assert {("guestbook", "redis-leader"), ("guestbook", "redis-follower"),
            ("guestbook", "frontend"), ("web", "storefront"), ("kube-system", "coredns"),
            ("monitoring", "grafana")} | DELIBERATE <= names
    for d in deployments:
        key = (d["metadata"]["namespace"], d["metadata"]["name"])
        available = {c["type"]: c["status"] for c in d["status"]["conditions"]}["Available"]
        if key in DELIBERATE:
            assert available == "False", key
        else:
            assert available == "True", key
            assert d["status"]["availableReplicas"] == d["spec"]["replicas"], key
    replicas = {d["metadata"]["name"]: d["spec"]["replicas"] for d in deployments}
    assert (replicas["redis-leader"], replicas["redis-follower"], replicas["frontend"]) == (
        1, 2, 3)
    images = {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
              for d in deployments}
    assert images["redis-leader"] == "docker.io/redis:6.0.5"
    assert images["redis-follower"] == "gcr.io/google_samples/gb-redis-follower:v2"
    assert images["frontend"] == "gcr.io/google_samples/gb-frontend:v5"


def test_failures_show_as_they_would(world: FakeCluster) -> None:
    pods = {p["metadata"]["name"].rsplit("-", 2)[0]: p
            for p in world.list(world.type_for("pods"))[0]}
    crash = pods["checkout-worker"]["status"]["containerStatuses"][0]
    assert crash["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert crash["restartCount"] >= 3
    pull = pods["legacy-api"]["status"]["containerStatuses"][0]
    assert pull["state"]["waiting"]["reason"] in ("ImagePullBackOff", "ErrImagePull")


def test_services_have_endpoints(world: FakeCluster) -> None:
    for ns, name, count in (("guestbook", "frontend", 3), ("guestbook", "redis-follower", 2),
                            ("web", "storefront", 3), ("kube-system", "kube-dns", 1)):
        ep = world.get(world.type_for("endpoints"), ns, name)
        assert sum(len(s.get("addresses") or ()) for s in ep["subsets"]) == count, name
    frontend = world.get(world.type_for("services"), "guestbook", "frontend")
    assert frontend["spec"]["type"] == "NodePort" and frontend["spec"]["ports"][0]["nodePort"]
    storefront = world.get(world.type_for("endpoints"), "web", "storefront")
    assert storefront["subsets"][0]["ports"] == [{"name": "http", "port": 8080,
                                                  "protocol": "TCP"}]


def test_web_app_objects(world: FakeCluster) -> None:
    ingress = world.get(world.type_for("ingresses", "networking.k8s.io"), "web", "storefront")
    assert ingress["spec"]["rules"][0]["host"] == "demo.kubedeck.local"
    assert ingress["spec"]["tls"][0]["secretName"] == "storefront-tls"
    assert ingress["status"]["loadBalancer"]["ingress"][0]["ip"]
    secret = world.get(world.type_for("secrets"), "web", "storefront-secrets")
    assert secret["type"] == "Opaque" and set(secret["data"]) == {"DATABASE_URL", "API_KEY"}
    tls = world.get(world.type_for("secrets"), "web", "storefront-tls")
    assert tls["type"] == "kubernetes.io/tls"
    assert world.get(world.type_for("configmaps"), "web", "storefront-config")["data"]
    hpa = world.get(world.type_for("horizontalpodautoscalers", "autoscaling"), "web",
                    "storefront")
    assert hpa["spec"]["maxReplicas"] == 10 and hpa["status"]["currentReplicas"] == 3


def test_batch_history_and_workloads(world: FakeCluster) -> None:
    cronjob = world.get(world.type_for("cronjobs", "batch"), "batch", "metrics-rollup")
    assert cronjob["spec"]["schedule"] == "* * * * *"
    jobs, _ = world.list(world.type_for("jobs", "batch"), "batch")
    runs = [j for j in jobs if j["metadata"]["name"].startswith("metrics-rollup-")]
    assert len(runs) == 3
    assert all(any(c["type"] == "Complete" for c in j["status"]["conditions"]) for j in runs)
    assert parse_time(cronjob["status"]["lastScheduleTime"]) > world.clock.now() - 60
    sts = world.get(world.type_for("statefulsets", "apps"), "monitoring", "prometheus")
    assert sts["status"]["readyReplicas"] == 2
    ds = world.get(world.type_for("daemonsets", "apps"), "monitoring", "node-exporter")
    assert ds["status"]["numberAvailable"] == ds["status"]["desiredNumberScheduled"] == 3
    claims, _ = world.list(world.type_for("persistentvolumeclaims"))
    assert len(claims) == 3 and {c["status"]["phase"] for c in claims} == {"Bound"}
    assert len(world.list(world.type_for("persistentvolumes"))[0]) == 3


def test_crd_and_instances(world: FakeCluster) -> None:
    rt = world.find_type("demo.kubedeck.dev", "v1", "certificates")
    assert rt is not None and "cert" in rt.short_names
    assert any(c["type"] == "date" and c["name"] == "Issued" for c in rt.printer_columns)
    certs, _ = world.list(rt)
    assert len(certs) == 3
    assert {c["status"]["conditions"][0]["status"] for c in certs} == {"True", "False"}


def test_namespaces_events_and_ages(world: FakeCluster) -> None:
    names = {n for _, n in _names(world, "namespaces")}
    assert {"default", "guestbook", "web", "monitoring", "batch", "kube-system"} <= names
    events, _ = world.list(world.type_for("events"))
    reasons = Counter(e["reason"] for e in events)
    for reason in ("Scheduled", "Pulled", "Started", "ScalingReplicaSet", "SuccessfulCreate",
                   "BackOff"):
        assert reasons[reason] > 0, reason
    now = world.clock.now()
    nodes, _ = world.list(world.type_for("nodes"))
    assert all(now - parse_time(n["metadata"]["creationTimestamp"]) >= 600 for n in nodes)
    frontend = world.get(world.type_for("deployments", "apps"), "guestbook", "frontend")
    assert now - parse_time(frontend["metadata"]["creationTimestamp"]) == pytest.approx(600, 1)


def test_add_pods_is_consistent_and_quiet() -> None:
    cluster = FakeCluster(ManualClock())
    add_pods(cluster, 5000)
    pods, _ = cluster.list(cluster.type_for("pods"))
    assert len(pods) == 5000
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert len({p["status"]["podIP"] for p in pods}) == 5000
    namespaces = Counter(p["metadata"]["namespace"] for p in pods)
    nodes = Counter(p["spec"]["nodeName"] for p in pods)
    assert len(namespaces) == 1 and len(nodes) == 50 and max(nodes.values()) <= 100
    before = cluster.store.resource_version
    cluster.step(0.0)
    cluster.step(60.0)
    writes = cluster.store.resource_version - before
    assert writes < 50, writes
    deployments, _ = cluster.list(cluster.type_for("deployments", "apps"))
    replicasets, _ = cluster.list(cluster.type_for("replicasets", "apps"))
    assert len(replicasets) == len(deployments)
    assert sum(d["status"]["availableReplicas"] for d in deployments) == 5000
    owners = {rs["metadata"]["uid"] for rs in replicasets}
    assert all(p["metadata"]["ownerReferences"][0]["uid"] in owners for p in pods)
    assert cluster.list(cluster.type_for("pods"))[0][0]["status"] == pods[0]["status"]
