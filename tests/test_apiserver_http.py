"""The REST protocol of the simulated API server, checked on the wire: discovery, object verbs,
errors as Status objects, pagination, tables, subresources and authorization."""

from __future__ import annotations

import base64
import json

import pytest
from apiserver_support import TABLE, Api

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                  "shortNames": ["wd"], "categories": ["all"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size",
                                                     "statusReplicasPath": ".status.size"}},
            "additionalPrinterColumns": [
                {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                {"name": "Ready", "type": "string",
                 "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                {"name": "Secret", "type": "string", "priority": 1, "jsonPath": ".spec.secret"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
        }],
    },
}


@pytest.fixture(scope="module")
def cluster():
    return FakeCluster(history_limit=200)


@pytest.fixture(scope="module")
def server(cluster):
    running = serve(cluster, bookmark_interval=0.2, deny={("delete", "secrets"),
                                                          ("get", "pods/log")})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(server) -> Api:
    return Api(server)


def configmap(name: str, namespace: str = "default", **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "data": {"k": name}}


def namespace(api: Api, name: str) -> str:
    reply = api.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
    assert reply.status == 201, reply.body
    return name


# -- discovery ------------------------------------------------------------------------------


def test_version_and_core_discovery(api, cluster):
    assert api.get("/version").json()["gitVersion"] == cluster.version["gitVersion"]
    assert api.get("/api").json()["versions"] == ["v1"]
    resources = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
    assert resources["pods"]["shortNames"] == ["po"]
    assert resources["pods"]["categories"] == ["all"]
    assert resources["pods"]["namespaced"] is True
    assert resources["pods"]["singularName"] == "pod"
    assert resources["pods/log"]["verbs"] == ["get"]
    assert resources["namespaces"]["namespaced"] is False


def test_group_discovery(api):
    groups = {g["name"]: g for g in api.get("/apis").json()["groups"]}
    assert groups["apps"]["preferredVersion"]["groupVersion"] == "apps/v1"
    assert groups["autoscaling"]["preferredVersion"]["version"] == "v2"
    assert [v["version"] for v in groups["autoscaling"]["versions"]] == ["v2", "v1"]
    resources = {r["name"]: r for r in api.get("/apis/apps/v1").json()["resources"]}
    assert resources["deployments/scale"]["group"] == "autoscaling"
    assert resources["deployments/scale"]["kind"] == "Scale"
    assert api.get("/apis/apps").json()["kind"] == "APIGroup"


def test_aggregated_discovery_when_asked(api):
    accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
              "application/json")
    reply = api.get("/apis", headers={"Accept": accept})
    assert reply.headers["Content-Type"] == ("application/json;g=apidiscovery.k8s.io;v=v2;"
                                             "as=APIGroupDiscoveryList")
    doc = reply.json()
    assert doc["kind"] == "APIGroupDiscoveryList"
    apps = next(i for i in doc["items"] if i["metadata"].get("name") == "apps")
    deployments = next(r for r in apps["versions"][0]["resources"]
                       if r["resource"] == "deployments")
    assert deployments["scope"] == "Namespaced" and deployments["shortNames"] == ["deploy"]
    scale = next(s for s in deployments["subresources"] if s["subresource"] == "scale")
    assert scale["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    core = api.get("/api", headers={"Accept": accept}).json()
    [item] = core["items"]
    assert item["versions"][0]["version"] == "v1"
    assert "pods" in [r["resource"] for r in item["versions"][0]["resources"]]
    assert api.get("/apis").json()["kind"] == "APIGroupList"


def test_crd_appears_and_disappears_live(api):
    reply = api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                        {**CRD, "metadata": {"name": "gadgets.example.org"},
                         "spec": {**CRD["spec"], "group": "example.org",
                                  "names": {"plural": "gadgets", "kind": "Gadget"}}})
    assert reply.status == 201
    assert "example.org" in [g["name"] for g in api.get("/apis").json()["groups"]]
    names = [r["name"] for r in api.get("/apis/example.org/v1").json()["resources"]]
    assert names == ["gadgets", "gadgets/scale", "gadgets/status"]
    api.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                "gadgets.example.org")
    assert "example.org" not in [g["name"] for g in api.get("/apis").json()["groups"]]
    assert api.get("/apis/example.org/v1").status == 404


