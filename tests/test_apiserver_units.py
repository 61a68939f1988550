"""Small pieces of the simulated API server: path routing, JSONPath of printer columns, Table
negotiation and API version ordering."""

from __future__ import annotations

import pytest

from kubedeck.fake.discovery_docs import version_priority
from kubedeck.fake.routes import GroupVersionPath, ResourcePath, parse
from kubedeck.fake.tables import negotiate
from kubedeck.kube.jsonpath import JsonPathError, find


@pytest.mark.parametrize("path, expected", [
    ("/api/v1", GroupVersionPath("", "v1")),
    ("/apis/apps/v1", GroupVersionPath("apps", "v1")),
    ("/api/v1/pods", ResourcePath("", "v1", "pods")),
    ("/api/v1/namespaces", ResourcePath("", "v1", "namespaces")),
    ("/api/v1/namespaces/dev", ResourcePath("", "v1", "namespaces", None, "dev")),
    ("/api/v1/namespaces/dev/status", ResourcePath("", "v1", "namespaces", None, "dev", "status")),
    ("/api/v1/namespaces/dev/pods", ResourcePath("", "v1", "pods", "dev")),
    ("/api/v1/namespaces/dev/pods/web/log", ResourcePath("", "v1", "pods", "dev", "web", "log")),
    ("/apis/apps/v1/namespaces/dev/deployments/web/scale",
     ResourcePath("apps", "v1", "deployments", "dev", "web", "scale")),
    ("/api/v1/watch/namespaces/dev/pods",
     ResourcePath("", "v1", "pods", "dev", legacy_watch=True)),
    ("/apis/apps/v1/nodes/a/b/c", None),
    ("/apis/apps", None),
    ("/healthz", None),
])
def test_route_parsing(path, expected):
    assert parse(path) == expected


OBJ = {"spec": {"replicas": 3, "list": [{"name": "a"}, {"name": "b"}]},
       "status": {"conditions": [{"type": "Ready", "status": "False"},
                                 {"type": "Synced", "status": "True"}]},
       "metadata": {"labels": {"app.kubernetes.io/name": "x"}}}


@pytest.mark.parametrize("expr, values", [
    (".spec.replicas", [3]),
    ("{.spec.replicas}", [3]),
    (".spec.list[1].name", ["b"]),
    (".spec.list[-1].name", ["b"]),
    (".spec.list[*].name", ["a", "b"]),
    ('.status.conditions[?(@.type=="Synced")].status', ["True"]),
    (".status.conditions[?(@.status!='True')].type", ["Ready"]),
    (".metadata.labels['app.kubernetes.io/name']", ["x"]),
    (".spec.missing", []),
])
def test_jsonpath(expr, values):
    assert find(OBJ, expr) == values


def test_jsonpath_rejects_garbage():
    with pytest.raises(JsonPathError):
        find(OBJ, ".spec[")


@pytest.mark.parametrize("accept, version", [
    ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
     "g=meta.k8s.io,application/json", "v1"),
    ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "v1beta1"),
    ("application/json", None),
    ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", None),
])
def test_table_negotiation(accept, version):
    assert negotiate(accept) == version


def test_version_priority_orders_like_kubernetes():
    versions = ["v1alpha1", "v1beta1", "v2", "foo", "v1", "v1beta2", "v2beta1"]
    assert sorted(versions, key=version_priority) == [
        "v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
