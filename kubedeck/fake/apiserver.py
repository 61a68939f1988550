"""An HTTP(S) façade over a FakeCluster that speaks the Kubernetes REST protocol well enough
for the official Python client and kubectl: discovery, object verbs, watch, tables, logs,
authentication (client certificates, bearer tokens), denials and injected faults."""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

from kubedeck.fake import discovery_docs, openapi_docs, routes, service_proxy, streaming
from kubedeck.fake.api_errors import for_code, forbidden, not_allowed, status_body
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.exchange import JSON, Exchange, Request
from kubedeck.fake.listing import ContinueExpired
from kubedeck.fake.rest import ResourceHandlers, Target
from kubedeck.fake.store import StoreError
from kubedeck.fake.tls import TlsMaterial, peer_identity

DEFAULT_USER = "kubedeck-user"
_PUBLIC_PATHS = frozenset({"/version", "/healthz", "/livez", "/readyz"})
_SUBRESOURCE_VERBS = {"status": ("get", "patch", "update"), "scale": ("get", "patch", "update"),
                      "log": ("get",), "finalize": ("update",), "eviction": ("create",),
                      **dict.fromkeys(streaming.SUBRESOURCES, ("get", "create"))}
_IDLE_TIMEOUT = 300.0
_HANDSHAKE_TIMEOUT = 10.0


class _NotFoundPage(Exception):
    """A path outside the API: the real server answers a plain "404 page not found"."""


