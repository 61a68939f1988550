"""`kubedeck get` prints what the installed kubectl prints against the same simulated server.

kubectl prints the server's Table cells (built from kubedeck's columns by the fake API server);
kubedeck computes rows on the client from raw bytes. Both must produce the same bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig

pytestmark = pytest.mark.integration

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")
KUBECTL = shutil.which("kubectl")
DAYS = 3 * 86400.0


def _labels(app: str) -> dict:
    return {"app": app}


def build_world() -> FakeCluster:
    """A small world created three days in the past and run forward to now, so it has settled
    and its AGE cells are stable; controllers are not left running."""
    c = FakeCluster()
    c.clock.advance(-DAYS)
    t = c.type_for
    for ns in ("web", "guestbook"):
        c.create(t("namespaces"), {"metadata": {"name": ns, "labels": {"team": ns}}})
    c.create(t("deployments"), {
        "metadata": {"name": "frontend", "namespace": "guestbook", "labels": _labels("frontend")},
        "spec": {"replicas": 2, "selector": {"matchLabels": _labels("frontend")},
                 "template": {"metadata": {"labels": _labels("frontend")}, "spec": {
                     "containers": [{"name": "php", "image": "gcr.io/google_samples/gb-frontend:v5"}]}}}})
    c.create(t("services"), {
        "metadata": {"name": "frontend", "namespace": "guestbook", "labels": _labels("frontend")},
        "spec": {"type": "NodePort", "selector": _labels("frontend"),
                 "ports": [{"port": 80, "targetPort": 80}]}})
    c.create(t("services"), {
        "metadata": {"name": "redis-leader", "namespace": "guestbook"},
        "spec": {"selector": _labels("redis"), "ports": [{"port": 6379}]}})
    c.create(t("configmaps"), {"metadata": {"name": "app-config", "namespace": "web"},
                               "data": {"MODE": "prod", "URL": "https://a&b<c>"}})
    c.create(t("secrets"), {"metadata": {"name": "app-secret", "namespace": "web"},
                            "type": "Opaque", "data": {"password": "c2VjcmV0"}})
    c.create(t("statefulsets"), {
        "metadata": {"name": "db", "namespace": "web"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": _labels("db")},
                 "template": {"metadata": {"labels": _labels("db")}, "spec": {
                     "containers": [{"name": "db", "image": "postgres:16"}]}}}})
    c.create(t("customresourcedefinitions"), {
        "metadata": {"name": "certificates.demo.kubedeck.dev"},
        "spec": {"group": "demo.kubedeck.dev", "scope": "Namespaced",
                 "names": {"plural": "certificates", "singular": "certificate",
                           "kind": "Certificate", "shortNames": ["cert"],
                           "categories": ["kubedeck"]},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {
                                   "type": "object",
                                   "x-kubernetes-preserve-unknown-fields": True}},
                               "additionalPrinterColumns": [
                                   {"name": "Domain", "type": "string", "jsonPath": ".spec.domain"},
                                   {"name": "Issuer", "type": "string", "priority": 1,
                                    "jsonPath": ".spec.issuer"},
                                   {"name": "Age", "type": "date",
                                    "jsonPath": ".metadata.creationTimestamp"}]}]}})
    cert = c.find_type("demo.kubedeck.dev", "v1", "certificates")
    assert cert is not None
    for name, domain in (("www", "www.example.com"), ("api", "api.example.com")):
        c.create(cert, {"apiVersion": "demo.kubedeck.dev/v1", "kind": "Certificate",
                        "metadata": {"name": name, "namespace": "web", "labels": _labels(name)},
                        "spec": {"domain": domain, "issuer": "letsencrypt"}})
    c.step(DAYS)
    return c


@pytest.fixture(scope="module")
def world_env(tmp_path_factory):
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    tmp = tmp_path_factory.mktemp("compare")
    cluster = build_world()
    running = serve(cluster, 0)
    kubeconfig = write_kubeconfig(tmp / "kubeconfig", running)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp),
           "XDG_CACHE_HOME": str(tmp / "cache")}
    yield env
    running.stop()
    cluster.stop()


def run(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


def compare(env: dict, *args: str) -> tuple[str, str]:
    """kubedeck, kubectl, kubedeck: kubectl must equal one of the two kubedeck runs (ages may
    tick between runs; when they tick in both halves, the sandwich is tried again); returns
    kubectl's stdout and stderr."""
    for _ in range(3):
        first = run([KUBEDECK, *args], env)
        theirs = run([KUBECTL, *args], env)
        second = run([KUBEDECK, *args], env)
        for ours in (first, second):
            assert "Traceback" not in ours.stderr
            assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stderr)
            assert ours.stderr == theirs.stderr
        if theirs.stdout in (first.stdout, second.stdout):
            return theirs.stdout, theirs.stderr
    raise AssertionError(f"kubedeck printed\n{first.stdout}\nkubectl printed\n{theirs.stdout}")