def test_openapi_v3_advertises_field_validation(api):
    index = api.get("/openapi/v3").json()["paths"]
    doc = api.get(index["apis/apps/v1"]["serverRelativeURL"]).json()
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert api.get("/openapi/v2").status == 404


def test_unknown_paths(api):
    reply = api.get("/apis/nope.example/v1/things")
    assert (reply.status, reply.body) == (404, b"404 page not found\n")
    reply = api.get("/api/v1/things")
    assert reply.status == 404
    assert reply.json()["message"] == "the server could not find the requested resource"


# -- objects and errors ---------------------------------------------------------------------


def test_create_get_and_already_exists(api):
    reply = api.request("POST", "/api/v1/namespaces/default/configmaps", configmap("one"))
    assert reply.status == 201
    created = reply.json()
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    assert api.get("/api/v1/namespaces/default/configmaps/one").json()["data"] == {"k": "one"}
    reply = api.request("POST", "/api/v1/namespaces/default/configmaps", configmap("one"))
    assert reply.status == 409
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'configmaps "one" already exists', "reason": "AlreadyExists",
        "details": {"name": "one", "kind": "configmaps"}, "code": 409}


def test_generate_name(api):
    body = {"metadata": {"generateName": "gen-"}, "data": {}}
    name = api.request("POST", "/api/v1/namespaces/default/configmaps", body).json()[
        "metadata"]["name"]
    assert name.startswith("gen-") and len(name) == 9


def test_not_found_status(api):
    reply = api.get("/apis/apps/v1/namespaces/default/deployments/ghost")
    assert reply.status == 404
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "ghost" not found', "reason": "NotFound",
        "details": {"name": "ghost", "group": "apps", "kind": "deployments"}, "code": 404}


def test_update_with_stale_resource_version_conflicts(api):
    live = api.request("POST", "/api/v1/namespaces/default/configmaps",
                       configmap("stale")).json()
    fresh = {**live, "data": {"k": "v2"}}
    assert api.request("PUT", "/api/v1/namespaces/default/configmaps/stale", fresh).status == 200
    reply = api.request("PUT", "/api/v1/namespaces/default/configmaps/stale",
                        {**live, "data": {"k": "v3"}})
    assert reply.status == 409
    assert reply.json()["message"] == (
        'Operation cannot be fulfilled on configmaps "stale": the object has been modified; '
        "please apply your changes to the latest version and try again")


def test_body_must_match_the_url(api):
    reply = api.request("POST", "/api/v1/namespaces/default/configmaps",
                        configmap("x", namespace="other"))
    assert reply.status == 400
    assert reply.json()["message"] == ("the namespace of the provided object does not match "
                                       "the namespace sent on the request")
    reply = api.request("PUT", "/api/v1/namespaces/default/configmaps/one", configmap("two"))
    assert reply.json()["message"] == ("the name of the object (two) does not match the name "
                                       "on the URL (one)")


def test_protobuf_body_is_unsupported_media(api):
    reply = api.request("POST", "/api/v1/namespaces/default/configmaps", b"k8s\x00...",
                        content_type="application/vnd.kubernetes.protobuf")
    assert reply.status == 415
    assert reply.json()["reason"] == "UnsupportedMediaType"


def test_methods_not_allowed(api):
    assert api.request("POST", "/api/v1/namespaces/default/configmaps/one", {}).status == 405
    assert api.request("DELETE", "/api/v1/namespaces").status == 405
    assert api.request("PATCH", "/api/v1/namespaces/default/configmaps", {},
                       content_type="application/merge-patch+json").status == 405