class FakeApiServer:
    """Serves `cluster` on host:port (0 picks a free port) until `stop()`.

    `deny` holds (verb, resource) pairs the authorizer refuses, e.g. ("delete", "pods") or
    ("get", "pods/log"); "*" matches any verb or resource. With `tls`, clients authenticate
    with a certificate signed by its CA or a bearer token; `token` requires that exact token
    from token clients, or is a validator (the fake cloud's OAuth tokens, which expire).
    """

    def __init__(self, cluster: FakeCluster, host: str = "127.0.0.1", port: int = 0, *,
                 tls: TlsMaterial | None = None,
                 token: str | Callable[[str], bool] | None = None,
                 deny: Iterable[tuple[str, str]] = (), user: str = DEFAULT_USER,
                 bookmark_interval: float = 5.0,
                 access_log: Callable[[str], None] | None = None) -> None:
        self.cluster = cluster
        self.tls = tls
        self.token = token
        self.deny = frozenset(deny)
        self.user = user
        self.access_log = access_log
        self.stopping = threading.Event()
        self.rest = ResourceHandlers(cluster, self.stopping, bookmark_interval)
        self._httpd = _HttpServer((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._httpd.server_address[0]

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> FakeApiServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={
            "poll_interval": 0.2}, name=f"kubedeck-apiserver-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end every stream and close every connection."""
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    # -- requests --------------------------------------------------------------------------

    def authenticate(self, req: Request, peer_cert: dict | None, path: str) -> None:
        identity = peer_identity(peer_cert)
        if identity:
            req.user, req.groups = identity
            return
        auth = req.headers.get("Authorization") or ""
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if bearer and (self.token is None or (self.token(bearer) if callable(self.token)
                                              else bearer == self.token)):
            req.user, req.groups = self.user, ("system:authenticated",)
            return
        if bearer is None and self.token is None and self.tls is None:
            req.user, req.groups = self.user, ("system:authenticated",)
            return
        if path in _PUBLIC_PATHS:
            req.user, req.groups = "system:anonymous", ("system:unauthenticated",)
            return
        raise StoreError(401, "Unauthorized", "Unauthorized")

    def handle(self, ex: Exchange, req: Request) -> None:
        is_watch = req.flag("watch") or "/watch/" in req.path
        fault = self.cluster.faults.take(req.method, req.path, is_watch)
        if fault is not None:
            if fault.action == "status":
                raise for_code(fault.code, fault.retry_after)
            if fault.action == "disconnect" and not is_watch:
                ex.abort()
                return
            if fault.action == "gone" and not is_watch:
                raise for_code(410)
            if not is_watch:
                fault = None
        if self._serve_non_resource(ex, req):
            return
        proxied = service_proxy.match(req.path)
        if proxied is not None:
            service_proxy.serve(ex, self.cluster, req.method, *proxied)
            return
        parsed = routes.parse(req.path)
        if isinstance(parsed, routes.GroupVersionPath):
            doc = discovery_docs.resource_list(self.cluster.resource_types(), parsed.group,
                                               parsed.version)
            if doc is None:
                raise _NotFoundPage()
            ex.respond_json(200, doc)
            return
        if parsed is None:
            raise _NotFoundPage()
        target = self._target(req, parsed, is_watch)
        self._authorize(req, target)
        if target.path.subresource in streaming.SUBRESOURCES and target.rt.key == "pods":
            streaming.serve(ex, self.cluster, target.namespace, target.name,
                            target.path.subresource)
            return
        self.rest.handle(ex, req, target, fault)

    def _serve_non_resource(self, ex: Exchange, req: Request) -> bool:
        path = req.path.rstrip("/") or "/"
        if req.method != "GET":
            return False
        types = self.cluster.resource_types()
        aggregated = discovery_docs.negotiate_aggregated(req.accept)
        if path == "/version":
            ex.respond_json(200, self.cluster.version)
        elif path in ("/api", "/apis") and aggregated:
            ex.respond(200, msgspec.json.encode(discovery_docs.aggregated(
                types, path == "/api", aggregated)),
                discovery_docs.aggregated_content_type(aggregated))
        elif path == "/api":
            ex.respond_json(200, discovery_docs.api_versions(f"{self.host}:{self.port}"))
        elif path == "/apis":
            ex.respond_json(200, discovery_docs.group_list(types))
        elif path.startswith("/apis/") and path.count("/") == 2:
            doc = discovery_docs.group(types, path.split("/")[2])
            if doc is None:
                raise _NotFoundPage()
            ex.respond_json(200, doc)
        elif path == "/openapi/v3":
            ex.respond(200, openapi_docs.index(types))
        elif path.startswith("/openapi/v3/"):
            doc = openapi_docs.gv_document(types, path[len("/openapi/v3/"):])
            if doc is None:
                raise _NotFoundPage()
            ex.respond(200, doc)
        elif path in ("/healthz", "/livez", "/readyz"):
            ex.respond(200, b"ok", "text/plain; charset=utf-8")
        elif path == "/openapi/v2" or path == "/":
            raise _NotFoundPage()
        else:
            return False
        return True

    def _target(self, req: Request, path: routes.ResourcePath, is_watch: bool) -> Target:
        rt = self.cluster.find_type(path.group, path.version, path.plural)
        if rt is None:
            if discovery_docs.resource_list(self.cluster.resource_types(), path.group,
                                            path.version) is None:
                raise _NotFoundPage()
            raise for_code(404)
        if path.subresource and path.subresource not in rt.subresources:
            raise for_code(404)
        if (path.namespace is not None) != rt.namespaced and not (
                rt.namespaced and path.name is None and req.method == "GET"):
            raise for_code(404)
        method = req.method
        if method == "GET":
            verb = "watch" if is_watch else ("get" if path.name else "list")
        elif method == "POST":
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        elif method == "DELETE":
            verb = "delete" if path.name else "deletecollection"
        else:
            raise not_allowed()
        if method in ("PUT", "PATCH") and not path.name:
            raise not_allowed()
        if path.subresource:
            if verb not in _SUBRESOURCE_VERBS.get(path.subresource, ()):
                raise not_allowed()
        elif verb not in rt.verbs:
            raise not_allowed()
        return Target(rt, path, verb)

    def _authorize(self, req: Request, t: Target) -> None:
        resource = t.rt.plural + (f"/{t.path.subresource}" if t.path.subresource else "")
        # A WebSocket GET on exec/attach/portforward also needs `create`, as since v1.31
        # (AuthorizePodWebsocketUpgradeCreatePermission).
        needed = [t.verb]
        if t.path.subresource in streaming.SUBRESOURCES and t.verb != "create":
            needed.append("create")
        for want in needed:
            for verb in (want, "*"):
                for res in (resource, "*"):
                    if (verb, res) in self.deny:
                        raise forbidden(req.user, want, t.rt, t.path.subresource,
                                        t.path.namespace, t.path.name)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubedeck-sim"
    timeout = _IDLE_TIMEOUT
    server: _HttpServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(_HANDSHAKE_TIMEOUT)
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args) -> None:
        log = self.server.api.access_log
        if log is not None:
            log(format % args)

    def _read_body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        api = self.server.api
        ex = Exchange(self)
        try:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            req = Request(self.command, unquote(url.path), query, self.headers, self._read_body())
            peer = self.connection.getpeercert() if isinstance(self.connection,
                                                               ssl.SSLSocket) else None
            api.authenticate(req, peer, req.path)
            api.handle(ex, req)
        except _NotFoundPage:
            ex.respond(404, b"404 page not found\n", "text/plain; charset=utf-8")
        except StoreError as err:
            self._fail(ex, err)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # a server bug: answer 500 as the real server does, and say so
            traceback.print_exc(file=sys.stderr)
            self._fail(ex, StoreError(500, "InternalError", f"Internal error occurred: {exc}"))

    def _fail(self, ex: Exchange, err: StoreError) -> None:
        if ex.streaming:
            ex.abort()
            return
        body = status_body(err.code, err.reason, err.message, err.details or None)
        if isinstance(err, ContinueExpired):
            body["metadata"] = {"continue": err.continue_token}
        headers = {}
        retry = (err.details or {}).get("retryAfterSeconds")
        if retry:
            headers["Retry-After"] = str(retry)
        ex.respond(err.code, msgspec.json.encode(body), JSON, headers)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: FakeApiServer) -> None:
        self.api = api
        self._context = api.tls.server_context() if api.tls else None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self._context is not None:
            sock = self._context.wrap_socket(sock, server_side=True,
                                             do_handshake_on_connect=False)
        with self._open_lock:
            self._open.add(sock)
        return sock, addr

    def shutdown_request(self, request) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address) -> None:
        """Connections dropped by clients are routine; anything else is a server bug."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)
