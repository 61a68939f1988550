"""Port-forward against the simulated cluster: kubedeck.kube.portforward through the
official client's WebSocket portforward to the demo HTTP app, the kubelet's error channel for
a port nobody listens on, refusals, stop() freeing the port, and the raw protocol frames."""

from __future__ import annotations

import http.client
import socket
import time

import pytest
from stream_support import create_pods

from kubedeck.fake.serve import serve, write_kubeconfig
from kubedeck.kube.connect import connect
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.portforward import PortForwards

pytestmark = pytest.mark.integration
# How a client sees a forwarded connection the server side gave up on.
DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@pytest.fixture(scope="module", autouse=True)
def pods(sim_server):
    create_pods(sim_server.cluster)


@pytest.fixture(scope="module")
def conn(sim_kubeconfig):
    connection = connect(str(sim_kubeconfig))
    yield connection
    connection.close()


@pytest.fixture
def forwards():
    registry = PortForwards()
    yield registry
    registry.stop_all()


def get(port: int, path: str) -> tuple[int, str]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path)
        reply = client.getresponse()
        return reply.status, reply.read().decode()
    finally:
        client.close()


def wait_for(predicate, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_http_through_the_local_port(conn, forwards):
    pf = forwards.add(conn, "default", "deb", 8080)
    assert pf.local_port > 0 and pf.address == "127.0.0.1"
    assert get(pf.local_port, "/") == (
        200, "Hello from pod default/deb (container web, image docker.io/library/nginx:1.27.2)\n")
    assert get(pf.local_port, "/healthz") == (200, "ok\n")
    assert get(pf.local_port, "/version") == (200, "1.27.2\n")
    assert get(pf.local_port, "/missing")[0] == 404
    assert pf.error is None
    assert forwards.list() == [pf]


def test_keep_alive_and_concurrent_connections(conn, forwards):
    pf = forwards.add(conn, "default", "two", 80)
    first = http.client.HTTPConnection("127.0.0.1", pf.local_port, timeout=10)
    second = http.client.HTTPConnection("127.0.0.1", pf.local_port, timeout=10)
    try:
        for client in (first, second, first):
            client.request("GET", "/version")
            reply = client.getresponse()
            assert (reply.status, reply.read()) == (200, b"2.0.1\n")
        wait_for(lambda: pf.active_connections == 2, "two forwarded connections")
    finally:
        first.close()
        second.close()
    wait_for(lambda: pf.active_connections == 0, "connections to close")


def test_port_nobody_listens_on_reports_the_kubelet_error(conn, forwards):
    pf = forwards.add(conn, "default", "deb", 9999)
    with pytest.raises(DROPPED):
        get(pf.local_port, "/")
    error = wait_for(lambda: pf.error, "the forward's error")
    assert error.startswith(f"port-forward 127.0.0.1:{pf.local_port} -> default/deb:9999: "
                            "error forwarding port 9999 to pod ")
    assert "dial tcp4 127.0.0.1:9999: connect: connection refused" in error
    assert "\n" not in error


def test_missing_pod_is_one_line(conn, forwards):
    pf = forwards.add(conn, "default", "ghost", 80)
    with pytest.raises(DROPPED):
        get(pf.local_port, "/")
    assert wait_for(lambda: pf.error, "the error") == 'Error from server (NotFound): pods "ghost" not found'


def test_forbidden_names_verb_and_subresource(sim_server, tmp_path, forwards):
    denied = serve(sim_server.cluster, deny={("create", "pods/portforward")})
    connection = connect(str(write_kubeconfig(tmp_path / "kubeconfig", denied)))
    try:
        pf = forwards.add(connection, "default", "deb", 8080)
        with pytest.raises(DROPPED):
            get(pf.local_port, "/")
        error = wait_for(lambda: pf.error, "the error")
    finally:
        forwards.stop_all()
        connection.close()
        denied.stop()
    assert 'cannot create resource "pods/portforward"' in error
    assert 'in the namespace "default"' in error


def test_over_tls_with_client_certificates(sim_server, tmp_path, forwards):
    secure = serve(sim_server.cluster, tls=True)
    connection = connect(str(write_kubeconfig(tmp_path / "kubeconfig", secure)))
    try:
        pf = forwards.add(connection, "default", "deb", 8080)
        assert get(pf.local_port, "/healthz") == (200, "ok\n")
    finally:
        forwards.stop_all()
        connection.close()
        secure.stop()


def test_stop_frees_the_port_and_ends_connections(conn, forwards):
    pf = forwards.add(conn, "default", "deb", 8080)
    client = http.client.HTTPConnection("127.0.0.1", pf.local_port, timeout=10)
    client.request("GET", "/healthz")
    assert client.getresponse().read() == b"ok\n"
    wait_for(lambda: pf.active_connections == 1, "the open connection")
    forwards.stop(pf)
    assert forwards.list() == [] and not pf.running
    assert pf.active_connections == 0
    with socket.create_server(("127.0.0.1", pf.local_port)):
        pass
    client.close()


def test_taken_local_port_is_a_clear_error(conn, forwards):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(KubedeckError, match=f"unable to listen on 127.0.0.1:{port} for "
                                                "port-forward to default/deb: Address already"):
            forwards.add(conn, "default", "deb", 8080, local_port=port)
    assert forwards.list() == []


def test_raw_frames_port_header_then_error_channel(conn):
    from kubernetes.client import ApiClient, CoreV1Api
    from kubernetes.stream import portforward

    api = CoreV1Api(ApiClient(configuration=conn.api_client.configuration))
    stream = portforward(api.connect_get_namespaced_pod_portforward, "deb", "default",
                         ports="8080,7070")
    try:
        data = stream.socket(8080)
        data.sendall(b"GET /version HTTP/1.1\r\nHost: pod\r\n\r\n")
        reply = wait_for(lambda: data.recv(4096), "the app's answer")
        assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and reply.endswith(b"\r\n\r\n1.27.2\n")
        wait_for(lambda: stream.error(7070), "the error channel")
        assert "failed to connect to localhost:7070" in stream.error(7070)
        assert stream.error(8080) is None
    finally:
        stream.close()


def test_kubectl_port_forward_is_refused_in_plain_words(sim_kubectl):
    """kubectl ≥1.31 tunnels SPDY inside a WebSocket for port-forward and falls back to plain
    SPDY; the sim speaks neither, and says so."""
    result = sim_kubectl("port-forward", "deb", "0:8080", timeout=30)
    assert result.returncode == 1
    assert "streams over WebSocket only, not SPDY" in result.stderr
