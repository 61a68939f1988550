"""describe against `kubectl describe` on the seeded demo world (fixed clock, repeatable
names, controllers stopped), byte for byte where kubectl's output is deterministic."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from kubedeck.kube.actions import ObjectRef, describe
from kubedeck.kube.actions.describe_util import smart_label
from kubedeck.kube.actions.quantity import Quantity, total
from kubedeck.kube.actions.tabwriter import tabwrite
from kubedeck.kube.connect import connect
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import KubedeckError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from tui_support import start_world

    directory = tmp_path_factory.mktemp("describe")
    w = start_world(directory)
    conn = connect(str(w.kubeconfig))
    w.conn = conn
    w.discovery = Discovery(conn, use_disk=False)
    w.cache = directory / "kubectl-cache"
    yield w
    conn.close()
    w.stop()


def kubectl_describe(world, kind: str, name: str, namespace: str | None) -> str:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    args = ["kubectl", "--kubeconfig", str(world.kubeconfig), "--cache-dir", str(world.cache),
            "describe", kind, name] + (["-n", namespace] if namespace else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def ours(world, kind: str, name: str, namespace: str | None, now: float) -> str:
    ref = ObjectRef(world.discovery.resolve(kind), name, namespace)
    return describe(world.conn, world.discovery, ref, now=now)


def compare(world, kind: str, name: str, namespace: str | None) -> None:
    """kubectl's ages use its own clock: accept ours at the instant before or after it ran."""
    before = ours(world, kind, name, namespace, time.time())
    theirs = kubectl_describe(world, kind, name, namespace)
    after = ours(world, kind, name, namespace, time.time())
    assert theirs in (before, after), f"\n--- kubectl\n{theirs}\n--- ours\n{after}"


def first(world, path: str, **query) -> dict:
    return json.loads(world.conn.get(path, query or None))["items"][0]


@pytest.mark.parametrize(("kind", "name", "namespace"), [
    ("deploy", "storefront", "web"),
    ("deploy", "frontend", "guestbook"),
    ("sts", "prometheus", "monitoring"),
    ("ds", "kube-proxy", "kube-system"),
    ("ds", "node-exporter", "monitoring"),
    ("job", "db-migrate", "batch"),
    ("cronjob", "metrics-rollup", "batch"),
    ("svc", "storefront", "web"),
    ("svc", "kubernetes", "default"),
    ("svc", "kube-dns", "kube-system"),
    ("node", "kubedeck", None),
    ("node", "kubedeck-m02", None),
    ("ingress", "storefront", "web"),
    ("pvc", "data-prometheus-0", "monitoring"),
    ("pvc", "redis-leader-data", "guestbook"),
    ("hpa", "storefront", "web"),
    ("certificates", "storefront", "web"),
])
def test_describe_matches_kubectl(world, kind, name, namespace):
    compare(world, kind, name, namespace)


@pytest.mark.parametrize("selector", ["app.kubernetes.io/name=storefront",
                                      "app.kubernetes.io/name=checkout-worker",
                                      "app.kubernetes.io/name=prometheus",
                                      "job-name=db-migrate"])
def test_describe_pods_match_kubectl(world, selector):
    pod = first(world, "/api/v1/pods", labelSelector=selector)["metadata"]
    compare(world, "pod", pod["name"], pod["namespace"])


def test_describe_replicaset_pv_and_event_match_kubectl(world):
    rs = first(world, "/apis/apps/v1/namespaces/guestbook/replicasets",
               labelSelector="app=redis,role=leader")["metadata"]
    compare(world, "rs", rs["name"], "guestbook")
    pv = first(world, "/api/v1/persistentvolumes")["metadata"]
    compare(world, "pv", pv["name"], None)
    event = first(world, "/api/v1/namespaces/web/events")["metadata"]
    compare(world, "event", event["name"], "web")


def test_describe_secret_and_namespace_add_events_to_kubectl(world):
    """kubectl prints no Events for these; ours ends every description with them."""
    now = time.time()
    theirs = kubectl_describe(world, "secret", "storefront-tls", "web")
    text = ours(world, "secret", "storefront-tls", "web", now)
    assert "tls.crt:  538 bytes\n" in text and "tls.key:  227 bytes\n" in text
    assert sorted(text.splitlines()[:-1]) == sorted(theirs.splitlines())
    assert text.endswith("Events:   <none>\n")
    theirs = kubectl_describe(world, "ns", "web", None)
    assert ours(world, "ns", "web", None, now) == theirs + "Events:  <none>\n"


def test_describe_configmap_data_sorted(world):
    """kubectl prints ConfigMap data in Go map order (random); ours sorts the keys."""
    text = ours(world, "cm", "storefront-config", "web", time.time())
    theirs = kubectl_describe(world, "cm", "storefront-config", "web")
    keys = [line[:-1] for line in text.splitlines() if line.endswith(":")
            and not line.startswith(" ")]
    assert keys == ["APP_MODE", "CACHE_TTL", "LOG_LEVEL", "nginx.conf"]
    assert sorted(text.splitlines()) == sorted(theirs.splitlines())


def test_describe_missing_object(world):
    with pytest.raises(KubedeckError) as err:
        ours(world, "deploy", "gone", "web", time.time())
    assert str(err.value) == 'Deployment "gone" not found in namespace "web" (it was deleted)'


def test_tabwriter_blocks_follow_go():
    text = "Name:\tweb\nService Account:\tdefault\nContainers:\n  c:\n    Image:\tx\n    ID:\t\n"
    assert tabwrite(text) == ("Name:             web\nService Account:  default\nContainers:\n"
                              "  c:\n    Image:  x\n    ID:     \n")