def test_dry_run_does_not_store(api):
    reply = api.request("POST", "/api/v1/namespaces/default/configmaps?dryRun=All",
                        configmap("dry"))
    assert reply.status == 201
    assert api.get("/api/v1/namespaces/default/configmaps/dry").status == 404
    assert api.request("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some",
                       configmap("dry")).status == 400


def test_delete_answers_status_or_object(api):
    api.request("POST", "/api/v1/namespaces/default/configmaps", configmap("gone"))
    reply = api.request("DELETE", "/api/v1/namespaces/default/configmaps/gone",
                        {"kind": "DeleteOptions", "apiVersion": "v1",
                         "propagationPolicy": "Background"})
    body = reply.json()
    assert (reply.status, body["kind"], body["status"]) == (200, "Status", "Success")
    assert body["details"]["name"] == "gone" and body["details"]["kind"] == "configmaps"
    assert api.get("/api/v1/namespaces/default/configmaps/gone").status == 404
    ns = namespace(api, "doomed")
    reply = api.request("DELETE", f"/api/v1/namespaces/{ns}")
    assert reply.json()["kind"] == "Namespace"
    assert reply.json()["metadata"]["deletionTimestamp"]


def test_delete_preconditions(api):
    api.request("POST", "/api/v1/namespaces/default/configmaps", configmap("pre"))
    reply = api.request("DELETE", "/api/v1/namespaces/default/configmaps/pre",
                        {"preconditions": {"uid": "other"}})
    assert reply.status == 409
    assert reply.json()["message"].startswith("Precondition failed: UID in precondition: other")


def test_deletecollection_by_label(api):
    ns = namespace(api, "sweep")
    for i, tier in enumerate(["fe", "fe", "be"]):
        api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap(f"c{i}", ns,
                                                                                tier=tier))
    reply = api.request("DELETE", f"/api/v1/namespaces/{ns}/configmaps?labelSelector=tier%3Dfe")
    assert reply.json()["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in reply.json()["items"]] == ["c0", "c1"]
    left = api.get(f"/api/v1/namespaces/{ns}/configmaps").json()["items"]
    assert [i["metadata"]["name"] for i in left] == ["c2"]


def test_forbidden_names_verb_resource_and_namespace(api):
    reply = api.request("DELETE", "/api/v1/namespaces/default/secrets/token")
    assert reply.status == 403
    assert reply.json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'secrets "token" is forbidden: User "kubedeck-user" cannot delete resource '
                   '"secrets" in API group "" in the namespace "default"',
        "reason": "Forbidden", "details": {"name": "token", "kind": "secrets"}, "code": 403}
    reply = api.get("/api/v1/namespaces/default/pods/p/log")
    assert reply.json()["message"] == ('pods "p" is forbidden: User "kubedeck-user" cannot get '
                                       'resource "pods/log" in API group "" in the namespace '
                                       '"default"')


# -- list -----------------------------------------------------------------------------------


def test_list_all_namespaces_and_selectors(api):
    for ns in ("sel-a", "sel-b"):
        namespace(api, ns)
        api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("m", ns, app="x"))
        api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("n", ns, app="y"))
    body = api.get("/api/v1/configmaps?labelSelector=app%3Dx").json()
    assert body["kind"] == "ConfigMapList" and body["apiVersion"] == "v1"
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in body["items"]] == [
        ("sel-a", "m"), ("sel-b", "m")]
    body = api.get("/api/v1/namespaces/sel-a/configmaps?fieldSelector=metadata.name%3Dn").json()
    assert [i["metadata"]["name"] for i in body["items"]] == ["n"]
    reply = api.get("/api/v1/configmaps?labelSelector=app%3D%3D%3D")
    assert reply.status == 400 and reply.json()["reason"] == "BadRequest"


