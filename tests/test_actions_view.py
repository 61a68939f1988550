"""Read-side actions (yaml, events, secrets, drill-down, containers, CSV) and edit, against
the live demo cluster."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from kubedeck.kube.actions import (
    ObjectRef,
    apply_edit,
    containers_of,
    decode_secret,
    edit_text,
    events_for,
    fetch,
    pods_of,
    scale,
    table_csv,
    to_yaml,
)
from kubedeck.kube.actions.ref import send
from kubedeck.kube.actions.secrets import decode_values
from kubedeck.kube.errors import KubedeckError

pytestmark = pytest.mark.integration


def ref(live, kind: str, name: str, namespace: str | None, uid: str = "") -> ObjectRef:
    return ObjectRef(live.discovery.resolve(kind), name, namespace, uid)


def make_configmap(live, name: str, data: dict) -> ObjectRef:
    send(live.conn, "POST", "/api/v1/namespaces/default/configmaps",
         {"metadata": {"name": name, "namespace": "default"}, "data": data})
    return ref(live, "cm", name, "default")


def test_yaml_keeps_server_order_and_literal_blocks(live_demo):
    target = make_configmap(live_demo, "yaml-view", {"script.sh": "#!/bin/sh\necho hi\n",
                                                     "plain": "x"})
    text = to_yaml(live_demo.conn, target)
    assert "managedFields" not in text
    assert "  script.sh: |\n    #!/bin/sh\n    echo hi\n" in text
    server = json.loads(live_demo.conn.get(target.path()))
    server["metadata"].pop("managedFields", None)
    assert yaml.safe_load(text) == server
    top = [ln.split(":")[0] for ln in text.splitlines() if ln and not ln.startswith(" ")]
    assert top == list(server)
    assert "managedFields:" in to_yaml(live_demo.conn, target, managed_fields=True)


def test_yaml_of_a_deleted_object(live_demo):
    with pytest.raises(KubedeckError) as err:
        to_yaml(live_demo.conn, ref(live_demo, "cm", "never-was", "default"))
    assert str(err.value) == 'ConfigMap "never-was" not found in namespace "default" ' \
                             "(it was deleted)"


def test_events_for_by_uid_and_by_name(live_demo):
    pod = json.loads(live_demo.conn.get("/api/v1/namespaces/web/pods"))["items"][0]
    meta = pod["metadata"]
    by_uid = events_for(live_demo.conn, ref(live_demo, "po", meta["name"], "web", meta["uid"]))
    by_name = events_for(live_demo.conn, ref(live_demo, "po", meta["name"], "web"))
    assert by_uid and [e["metadata"]["uid"] for e in by_uid] == \
        [e["metadata"]["uid"] for e in by_name]
    assert {e["involvedObject"]["name"] for e in by_uid} == {meta["name"]}
    reasons = [e["reason"] for e in by_uid]
    assert reasons.index("Scheduled") < reasons.index("Started")


def test_events_of_a_node_come_from_any_namespace(live_demo):
    node = ref(live_demo, "node", "kubedeck", None)
    events = events_for(live_demo.conn, node)
    assert all(e["involvedObject"]["kind"] == "Node" and e["involvedObject"]["name"] ==
               "kubedeck" for e in events)


def test_decode_secret(live_demo):
    values = decode_secret(live_demo.conn, ref(live_demo, "secret", "storefront-secrets", "web"))
    assert values["DATABASE_URL"] == "postgres://shop:s3cr3t@postgres.web:5432/shop"
    with pytest.raises(KubedeckError, match="only secrets hold encoded data"):
        decode_secret(live_demo.conn, ref(live_demo, "cm", "storefront-config", "web"))


def test_decode_values_summarises_binary_and_shows_string_data():
    values = decode_values({"data": {"bin": "AAEC/w==", "bad": "%%%"},
                            "stringData": {"note": "plain"}})
    assert values == {"bin": "<binary 4 bytes>", "bad": "<invalid base64, 3 characters>",
                      "note": "plain"}


def test_pods_of_workloads(live_demo):
    conn, disc = live_demo.conn, live_demo.discovery
    sel = pods_of(conn, disc, ref(live_demo, "deploy", "storefront", "web"))
    assert (sel.resource.name, sel.namespace, sel.label_selector) == \
        ("pods", "web", "app.kubernetes.io/name=storefront,app.kubernetes.io/part-of=shop")
    pods = json.loads(conn.get("/api/v1/namespaces/web/pods",
                               {"labelSelector": sel.label_selector}))["items"]
    assert pods and all(p["metadata"]["name"].startswith("storefront-") for p in pods)
    svc = pods_of(conn, disc, ref(live_demo, "svc", "storefront", "web"))
    assert svc.label_selector == sel.label_selector
    node = pods_of(conn, disc, ref(live_demo, "node", "kubedeck-m02", None))
    assert (node.namespace, node.field_selector) == (None, "spec.nodeName=kubedeck-m02")
    sts = pods_of(conn, disc, ref(live_demo, "sts", "prometheus", "monitoring"))
    assert sts.label_selector and sts.crumb == "statefulset/prometheus"
    cron = pods_of(conn, disc, ref(live_demo, "cj", "metrics-rollup", "batch"))
    assert cron.resource.name == "jobs" and cron.owner_uid
    with pytest.raises(KubedeckError, match='service "kubernetes" has no selector'):
        pods_of(conn, disc, ref(live_demo, "svc", "kubernetes", "default"))
    with pytest.raises(KubedeckError, match="has no pods to show"):
        pods_of(conn, disc, ref(live_demo, "cm", "storefront-config", "web"))


def test_containers_of_a_pod(live_demo):
    pod = json.loads(live_demo.conn.get("/api/v1/namespaces/web/pods",
                                        {"labelSelector": "app.kubernetes.io/name=storefront"})
                     )["items"][0]
    [info] = containers_of(pod)
    assert (info.name, info.kind, info.image) == ("storefront", "main",
                                                  "ghcr.io/kubedeck/storefront:1.4.2")
    assert info.ports == "http:8080/TCP"
    assert "readiness:http-get http://:" in info.probes and "liveness:" in info.probes
    synthetic = {"spec": {"initContainers": [{"name": "init", "image": "busybox"}],
                          "containers": [{"name": "app", "image": "app:1"}]},
                 "status": {"initContainerStatuses": [
                     {"name": "init", "state": {"terminated": {"reason": "Completed",
                                                               "exitCode": 0}}}],
                     "containerStatuses": [{"name": "app", "restartCount": 4, "state": {
                         "waiting": {"reason": "CrashLoopBackOff"}}}]}}
    init, app = containers_of(synthetic)
    assert (init.kind, init.state) == ("init", "Completed")
    assert (app.state, app.restarts, app.ready) == ("CrashLoopBackOff", 4, False)


def test_table_csv_quotes_as_rfc4180():
    text = table_csv(["NAME", "NOTE"], [["a", 'says "hi"'], ["b", "x,y"]])
    assert text == 'NAME,NOTE\r\na,"says ""hi"""\r\nb,"x,y"\r\n'
    assert list(csv.reader(io.StringIO(text))) == [["NAME", "NOTE"], ["a", 'says "hi"'],
                                                   ["b", "x,y"]]


