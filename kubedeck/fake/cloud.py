"""A fake Google Cloud on one local HTTP port: the REST paths of GKE, Artifact Registry, Cloud
Build and Cloud Storage that kubedeck's adapters use, plus the OAuth token endpoint.

The real google-cloud client libraries (transport="rest", api_endpoint = this server's URL)
and google-auth (a service-account key whose token_uri points here) talk to it unchanged.
Every API request is checked as Google checks it: a live access token (401 otherwise), the
project exists, the API is enabled (403 SERVICE_DISABLED with ErrorInfo), the caller has the
route's IAM permission (403 naming it). Tests flip those with `disable_service`, `deny` and
`oauth.expire_tokens()`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from kubedeck.fake.cloud_build import BuildApi
from kubedeck.fake.cloud_gke import GkeApi, GkeCluster
from kubedeck.fake.cloud_oauth import FakeOAuth, GrantError
from kubedeck.fake.cloud_registry import RegistryApi, Repository
from kubedeck.fake.cloud_routes import CloudRequest, Reply, Route
from kubedeck.fake.cloud_state import (
    ApiFailure,
    Operations,
    Project,
    error_info,
    service_disabled,
    unauthenticated,
)
from kubedeck.fake.cloud_storage import StorageApi

ENDPOINT_VARS = ("KUBEDECK_GCP_CONTAINER_ENDPOINT", "KUBEDECK_GCP_ARTIFACTREGISTRY_ENDPOINT",
                 "KUBEDECK_GCP_CLOUDBUILD_ENDPOINT", "KUBEDECK_GCP_STORAGE_ENDPOINT")


class FakeCloud:
    """Serves the fake APIs on host:port (0: a free port) once `start()` is called."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 clock: Callable[[], float] = time.time, token_lifetime: int = 3600,
                 page_size: int = 1000, lro_polls: int = 2) -> None:
        self.clock = clock
        self.oauth = FakeOAuth(clock, token_lifetime)
        self.projects: dict[str, Project] = {}
        self.operations = Operations()
        self.gke = GkeApi(self.operations, clock)
        self.registry = RegistryApi(self.operations, clock, lro_polls=lro_polls,
                                    page_size=page_size)
        self.storage = StorageApi(clock)
        self.builds = BuildApi(self.operations, self.storage, self.registry, self.projects,
                               clock)
        self.denied: set[str] = set()
        self.requests: list[tuple[str, str, int]] = []
        self._routes: list[Route] = [*self.gke.routes(), *self.registry.routes(),
                                     *self.builds.routes(), *self.storage.routes()]
        self._log_lock = threading.Lock()
        self._httpd = _Server((host, port), self)
        self.oauth.token_uri = f"{self.url}/token"
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeCloud:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.2}, daemon=True,
                                        name="kubedeck-fake-cloud")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def env(self) -> dict[str, str]:
        """The KUBEDECK_GCP_*_ENDPOINT variables that point kubedeck here."""
        return dict.fromkeys(ENDPOINT_VARS, self.url)

    def env_urls(self) -> dict[str, str]:
        """The same, keyed by API name as kubedeck.cloud.endpoints.Endpoints takes them."""
        return dict.fromkeys(("container", "artifactregistry", "cloudbuild", "storage"),
                             self.url)

    # -- the world --------------------------------------------------------------------------------

    def add_project(self, project_id: str, number: str | None = None) -> Project:
        project = Project(project_id, number or str(100000000000 + len(self.projects) + 1))
        self.projects[project_id] = project
        return project

    def write_service_account_key(self, path: str | Path, project: str,
                                  name: str = "kubedeck") -> Path:
        """A service-account key file for ADC (GOOGLE_APPLICATION_CREDENTIALS)."""
        out = Path(path)
        out.write_text(json.dumps(self.oauth.service_account_key(project, name), indent=2))
        out.chmod(0o600)
        return out

    def add_cluster(self, project: str, location: str, name: str, *, endpoint: str,
                    ca_pem: bytes, provisioning_polls: int = 0, **fields) -> GkeCluster:
        return self.gke.add(GkeCluster(project, location, name, endpoint, ca_pem, **fields),
                            provisioning_polls)

    def add_repository(self, project: str, location: str, repo_id: str,
                       **fields) -> Repository:
        return self.registry.add(Repository(project, location, repo_id, **fields))

    def disable_service(self, project: str, service: str) -> None:
        self.projects[project].disabled_services.add(service)

    def enable_service(self, project: str, service: str) -> None:
        self.projects[project].disabled_services.discard(service)

    def deny(self, permission: str) -> None:
        self.denied.add(permission)

    def allow(self, permission: str) -> None:
        self.denied.discard(permission)

    def count(self, method: str, path_part: str) -> int:
        """How many requests with `method` had `path_part` in their path (polls, retries)."""
        with self._log_lock:
            return sum(1 for m, p, _ in self.requests if m == method and path_part in p)

    # -- requests ---------------------------------------------------------------------------------

    def handle(self, req: CloudRequest) -> Reply:
        if req.method == "POST" and req.path == "/token":
            return self._token(req)
        found = self._match(req.method, req.path)
        if found is None:
            return Reply(404, ApiFailure(404, f"Method not found: {req.method} "
                                              f"{req.path}").body())
        rt, groups = found
        try:
            self._check(req, rt, groups)
            return rt.handler(req, **groups)
        except ApiFailure as exc:
            return Reply(exc.code, exc.body())

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for rt in self._routes:
            if rt.method != method:
                continue
            m = rt.pattern.match(path)
            if m:
                return rt, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    def _check(self, req: CloudRequest, rt: Route, groups: dict[str, str]) -> None:
        auth = req.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        account = self.oauth.holder(token) if token else None
        if account is None:
            raise unauthenticated(expired=bool(token))
        req.account = account
        project_id = groups.get("project")
        if project_id is not None:
            project = self.projects.get(project_id)
            if project is None:
                raise ApiFailure(403, f"Permission denied on resource project {project_id}.",
                                 [error_info("CONSUMER_INVALID", "googleapis.com",
                                             {"consumer": f"projects/{project_id}",
                                              "service": rt.api.service})])
            if rt.api.service in project.disabled_services:
                raise service_disabled(project, rt.api.service, rt.api.title)
        if rt.permission and rt.permission in self.denied:
            raise rt.api.denied(rt.permission, rt.resource(groups), account)

    def _token(self, req: CloudRequest) -> Reply:
        form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
        try:
            return Reply(200, self.oauth.grant(form))
        except GrantError as exc:
            return Reply(400, {"error": exc.error, "error_description": exc.description})

    def log(self, method: str, path: str, status: int) -> None:
        with self._log_lock:
            self.requests.append((method, path, status))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args) -> None:
        """Quiet: the fake's own access log is FakeCloud.requests."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = CloudRequest(self.command, parts.path, dict(parse_qsl(parts.query)), body,
                           {k.lower(): v for k, v in self.headers.items()})
        reply = self.server.cloud.handle(req)
        self.server.cloud.log(req.method, req.path, reply.status)
        data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], cloud: FakeCloud) -> None:
        self.cloud = cloud
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up mid-request are routine; anything else is a bug to see."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
