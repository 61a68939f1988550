"""Every failure becomes one line: API Status answers and transport failures."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kubedeck.kube.connect import client_from_kubeconfig
from kubedeck.kube.errors import ApiError, ConnectError, api_error, request_info
from kubedeck.kube.kubeconfig import Kubeconfig


@pytest.mark.parametrize(("method", "path", "query", "want"), [
    ("GET", "/api/v1/namespaces/web/pods", {}, ("list", "pods", "", "web", "")),
    ("GET", "/api/v1/pods", {}, ("list", "pods", "", "", "")),
    ("GET", "/api/v1/namespaces/web/pods/a", {}, ("get", "pods", "", "web", "a")),
    ("GET", "/apis/apps/v1/namespaces/web/deployments", {"watch": "true"},
     ("watch", "deployments", "apps", "web", "")),
    ("DELETE", "/apis/apps/v1/namespaces/web/deployments/x", {},
     ("delete", "deployments", "apps", "web", "x")),
    ("DELETE", "/api/v1/namespaces/web/pods", {}, ("deletecollection", "pods", "", "web", "")),
    ("POST", "/api/v1/namespaces/web/pods", {}, ("create", "pods", "", "web", "")),
    ("GET", "/api/v1/namespaces/web", {}, ("get", "namespaces", "", "web", "web")),
    ("GET", "/api/v1/nodes/n1", {}, ("get", "nodes", "", "", "n1")),
    ("PATCH", "/apis/apps/v1/namespaces/d/deployments/x/scale", {},
     ("patch", "deployments", "apps", "d", "x")),
])
def test_request_info(method, path, query, want):
    info = request_info(method, path, query)
    assert (info.verb, info.resource, info.group, info.namespace, info.name) == want


def status(code: int, reason: str, message: str, **details) -> bytes:
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code,
                       "details": details}).encode()


def test_not_found_like_kubectl():
    err = api_error(404, status(404, "NotFound", 'pods "x" not found', name="x", kind="pods"),
                    request_info("GET", "/api/v1/namespaces/default/pods/x"))
    assert err.message == 'Error from server (NotFound): pods "x" not found'
    assert (err.code, err.reason) == (404, "NotFound")


def test_unauthorized_like_kubectl_with_hint():
    err = api_error(401, status(401, "Unauthorized", "Unauthorized"), None, context="prod",
                    user="alice")
    assert err.message.startswith("error: You must be logged in to the server (Unauthorized) - ")
    assert 'user "alice"' in err.message and 'context "prod"' in err.message
    assert "\n" not in err.message


def test_forbidden_keeps_server_message_or_names_verb_and_resource():
    server_msg = ('pods is forbidden: User "bob" cannot list resource "pods" in API group "" in '
                  'the namespace "web"')
    err = api_error(403, status(403, "Forbidden", server_msg), request_info(
        "GET", "/api/v1/namespaces/web/pods"))
    assert err.message == f"Error from server (Forbidden): {server_msg}"
    err = api_error(403, status(403, "Forbidden", "access denied"), request_info(
        "DELETE", "/apis/apps/v1/namespaces/web/deployments/front"), user="bob")
    assert err.message == ('Error from server (Forbidden): deployments.apps "front" is forbidden: '
                           'User "bob" cannot delete resource "deployments" in API group "apps" '
                           'in the namespace "web"')


def test_non_status_bodies():
    err = api_error(500, b"boom\n", request_info("GET", "/api/v1/pods"))
    assert err.message == ('Error from server (InternalError): an error on the server ("boom") '
                           "has prevented the request from succeeding (list pods)")
    err = api_error(429, b"", None, retry_after=3.0)
    assert err.reason == "TooManyRequests" and err.retry_after == 3.0


def connection(server: str, timeout: float | None = None):
    cfg = Kubeconfig.from_dict({
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t0k"}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "ctx"})
    return client_from_kubeconfig(cfg, request_timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_is_one_line_with_hint():
    port = free_port()
    conn = connection(f"http://127.0.0.1:{port}")
    with pytest.raises(ConnectError) as err:
        conn.get("/api")
    assert err.value.kind == "unreachable"
    assert err.value.message == (f"error: the connection to the server 127.0.0.1:{port} was "
                                 f"refused (http://127.0.0.1:{port}) - is the cluster running? "
                                 "(minikube start / check VPN)")


def test_unresolvable_host():
    conn = connection("https://no-such-host.invalid:6443")
    with pytest.raises(ConnectError) as err:
        conn.get("/api")
    assert "no-such-host.invalid" in err.value.message
    assert "is the cluster running?" in err.value.message


def test_read_timeout_names_the_limit():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        conn = connection(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.3)
        with pytest.raises(ConnectError) as err:
            conn.get("/api")
        assert err.value.kind == "timeout"
        assert "did not answer within 0.3s" in err.value.message
    finally:
        listener.close()


class _Scripted(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str]] = []

    def do_GET(self):  # noqa: N802
        _Scripted.seen.append((self.path, self.headers.get("Authorization", ""),
                               self.headers.get("Accept", "")))
        if self.path.startswith("/api/v1/namespaces/default/pods/missing"):
            body, code = status(404, "NotFound", 'pods "missing" not found'), 404
        else:
            body, code = b'{"kind":"PodList","items":[]}', 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_raw_requests_carry_auth_query_and_accept():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        conn = connection(f"http://127.0.0.1:{srv.server_address[1]}")
        raw = conn.get("/api/v1/pods", {"labelSelector": "app=web,tier in (a,b)", "limit": 500,
                                        "watch": None}, accept="application/json;as=Table")
        assert raw == b'{"kind":"PodList","items":[]}'
        path, auth, accept = _Scripted.seen[-1]
        assert path == "/api/v1/pods?labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29&limit=500"
        assert (auth, accept) == ("Bearer t0k", "application/json;as=Table")
        with pytest.raises(ApiError) as err:
            conn.get("/api/v1/namespaces/default/pods/missing")
        assert err.value.message == 'Error from server (NotFound): pods "missing" not found'
        # the connection is still usable after an error answer
        assert conn.get("/api/v1/pods") == b'{"kind":"PodList","items":[]}'
    finally:
        srv.shutdown()
        srv.server_close()