def test_pagination_is_a_consistent_snapshot(api):
    ns = namespace(api, "pages")
    for i in range(5):
        api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap(f"p{i}", ns))
    first = api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=2").json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["p0", "p1"]
    assert first["metadata"]["remainingItemCount"] == 3
    api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("p2a", ns))
    names, token = [], first["metadata"]["continue"]
    while token:
        page = api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=2&continue={token}").json()
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
    assert names == ["p2", "p3", "p4"]


def test_expired_continue_is_410_with_a_fresh_token(api, cluster):
    ns = namespace(api, "expire")
    for i in range(3):
        api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap(f"e{i}", ns))
    first = api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=1").json()
    for i in range(250):  # more writes than the history keeps: the snapshot is compacted
        api.request("PUT", f"/api/v1/namespaces/{ns}/configmaps/e0",
                    {**configmap("e0", ns), "data": {"n": str(i)}})
    reply = api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=1&continue="
                    f"{first['metadata']['continue']}")
    assert reply.status == 410
    body = reply.json()
    assert body["reason"] == "Expired"
    assert body["message"].startswith("The provided continue parameter is too old")
    rest = api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=5&continue="
                   f"{body['metadata']['continue']}").json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["e1", "e2"]


def test_invalid_list_options(api):
    assert api.get("/api/v1/configmaps?continue=garbage!").status == 400
    reply = api.get("/api/v1/configmaps?resourceVersionMatch=Exact")
    assert reply.status == 422
    reply = api.get("/api/v1/configmaps?resourceVersion=999999999")
    assert (reply.status, reply.json()["reason"]) == (504, "Timeout")


# -- tables ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def widgets(api):
    assert api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                       CRD).status == 201
    for name, size, ready in (("small", 1, "True"), ("big", 9, "False")):
        reply = api.request("POST", "/apis/example.com/v1/namespaces/default/widgets", {
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name},
            "spec": {"size": size, "color": "red", "secret": "s"},
            "status": {"conditions": [{"type": "Other", "status": "x"},
                                      {"type": "Ready", "status": ready}]}})
        assert reply.status == 201, reply.body
    return "/apis/example.com/v1/namespaces/default/widgets"


def test_crd_table_uses_printer_columns(api, widgets):
    table = api.get(widgets, headers={"Accept": TABLE}).json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    cols = [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]]
    assert cols == [("Name", "string", 0), ("Size", "integer", 0), ("Color", "string", 0),
                    ("Ready", "string", 0), ("Secret", "string", 1), ("Age", "date", 0)]
    rows = {r["cells"][0]: r for r in table["rows"]}
    assert rows["big"]["cells"][1:5] == [9, "red", "False", "s"]
    assert rows["small"]["cells"][3] == "True"
    assert rows["small"]["cells"][5].endswith("s")
    assert rows["small"]["object"]["kind"] == "PartialObjectMetadata"
    assert table["metadata"]["resourceVersion"]


def test_crd_without_columns_gets_age(api):
    crd = {**CRD, "metadata": {"name": "plains.example.net"},
           "spec": {**CRD["spec"], "group": "example.net",
                    "names": {"plural": "plains", "kind": "Plain"},
                    "versions": [{"name": "v1", "served": True, "storage": True}]}}
    assert api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                       crd).status == 201
    api.request("POST", "/apis/example.net/v1/namespaces/default/plains",
                {"apiVersion": "example.net/v1", "kind": "Plain", "metadata": {"name": "p"}})
    table = api.get("/apis/example.net/v1/namespaces/default/plains",
                    headers={"Accept": TABLE}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]


