"""meta.k8s.io/v1 Tables built for the simulated API server's `as=Table` answers."""

from __future__ import annotations

import msgspec

from kubedeck.fake.store import rfc3339
from kubedeck.kube.decode import decode_table
from kubedeck.kube.table import build_table

NOW = 1_790_000_000.0


def pod(name: str, phase: str = "Running", restarts: int = 0) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"u-{name}",
                         "resourceVersion": "5", "creationTimestamp": rfc3339(NOW - 120),
                         "labels": {"app": "web"}},
            "spec": {"nodeName": "minikube", "containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": phase, "podIPs": [{"ip": "10.244.0.9"}],
                       "containerStatuses": [{"name": "c", "ready": phase == "Running",
                                              "restartCount": restarts,
                                              "state": {"running": {}} if phase == "Running"
                                              else {"terminated": {"exitCode": 0,
                                                                   "reason": "Completed"}}}]}}


def test_pod_table_like_the_api_server() -> None:
    table = build_table("", "Pod", [pod("a"), pod("b", phase="Succeeded")], NOW)
    assert (table["kind"], table["apiVersion"], table["metadata"]) == (
        "Table", "meta.k8s.io/v1", {})
    defs = table["columnDefinitions"]
    assert [(d["name"], d["type"], d["format"], d["priority"]) for d in defs] == [
        ("Name", "string", "name", 0), ("Ready", "string", "", 0), ("Status", "string", "", 0),
        ("Restarts", "string", "", 0), ("Age", "string", "", 0), ("IP", "string", "", 1),
        ("Node", "string", "", 1), ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1)]
    assert defs[0]["description"].startswith("Name must be unique within a namespace.")
    assert "UTC.\n\nPopulated by the system." in defs[4]["description"]
    assert defs[2]["description"] == "The aggregate status of the containers in this pod."
    first, second = table["rows"]
    assert first["cells"] == ["a", "1/1", "Running", "0", "2m", "10.244.0.9", "minikube",
                              "<none>", "<none>"]
    assert "conditions" not in first
    assert second["cells"][2] == "Completed"
    assert second["conditions"] == [{"type": "Completed", "status": "True",
                                     "reason": "Succeeded",
                                     "message": "The pod has completed successfully."}]
    assert first["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": pod("a")["metadata"]}


def test_failed_pod_row_condition() -> None:
    failed = pod("f", phase="Failed")
    table = build_table("", "Pod", [failed], NOW)
    assert table["rows"][0]["conditions"][0]["reason"] == "Failed"
    assert table["rows"][0]["conditions"][0]["message"] == "The pod failed."


def test_include_object_modes() -> None:
    whole = build_table("", "Pod", [pod("a")], NOW, include_object="Object")
    assert whole["rows"][0]["object"] == pod("a")
    for none in ("None", None):
        bare = build_table("", "Pod", [pod("a")], NOW, include_object=none)
        assert "object" not in bare["rows"][0]


def test_integer_cells_stay_integers() -> None:
    rs = {"metadata": {"name": "web-1", "creationTimestamp": rfc3339(NOW - 30)},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
          "status": {"replicas": 3, "readyReplicas": 2}}
    table = build_table("apps", "ReplicaSet", [rs], NOW)
    assert [d["type"] for d in table["columnDefinitions"][:4]] == [
        "string", "integer", "integer", "integer"]
    assert table["rows"][0]["cells"] == ["web-1", 3, 3, 2, "30s", "c", "i", "app=web"]
    secret = {"metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}}
    assert build_table("", "Secret", [secret], NOW)["rows"][0]["cells"] == [
        "s", "Opaque", 1, "<unknown>"]


def test_event_rows_follow_the_wide_column_order() -> None:
    event = {"metadata": {"name": "e1"}, "involvedObject": {"kind": "Pod", "name": "p"},
             "reason": "Pulled", "message": "ok", "type": "Normal",
             "source": {"component": "kubelet"}, "firstTimestamp": rfc3339(NOW - 60),
             "lastTimestamp": rfc3339(NOW - 10), "count": 2}
    table = build_table("", "Event", [event], NOW)
    assert [d["name"] for d in table["columnDefinitions"]] == [
        "Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen",
        "Count", "Name"]
    assert table["rows"][0]["cells"] == ["10s", "Normal", "Pulled", "pod/p", "", "kubelet", "ok",
                                         "60s", 2, "e1"]


def test_kinds_without_printers_get_no_table() -> None:
    assert build_table("rbac.authorization.k8s.io", "Role", [{"metadata": {"name": "r"}}],
                       NOW) is None
    assert build_table("example.com", "Widget", [], NOW) is None


def test_empty_list_still_has_column_definitions() -> None:
    table = build_table("", "Namespace", [], NOW)
    assert table["rows"] == [] and [d["name"] for d in table["columnDefinitions"]] == [
        "Name", "Status", "Age"]


def test_built_table_decodes_as_a_server_table() -> None:
    table = build_table("", "Pod", [pod("a", restarts=0)], NOW)
    table["metadata"]["resourceVersion"] = "12"
    decoded = decode_table(msgspec.json.encode(table))
    assert decoded.metadata.resourceVersion == "12"
    assert decoded.rows[0].cells[:3] == ["a", "1/1", "Running"]
    assert decoded.rows[0].object.name == "a"