def test_smart_labels_and_quantities():
    assert [smart_label(f) for f in ("apiVersion", "dnsNames", "secretName", "uid", "x_y")] == \
        ["API Version", "Dns Names", "Secret Name", "UID", "x_y"]
    assert [str(Quantity.parse(q)) for q in ("1000m", "1500m", "2000", "0.1", "1536", "1Gi")] \
        == ["1", "1500m", "2k", "100m", "1536", "1Gi"]
    assert str(total(["100Mi", "100Mi", "1220Mi"])) == "1420Mi"


KITCHEN_SINK = {
    "metadata": {"name": "kitchen-sink", "namespace": "default", "labels": {"a": "b"},
                 "annotations": {"long": "x" * 150, "multi": "line1\nline2\n", "short": "v"}},
    "spec": {
        "nodeName": "kubedeck", "nodeSelector": {"disk": "ssd", "zone": "a"},
        "tolerations": [{"key": "k", "value": "v", "effect": "NoSchedule",
                         "operator": "Equal"}, {"operator": "Exists"}],
        "initContainers": [{"name": "init", "image": "busybox",
                            "command": ["sh", "-c", "echo a\necho b"]}],
        "containers": [{
            "name": "app", "image": "nginx",
            "ports": [{"containerPort": 80}, {"containerPort": 443, "hostPort": 8443}],
            "env": [{"name": "PLAIN", "value": "v1\nv2"},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                    {"name": "MEM", "valueFrom": {"resourceFieldRef": {
                        "resource": "requests.memory", "divisor": "1Mi"}}},
                    {"name": "CM", "valueFrom": {"configMapKeyRef": {
                        "name": "cfg", "key": "k", "optional": True}}}],
            "envFrom": [{"secretRef": {"name": "s"}, "prefix": "P_"}],
            "resources": {"requests": {"memory": "64Mi", "cpu": "1.5"},
                          "limits": {"memory": "64Mi", "cpu": "1.5"}},
            "livenessProbe": {"exec": {"command": ["cat", "/tmp/ok"]}, "periodSeconds": 5},
            "readinessProbe": {"tcpSocket": {"port": 80}},
            "startupProbe": {"httpGet": {"path": "/s", "port": 80, "scheme": "HTTPS"}},
            "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg", "subPath": "x"},
                             {"name": "scratch", "mountPath": "/a"}]}],
        "volumes": [
            {"name": "cfg", "configMap": {"name": "cfg"}},
            {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi", "medium": "Memory"}},
            {"name": "sec", "secret": {"secretName": "s", "optional": True}},
            {"name": "hp", "hostPath": {"path": "/var", "type": "Directory"}},
            {"name": "dapi", "downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}]}}


def test_describe_kitchen_sink_pod_and_nodeport_service(world):
    from kubedeck.kube.actions.ref import send

    send(world.conn, "POST", "/api/v1/namespaces/default/pods", KITCHEN_SINK)
    send(world.conn, "POST", "/api/v1/namespaces/default/services", {
        "metadata": {"name": "nodeport", "namespace": "default"},
        "spec": {"type": "NodePort", "selector": {"app": "x"}, "ports": [
            {"port": 80, "targetPort": 8080, "nodePort": 30080},
            {"name": "m", "port": 9090, "protocol": "UDP"}]}})
    compare(world, "pod", "kitchen-sink", "default")
    compare(world, "svc", "nodeport", "default")


def test_describe_hpa_named_as_v1_reads_v2(world):
    v1 = next(r for r in world.discovery.resources()
              if r.group == "autoscaling" and r.version == "v1"
              and r.kind == "HorizontalPodAutoscaler")
    text = describe(world.conn, world.discovery, ObjectRef(v1, "storefront", "web"),
                    now=time.time())
    assert "resource cpu on pods  (as a percentage of request):  12% (31m) / 70%" in text


def test_describe_custom_resource_prints_fields_as_kubectl(world):
    """The generic describer: smart labels, Go's %v for floats, nil, nested lists and maps;
    managedFields skipped."""
    from kubedeck.kube.actions.ref import send

    send(world.conn, "POST", "/apis/demo.kubedeck.dev/v1/namespaces/web/certificates", {
        "apiVersion": "demo.kubedeck.dev/v1", "kind": "Certificate",
        "metadata": {"name": "odd-fields", "namespace": "web", "annotations": {"a": "b"}},
        "spec": {"secretName": "x", "dnsNames": ["a", "b"], "flag": True, "nothing": None,
                 "weights": [1234567.5, 0.25, 3, 1e-7, 100000.5], "empty": {},
                 "nested": [{"aB": 1}, "str"], "apiURL": "u", "some_field": 1,
                 "with-dash": 2}})
    compare(world, "certificates", "odd-fields", "web")


def test_describe_terminating_pod_and_pending_claim(world):
    from kubedeck.kube.actions import delete
    from kubedeck.kube.actions.ref import send

    send(world.conn, "POST", "/api/v1/namespaces/default/pods", {
        "metadata": {"name": "held", "namespace": "default",
                     "finalizers": ["kubedeck.dev/hold"]},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    delete(world.conn, ObjectRef(world.discovery.resolve("po"), "held", "default"))
    send(world.conn, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
        "metadata": {"name": "pending-claim", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "nope",
                 "resources": {"requests": {"storage": "1Gi"}}}})
    compare(world, "pod", "held", "default")
    assert "Terminating (lasts " in \
        ours(world, "pod", "held", "default", time.time())
    compare(world, "pvc", "pending-claim", "default")
