"""The Service proxy the HTTP gate goes through: the simulated API server's services/proxy
(also reached by kubectl, as on a real cluster) and the check built on it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pipe_deploy_support import (
    Recorder,
    assert_service_healthy,
    fresh_namespace,
    get,
    make_spec,
    start_sim,
    target_of,
    web_docs,
)

from kubedeck.kube.errors import ApiError
from pipelines.events import CancelToken
from pipelines.httpcheck import http_check, service_port
from pipelines.spec import HttpCheck
from pipelines.staged import Failure
from pipelines.strategies import deploy


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sim = start_sim(tmp_path_factory.mktemp("proxy"))
    ns = fresh_namespace("px")
    spec = make_spec()
    deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs("nginx:1.25"),
           Recorder(), CancelToken())
    assert_service_healthy(sim.conn, ns, "web")
    sim.ns = ns
    yield sim
    sim.stop()


def proxied(world, service_id: str, path: str) -> bytes:
    return world.conn.get(f"/api/v1/namespaces/{world.ns}/services/{service_id}/proxy{path}",
                          accept="*/*")


def test_the_proxy_reaches_a_ready_pod_by_port_name_or_number(world):
    by_name = proxied(world, "web:http", "/").decode()
    assert by_name.startswith(f"Hello from pod {world.ns}/web-")
    assert "image nginx:1.25" in by_name
    assert proxied(world, "web:80", "/healthz") == b"ok\n"
    assert proxied(world, "http:web:80", "/version") == b"1.25\n"


def test_the_proxy_answers_as_the_app_does(world):
    with pytest.raises(ApiError) as info:
        proxied(world, "web:http", "/missing")
    assert info.value.code == 404


def test_unknown_ports_and_services_are_refused_like_the_real_server(world):
    with pytest.raises(ApiError) as info:
        proxied(world, "web:9999", "/")
    assert info.value.code == 503
    assert info.value.status["message"] == 'no service port "9999" found for service "web"'
    with pytest.raises(ApiError) as info:
        proxied(world, "nope:80", "/")
    assert info.value.code == 404


def test_kubectl_reaches_the_proxy_too(world):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    out = subprocess.run(["kubectl", "--kubeconfig", str(world.kubeconfig), "get", "--raw",
                          f"/api/v1/namespaces/{world.ns}/services/web:http/proxy/healthz"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ok\n"


def test_service_port_maps_the_container_port():
    svc = {"spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080},
                              {"port": 9090, "targetPort": 9091}]}}
    assert service_port(svc, 8080) == "http"
    assert service_port(svc, 9091) == "9090"
    assert service_port(svc, 9090) == "9090"
    assert service_port(svc, 7000) == "7000"


def test_http_check_passes_and_fails_with_the_status(world):
    svc = get(world.conn, f"/api/v1/namespaces/{world.ns}/services/web")
    line = http_check(world.conn, world.ns, svc, HttpCheck("/healthz", 8080))
    assert line == ("HTTP check passed: GET /healthz on port 8080 through service/web "
                    "answered 200: ok")
    with pytest.raises(Failure) as info:
        http_check(world.conn, world.ns, svc, HttpCheck("/nope", 8080))
    assert info.value.reason == ("HTTP check failed: GET /nope on port 8080 through "
                                 "service/web answered 404")
    with pytest.raises(Failure) as info:
        http_check(world.conn, world.ns, svc, HttpCheck("/healthz", 7000))
    assert "answered 503 (no service port \"7000\" found for service \"web\")" \
        in info.value.reason