@pytest.mark.parametrize("args", [
    ["get", "pods", "-A"],
    ["get", "pods", "-A", "-o", "wide"],
    ["get", "deploy", "-n", "guestbook"],
    ["get", "deployments.apps", "-o", "wide", "-A"],
    ["get", "svc", "-A"],
    ["get", "svc", "-n", "guestbook", "-o", "wide"],
    ["get", "nodes"],
    ["get", "no", "-o", "wide"],
    ["get", "ns", "--show-labels"],
    ["get", "cm,secrets", "-n", "web"],
    ["get", "sts", "-n", "web", "-o", "wide"],
    ["get", "events", "-A"],
    ["get", "cert", "-n", "web"],
    ["get", "certificates.demo.kubedeck.dev", "-A", "-o", "wide"],
    ["get", "all", "-n", "guestbook"],
    ["get", "kubedeck", "-n", "web", "--show-labels"],
    ["get", "svc", "frontend", "redis-leader", "-n", "guestbook"],
    ["get", "svc/frontend", "deploy/frontend", "-n", "guestbook"],
    ["get", "cm", "-n", "web", "--no-headers"],
    ["get", "svc", "-l", "app=frontend", "-A"],
    ["get", "ns", "--field-selector", "metadata.name=web"],
    ["get", "pods"],
    ["get", "pv"],
    ["get", "nodes,svc,ns", "-A"],
    ["get", "netpol,nodes", "-A"],
])
def test_tables_match_kubectl(world_env, args):
    compare(world_env, *args)


@pytest.mark.parametrize("args", [
    ["get", "cm", "app-config", "-n", "web", "-o", "json"],
    ["get", "cm", "-n", "web", "-o", "yaml"],
    ["get", "deploy", "frontend", "-n", "guestbook", "-o", "yaml"],
    ["get", "cert", "-n", "web", "-o", "json"],
    ["get", "svc,deploy", "-n", "guestbook", "-o", "name"],
    ["get", "ns", "-o", "name"],
    ["get", "pods", "-n", "web", "-o", "json"],
])
def test_objects_match_kubectl(world_env, args):
    compare(world_env, *args)


@pytest.mark.parametrize("args", [
    ["get", "cm", "nope", "-n", "web"],
    ["get", "cm", "app-config", "nope", "-n", "web"],
    ["get", "cm", "nope", "-n", "web", "-o", "json"],
    ["get", "ev", "-A"],
    ["get", "foo"],
    ["get", "deployments.app", "-n", "guestbook"],
    ["get", "pods", "-n", "nope"],
    ["get", "ns", "nope"],
    ["get", "cm", "app-config", "-A"],
    ["get", "certificates.demo", "api", "-n", "web", "-o", "name"],
])
def test_errors_and_warnings_match_kubectl(world_env, args):
    compare(world_env, *args)


def test_ev_warns_like_kubectl(world_env):
    _, err = compare(world_env, "get", "ev", "-n", "web")
    assert err.startswith('Warning: short name "ev" could also match lower priority resource '
                          "events.events.k8s.io\n")


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    """The seeded demo world, frozen (no controllers running) so only ages move."""
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    from kubedeck.fake.seed import seed_demo

    tmp = tmp_path_factory.mktemp("demo-compare")
    cluster = FakeCluster()
    seed_demo(cluster)
    running = serve(cluster, 0)
    kubeconfig = write_kubeconfig(tmp / "kubeconfig", running)
    yield {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp),
           "XDG_CACHE_HOME": str(tmp / "cache")}
    running.stop()
    cluster.stop()


# Kinds whose rows age slowly print together (kubectl's multi-kind layout); kinds with rows
# only seconds old (recent pods, jobs, events) print on their own so ticking ages rarely differ.
STEADY = ("deployments,replicasets,statefulsets,daemonsets,services,ingresses,configmaps,secrets,"
          "namespaces,nodes,persistentvolumes,persistentvolumeclaims,hpa,certificates,endpoints,"
          "endpointslices,serviceaccounts,leases,customresourcedefinitions")


@pytest.mark.parametrize("kinds", [STEADY, "pods", "jobs", "cronjobs", "events"])
@pytest.mark.parametrize("wide", [False, True])
def test_every_kind_of_the_demo_world_matches_kubectl(demo_env, kinds, wide):
    out, _ = compare(demo_env, "get", kinds, "-A", *(["-o", "wide"] if wide else []))
    for kind in kinds.split(","):
        assert kind == "events" or out, f"the demo world has no {kind}"
    if kinds == STEADY:
        assert out.count("\n\n") == len(STEADY.split(",")) - 1  # one block per kind