def test_default_table_and_include_object(api):
    api.request("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
                {"metadata": {"name": "lock"}, "spec": {}})
    table = api.get("/apis/coordination.k8s.io/v1/namespaces/default/leases/lock?"
                    "includeObject=Object", headers={"Accept": TABLE}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]
    [row] = table["rows"]
    assert row["cells"][0] == "lock"
    assert row["cells"][1] == row["object"]["metadata"]["creationTimestamp"]
    assert row["object"]["kind"] == "Lease"
    beta = api.get("/apis/coordination.k8s.io/v1/namespaces/default/leases",
                   headers={"Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"}).json()
    assert beta["apiVersion"] == "meta.k8s.io/v1beta1"
    assert beta["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"


def test_builtin_table_for_configmaps(api):
    api.request("POST", "/api/v1/namespaces/default/configmaps", configmap("tabled"))
    table = api.get("/api/v1/namespaces/default/configmaps/tabled",
                    headers={"Accept": TABLE}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"][:2] == ["tabled", 1]


# -- subresources ---------------------------------------------------------------------------


def test_crd_scale_and_status_subresources(api, widgets):
    scale = api.get(f"{widgets}/small/scale").json()
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"]["replicas"] == 1
    reply = api.request("PATCH", f"{widgets}/small/scale", {"spec": {"replicas": 4}},
                        content_type="application/merge-patch+json")
    assert reply.json()["spec"]["replicas"] == 4
    assert api.get(f"{widgets}/small").json()["spec"]["size"] == 4
    live = api.get(f"{widgets}/small").json()
    live["status"] = {"size": 4}
    live["spec"]["size"] = 100
    updated = api.request("PUT", f"{widgets}/small/status", live).json()
    assert updated["status"] == {"size": 4} and updated["spec"]["size"] == 4


def test_deployment_scale_put_and_conflict(api):
    dep = {"metadata": {"name": "sc"}, "spec": {
        "replicas": 1, "selector": {"matchLabels": {"app": "sc"}},
        "template": {"metadata": {"labels": {"app": "sc"}},
                     "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    api.request("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    path = "/apis/apps/v1/namespaces/default/deployments/sc/scale"
    scale = api.get(path).json()
    assert scale["status"]["selector"] == "app=sc"
    scale["spec"]["replicas"] = 3
    assert api.request("PUT", path, scale).json()["spec"]["replicas"] == 3
    assert api.request("PUT", path, scale).status == 409
    reply = api.request("PATCH", path, {"spec": {"replicas": -1}},
                        content_type="application/merge-patch+json")
    assert reply.status == 422


# -- patch and apply ------------------------------------------------------------------------


def test_patch_types(api):
    api.request("POST", "/api/v1/namespaces/default/configmaps", configmap("patched"))
    path = "/api/v1/namespaces/default/configmaps/patched"
    merged = api.request("PATCH", path, {"data": {"extra": "1"}},
                         content_type="application/merge-patch+json").json()
    assert merged["data"] == {"k": "patched", "extra": "1"}
    patched = api.request("PATCH", path, [{"op": "remove", "path": "/data/extra"}],
                          content_type="application/json-patch+json").json()
    assert patched["data"] == {"k": "patched"}
    reply = api.request("PATCH", path, [{"op": "remove", "path": "/data/nope"}],
                        content_type="application/json-patch+json")
    assert (reply.status, reply.json()["reason"]) == (422, "Invalid")
    smp = api.request("PATCH", path, {"metadata": {"labels": {"s": "1"}}},
                      content_type="application/strategic-merge-patch+json").json()
    assert smp["metadata"]["labels"]["s"] == "1"
    managers = {m["manager"] for m in smp["metadata"]["managedFields"]}
    assert "Python-urllib" not in managers and managers


def test_strategic_merge_on_custom_resources_is_unsupported(api, widgets):
    reply = api.request("PATCH", f"{widgets}/big", {"spec": {"size": 2}},
                        content_type="application/strategic-merge-patch+json")
    assert reply.status == 415
    assert "application/merge-patch+json" in reply.json()["message"]


def test_apply_requires_a_field_manager(api):
    reply = api.request("PATCH", "/api/v1/namespaces/default/configmaps/applied",
                        configmap("applied"), content_type="application/apply-patch+yaml")
    assert reply.status == 422
    assert reply.json()["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                       "Required value: is required for apply patch")


def test_apply_creates_then_conflicts_then_forces(api):
    path = "/api/v1/namespaces/default/configmaps/applied?fieldManager="
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: a\n"
    created = api.request("PATCH", path + "alice", yaml_body,
                          content_type="application/apply-patch+yaml")
    assert created.status == 201
    [entry] = created.json()["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("alice", "Apply")
    assert entry["fieldsV1"] == {"f:data": {"f:k": {}}}
    other = yaml_body.replace(b"k: a", b"k: b")
    reply = api.request("PATCH", path + "bob", other, content_type="application/apply-patch+yaml")
    assert reply.status == 409
    assert reply.json()["message"] == ('Apply failed with 1 conflict: conflict with "alice": '
                                       ".data.k")
    forced = api.request("PATCH", path + "bob&force=true", other,
                         content_type="application/apply-patch+yaml")
    assert forced.status == 200 and forced.json()["data"] == {"k": "b"}


# -- authentication --------------------------------------------------------------------------


def test_required_token():
    cluster = FakeCluster(nodes=0)
    running = serve(cluster, token="s3cret")
    try:
        reply = Api(running).get("/api/v1/namespaces")
        assert reply.status == 401
        assert reply.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": "Unauthorized",
                                "reason": "Unauthorized", "code": 401}
        assert Api(running, token="wrong").get("/api/v1/namespaces").status == 401
        assert Api(running, token="s3cret").get("/api/v1/namespaces").status == 200
        assert Api(running).get("/version").status == 200
    finally:
        running.stop()


def test_tls_client_certificate_and_bearer_token():
    cluster = FakeCluster(nodes=0)
    running = serve(cluster, tls=True)
    try:
        assert running.url.startswith("https://127.0.0.1:")
        assert Api(running).get("/api/v1/namespaces").status == 200
        assert Api(running, client_cert=False).get("/api/v1/namespaces").status == 401
        assert Api(running, client_cert=False, token="any").get(
            "/api/v1/namespaces").status == 200
        reply = Api(running).request("DELETE", "/api/v1/namespaces/default/pods/x")
        assert reply.status == 404
    finally:
        running.stop()


def test_certificate_user_is_the_forbidden_subject():
    cluster = FakeCluster(nodes=0)
    running = serve(cluster, tls=True, user="ada", deny={("list", "*")})
    try:
        reply = Api(running).get("/apis/apps/v1/deployments")
        assert reply.json()["message"] == ('deployments.apps is forbidden: User "ada" cannot list '
                                           'resource "deployments" in API group "apps" at the '
                                           "cluster scope")
    finally:
        running.stop()


def test_continue_token_is_opaque_base64(api):
    ns = namespace(api, "opaque")
    for i in range(2):
        api.request("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap(f"o{i}", ns))
    token = api.get(f"/api/v1/namespaces/{ns}/configmaps?limit=1").json()["metadata"]["continue"]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded["v"] == "meta.k8s.io/v1" and decoded["start"] == f"{ns}/o0\x00"


def test_eviction_deletes_the_pod(api):
    api.request("POST", "/api/v1/namespaces/default/pods", {
        "metadata": {"name": "evictee"}, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    reply = api.request("POST", "/api/v1/namespaces/default/pods/evictee/eviction", {
        "apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": "evictee", "namespace": "default"},
        "deleteOptions": {"gracePeriodSeconds": 0}})
    assert reply.status == 201
    assert reply.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                            "status": "Success", "code": 201}
    assert api.get("/api/v1/namespaces/default/pods/evictee").status == 404
    reply = api.request("POST", "/api/v1/namespaces/default/pods/evictee/eviction",
                        {"metadata": {"name": "evictee"}})
    assert reply.status == 404
