"""Resolving typed resource names over a recorded discovery document, as kubectl does."""

from __future__ import annotations

import pytest

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource, Discovery
from kubedeck.kube.errors import KubedeckError

ALL = ("all",)
# (group, version, plural, singular, kind, namespaced, short names, categories, preferred), in
# the order a v1.31 API server lists them (core first, then /apis groups in server order).
RECORDED = [
    ("", "v1", "pods", "pod", "Pod", True, ("po",), ALL, True),
    ("", "v1", "services", "service", "Service", True, ("svc",), ALL, True),
    ("", "v1", "events", "event", "Event", True, ("ev",), (), True),
    ("", "v1", "nodes", "node", "Node", False, ("no",), (), True),
    ("", "v1", "namespaces", "namespace", "Namespace", False, ("ns",), (), True),
    ("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",), (), True),
    ("", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", True,
     ("rc",), ALL, True),
    ("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ("ds",), ALL, True),
    ("apps", "v1", "deployments", "deployment", "Deployment", True, ("deploy",), ALL, True),
    ("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ("rs",), ALL, True),
    ("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ("sts",), ALL, True),
    ("events.k8s.io", "v1", "events", "event", "Event", True, ("ev",), (), True),
    ("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "HorizontalPodAutoscaler", True, ("hpa",), ALL, True),
    ("autoscaling", "v1", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "HorizontalPodAutoscaler", True, ("hpa",), ALL, False),
    ("batch", "v1", "cronjobs", "cronjob", "CronJob", True, ("cj",), ALL, True),
    ("batch", "v1", "jobs", "job", "Job", True, (), ALL, True),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
     "CustomResourceDefinition", False, ("crd", "crds"), (), True),
    ("demo.kubedeck.dev", "v1", "certificates", "certificate", "Certificate", True,
     ("cert", "certs"), ("kubedeck",), True),
    ("demo.kubedeck.dev", "v1beta1", "certificates", "certificate", "Certificate", True,
     ("cert", "certs"), ("kubedeck",), False),
    ("widgets.example.com", "v1", "widgets", "widget", "Gadget", False, (), (), True),
]


def discovery() -> Discovery:
    conn = Connection(api_client=None, context="rec", cluster="rec", server="http://rec:1",
                      user="u", namespace="default")
    return Discovery.from_resources(conn, [APIResource(g, v, n, s, k, ns, ("get", "list"), sh,
                                                       cat, pref)
                                           for g, v, n, s, k, ns, sh, cat, pref in RECORDED])


@pytest.mark.parametrize(("typed", "group", "version", "name"), [
    ("po", "", "v1", "pods"),
    ("pod", "", "v1", "pods"),
    ("pods", "", "v1", "pods"),
    ("Pod", "", "v1", "pods"),
    ("PODS", "", "v1", "pods"),
    ("deploy", "apps", "v1", "deployments"),
    ("deployment", "apps", "v1", "deployments"),
    ("Deployment", "apps", "v1", "deployments"),
    ("deployments.apps", "apps", "v1", "deployments"),
    ("deploy.apps", "apps", "v1", "deployments"),
    ("deployment.v1.apps", "apps", "v1", "deployments"),
    ("Deployment.apps", "apps", "v1", "deployments"),
    ("cj", "batch", "v1", "cronjobs"),
    ("svc", "", "v1", "services"),
    ("no", "", "v1", "nodes"),
    ("events", "", "v1", "events"),
    ("event", "", "v1", "events"),
    ("events.events.k8s.io", "events.k8s.io", "v1", "events"),
    ("hpa", "autoscaling", "v2", "horizontalpodautoscalers"),
    ("horizontalpodautoscalers.v1.autoscaling", "autoscaling", "v1", "horizontalpodautoscalers"),
    ("hpa.autoscal", "autoscaling", "v2", "horizontalpodautoscalers"),
    ("deployments.app", "apps", "v1", "deployments"),
    ("deploy.app", "apps", "v1", "deployments"),
    ("certificates.demo", "demo.kubedeck.dev", "v1", "certificates"),
    ("crd", "apiextensions.k8s.io", "v1", "customresourcedefinitions"),
    ("certificates", "demo.kubedeck.dev", "v1", "certificates"),
    ("certificate", "demo.kubedeck.dev", "v1", "certificates"),
    ("cert", "demo.kubedeck.dev", "v1", "certificates"),
    ("certificates.demo.kubedeck.dev", "demo.kubedeck.dev", "v1", "certificates"),
    ("certificates.v1beta1.demo.kubedeck.dev", "demo.kubedeck.dev", "v1beta1", "certificates"),
    ("Gadget.widgets.example.com", "widgets.example.com", "v1", "widgets"),
])
def test_resolve_like_kubectl(typed, group, version, name):
    r = discovery().resolve(typed)
    assert (r.group, r.version, r.name) == (group, version, name)


def test_ambiguous_short_name_resolves_to_core_and_warns():
    d = discovery()
    r = d.resolve("ev")
    assert (r.group, r.name) == ("", "events")
    assert d.warnings == [
        'short name "ev" could also match lower priority resource events.events.k8s.io']
    d.warnings.clear()
    d.resolve("hpa")  # two versions of one resource are not ambiguous
    assert d.warnings == []


@pytest.mark.parametrize("typed", ["foo", "DEPLOY", "PO", "pods.apps", "Gadget",
                                   "deployment.v1.app"])
def test_unknown_names(typed):
    with pytest.raises(KubedeckError) as err:
        discovery().resolve(typed)
    want = typed.partition(".")[0]
    assert str(err.value) == f'error: the server doesn\'t have a resource type "{want}"'


def test_categories_and_lists():
    d = discovery()
    got = [r.group_resource for r in d.expand("all")]
    assert got == ["pods", "services", "replicationcontrollers", "daemonsets.apps",
                   "deployments.apps", "replicasets.apps", "statefulsets.apps",
                   "horizontalpodautoscalers.autoscaling", "cronjobs.batch", "jobs.batch"]
    assert all(r.preferred for r in d.expand("all"))
    got = [r.group_resource for r in d.expand("po,svc,deploy,po")]
    assert got == ["pods", "services", "deployments.apps"]
    assert [r.version for r in d.expand("kubedeck")] == ["v1"]


def test_paths_and_names():
    d = discovery()
    deploy = d.resolve("deploy")
    assert deploy.path("web") == "/apis/apps/v1/namespaces/web/deployments"
    assert deploy.path(None) == "/apis/apps/v1/deployments"
    assert deploy.path("web", "front", "scale") == "/apis/apps/v1/namespaces/web/deployments/front/scale"
    assert d.resolve("no").path("web", "n1") == "/api/v1/nodes/n1"
    assert (deploy.group_resource, deploy.group_kind, deploy.api_version) == (
        "deployments.apps", "Deployment.apps", "apps/v1")