def test_edit_round_trip(live_demo):
    target = make_configmap(live_demo, "edit-me", {"color": "blue"})
    original = edit_text(live_demo.conn, target)
    assert "managedFields" not in original and "resourceVersion" in original
    assert apply_edit(live_demo.conn, target, original, original).outcome == "unchanged"
    edited = original.replace("color: blue", "color: green")
    result = apply_edit(live_demo.conn, target, original, edited)
    assert result.outcome == "applied", result.message
    assert fetch(live_demo.conn, target)["data"] == {"color": "green"}


def test_edit_conflicts_when_changed_meanwhile(live_demo):
    target = ref(live_demo, "deploy", "grafana", "monitoring")
    original = edit_text(live_demo.conn, target)
    scale(live_demo.conn, target, 2)
    edited = original.replace("revisionHistoryLimit: 10", "revisionHistoryLimit: 3")
    assert edited != original
    result = apply_edit(live_demo.conn, target, original, edited)
    assert (result.outcome, result.conflict) == ("error", True)
    assert "the object has been modified" in result.message
    assert fetch(live_demo.conn, target)["spec"]["revisionHistoryLimit"] == 10


def test_edit_invalid_yaml_names_the_line(live_demo):
    target = make_configmap(live_demo, "bad-edit", {"k": "v"})
    original = edit_text(live_demo.conn, target)
    lines = original.splitlines()
    lines[2] = lines[2] + ": : ["
    result = apply_edit(live_demo.conn, target, original, "\n".join(lines))
    assert result.outcome == "error" and not result.conflict
    assert result.message.startswith("invalid YAML at line 3")


def test_edit_rejected_by_the_server(live_demo):
    target = ref(live_demo, "deploy", "grafana", "monitoring")
    original = edit_text(live_demo.conn, target)
    edited = original.replace("replicas: ", "replicas: -", 1)
    result = apply_edit(live_demo.conn, target, original, edited)
    assert result.outcome == "error" and not result.conflict
    assert "Invalid" in result.message and "replicas" in result.message
