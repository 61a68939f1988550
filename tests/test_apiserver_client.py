"""The official `kubernetes` Python client against the simulated API server, over HTTP and
over HTTPS with a client certificate or a bearer token."""

from __future__ import annotations

import json
import time

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig


def api_client(kubeconfig) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(kubeconfig))


@pytest.fixture(scope="module")
def core(sim_kubeconfig) -> client.CoreV1Api:
    return client.CoreV1Api(api_client(sim_kubeconfig))


@pytest.fixture(scope="module")
def apps(sim_kubeconfig) -> client.AppsV1Api:
    return client.AppsV1Api(api_client(sim_kubeconfig))


def deployment(name: str, replicas: int = 1) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}}}


def test_namespaces_and_models(core):
    core.create_namespace({"metadata": {"name": "client-ns"}})
    names = [n.metadata.name for n in core.list_namespace().items]
    assert {"default", "kube-system", "client-ns"} <= set(names)
    assert core.read_namespace("client-ns").status.phase == "Active"


def test_raw_list_bytes(core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "raw", "labels": {
        "pick": "me"}}, "data": {"a": "1"}})
    resp = core.list_config_map_for_all_namespaces(label_selector="pick=me",
                                                   _preload_content=False)
    body = json.loads(resp.data)
    assert body["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in body["items"]] == ["raw"]


def test_not_found_and_conflict_are_api_exceptions(core):
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("missing", "default")
    assert err.value.status == 404
    assert json.loads(err.value.body)["message"] == 'configmaps "missing" not found'
    core.create_namespaced_config_map("default", {"metadata": {"name": "twice"}})
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("default", {"metadata": {"name": "twice"}})
    assert err.value.status == 409


def test_deployment_lifecycle_and_scale(apps):
    apps.create_namespaced_deployment("default", deployment("client-web"))
    scale = apps.read_namespaced_deployment_scale("client-web", "default")
    assert (scale.spec.replicas, scale.status.selector) == (1, "app=client-web")
    apps.patch_namespaced_deployment_scale("client-web", "default", {"spec": {"replicas": 3}})
    dep = apps.read_namespaced_deployment("client-web", "default")
    assert dep.spec.replicas == 3
    dep.spec.template.spec.containers[0].image = "nginx:2"
    replaced = apps.replace_namespaced_deployment("client-web", "default", dep)
    assert replaced.spec.template.spec.containers[0].image == "nginx:2"
    assert replaced.metadata.generation == 3
    patched = apps.patch_namespaced_deployment("client-web", "default",
                                               {"metadata": {"labels": {"team": "a"}}})
    assert patched.metadata.labels == {"team": "a"}
    apps.delete_namespaced_deployment(
        "client-web", "default", body=client.V1DeleteOptions(propagation_policy="Foreground"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            dep = apps.read_namespaced_deployment("client-web", "default")
        except ApiException as exc:
            assert exc.status == 404
            break
        assert dep.metadata.deletion_timestamp is not None
        assert "foregroundDeletion" in dep.metadata.finalizers
        time.sleep(0.05)
    else:
        raise AssertionError("the deployment was never deleted")


def test_server_side_apply(core):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"},
            "data": {"a": "1"}}
    out = core.patch_namespaced_config_map("ssa", "default", body, field_manager="tool",
                                           _content_type="application/apply-patch+yaml")
    assert out.data == {"a": "1"}
    assert [(m.manager, m.operation) for m in out.metadata.managed_fields] == [("tool", "Apply")]
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_config_map("ssa", "default", {**body, "data": {"a": "2"}},
                                         field_manager="other",
                                         _content_type="application/apply-patch+yaml")
    assert err.value.status == 409


def test_watch_stream(core):
    rv = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "watched"}})
    w = watch.Watch()
    seen = []
    for ev in w.stream(core.list_namespaced_config_map, "default", resource_version=rv,
                       timeout_seconds=5):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["object"].metadata.name == "watched":
            w.stop()
    assert seen[-1] == ("ADDED", "watched")


def test_https_with_client_certificate_and_token(tmp_path):
    cluster = FakeCluster(nodes=1)
    for token in (None, "t0ken"):
        running = serve(cluster, tls=True, token=token)
        try:
            path = write_kubeconfig(tmp_path / f"kc-{token}", running)
            core = client.CoreV1Api(api_client(path))
            assert len(core.list_node().items) == 1
        finally:
            running.stop()


def test_https_rejects_wrong_token(tmp_path):
    cluster = FakeCluster(nodes=0)
    running = serve(cluster, tls=True, token="right")
    try:
        running.token = "wrong"
        path = write_kubeconfig(tmp_path / "kc", running)
        with pytest.raises(ApiException) as err:
            client.CoreV1Api(api_client(path)).list_namespace()
        assert err.value.status == 401
    finally:
        running.stop()
