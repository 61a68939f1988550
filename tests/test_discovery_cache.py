"""Discovery against the simulated API server: concurrency, caches per context, TTL, and the one
refresh when a name does not resolve (a CRD created after the cache was written)."""

from __future__ import annotations

import json
import threading

import pytest

import kubedeck.kube.discovery as discovery_mod
from kubedeck.demo import demo_kubeconfig
from kubedeck.fake.apiserver import FakeApiServer
from kubedeck.fake.cluster import FakeCluster
from kubedeck.kube.connect import client_from_kubeconfig
from kubedeck.kube.discovery import Discovery, cache_dir_for
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.kubeconfig import Kubeconfig

pytestmark = pytest.mark.integration


class Server:
    def __init__(self) -> None:
        self.cluster = FakeCluster()
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.api = FakeApiServer(self.cluster, access_log=self._log).start()

    def _log(self, line: str) -> None:
        with self.lock:
            self.requests.append(line)

    def discovery_requests(self) -> list[str]:
        with self.lock:
            return [r for r in self.requests if '"GET /api' in r and "namespaces" not in r]


@pytest.fixture
def server():
    s = Server()
    yield s
    s.api.stop()
    s.cluster.stop()


@pytest.fixture(autouse=True)
def fresh_memory():
    discovery_mod._memory.clear()
    yield
    discovery_mod._memory.clear()


def conn_for(server: Server):
    return client_from_kubeconfig(Kubeconfig.from_dict(demo_kubeconfig(server.api.url)))


def add_crd(cluster: FakeCluster, plural: str, kind: str, short: str) -> None:
    cluster.create(cluster.type_for("customresourcedefinitions"), {
        "metadata": {"name": f"{plural}.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": plural, "singular": kind.lower(), "kind": kind,
                           "shortNames": [short]},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object"}}}]}})


def test_fetches_every_group_version_and_writes_the_disk_cache(server, tmp_path):
    d = Discovery(conn_for(server), cache_root_dir=tmp_path)
    resources = d.resources()
    names = {r.group_resource for r in resources}
    assert {"pods", "deployments.apps", "cronjobs.batch", "events.events.k8s.io",
            "customresourcedefinitions.apiextensions.k8s.io"} <= names
    assert not any("/" in r.name for r in resources)  # subresources are not resources
    hpa = [r for r in resources if r.name == "horizontalpodautoscalers"]
    assert [(r.version, r.preferred) for r in hpa] == [("v2", True), ("v1", False)]
    pods = next(r for r in resources if r.name == "pods")
    assert (pods.namespaced, pods.short_names, "all" in pods.categories) == (True, ("po",), True)
    assert "watch" in pods.verbs
    path = cache_dir_for(server.api.url, tmp_path) / "resources.json"
    assert path.parent.name == f"127.0.0.1_{server.api.port}"
    assert len(json.loads(path.read_text())["resources"]) == len(resources)
    assert len(server.discovery_requests()) >= 3


def test_memory_then_disk_cache_then_ttl(server, tmp_path):
    now = [1000.0]
    conn = conn_for(server)
    Discovery(conn, cache_root_dir=tmp_path, clock=lambda: now[0]).resources()
    fetched = len(server.discovery_requests())
    # same process: the in-memory copy
    Discovery(conn, cache_root_dir=tmp_path, clock=lambda: now[0]).resolve("deploy")
    assert len(server.discovery_requests()) == fetched
    # a new process: the disk copy
    discovery_mod._memory.clear()
    now[0] += 3600
    assert Discovery(conn, cache_root_dir=tmp_path, clock=lambda: now[0]).resolve("po").name == "pods"
    assert len(server.discovery_requests()) == fetched
    # past the TTL: fetched again
    discovery_mod._memory.clear()
    now[0] += 6 * 3600
    Discovery(conn, cache_root_dir=tmp_path, clock=lambda: now[0]).resources()
    assert len(server.discovery_requests()) == 2 * fetched


def test_new_crd_refreshes_the_cache_once(server, tmp_path):
    conn = conn_for(server)
    Discovery(conn, cache_root_dir=tmp_path).resources()
    add_crd(server.cluster, "widgets", "Widget", "wg")
    discovery_mod._memory.clear()
    d = Discovery(conn, cache_root_dir=tmp_path)
    before = len(server.discovery_requests())
    r = d.resolve("wg")
    assert (r.group, r.version, r.name, r.kind) == ("example.com", "v1", "widgets", "Widget")
    assert len(server.discovery_requests()) > before
    # the refreshed document went to disk for the next process
    discovery_mod._memory.clear()
    assert Discovery(conn, cache_root_dir=tmp_path).resolve("widgets").kind == "Widget"


def test_unknown_name_refreshes_only_once(server, tmp_path):
    conn = conn_for(server)
    Discovery(conn, cache_root_dir=tmp_path).resources()
    discovery_mod._memory.clear()
    d = Discovery(conn, cache_root_dir=tmp_path)
    before = len(server.discovery_requests())
    with pytest.raises(KubedeckError, match='resource type "gizmos"'):
        d.resolve("gizmos")
    once = len(server.discovery_requests())
    assert once > before
    with pytest.raises(KubedeckError):
        d.resolve("gizmos")
    assert len(server.discovery_requests()) == once


def test_caches_are_per_context(server, tmp_path):
    conn = conn_for(server)
    Discovery(conn, cache_root_dir=tmp_path).resources()
    add_crd(server.cluster, "gadgets", "Gadget", "gd")
    other = conn_for(server)
    other.context = "another-context"
    d = Discovery(other, cache_root_dir=tmp_path, use_disk=False)
    assert d.resolve("gadgets").kind == "Gadget"
