"""Raw GETs through the official client's transport, and failures as one-line reasons.

The client is used only for its connection pool and authentication (tokens, exec plugins,
client certificates); bodies stay raw bytes for msgspec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import urllib3
from kubernetes.client import ApiClient

from kubedeck.kube.backoff import retry_after_seconds
from kubedeck.kube.errors import api_error, connect_error, request_info


class ResourceLike(Protocol):
    """Where a resource lives in the API; discovery's and the fake's types both fit."""

    group: str
    version: str
    plural: str
    namespaced: bool
    kind: str


def collection_path(resource: ResourceLike, namespace: str | None) -> str:
    base = f"/apis/{resource.group}/{resource.version}" if resource.group else \
        f"/api/{resource.version}"
    if resource.namespaced and namespace:
        base += f"/namespaces/{namespace}"
    return f"{base}/{resource.plural}"


def api_client_of(client: Any) -> ApiClient:
    """An ApiClient, or the one inside a connection object."""
    if isinstance(client, ApiClient):
        return client
    inner = getattr(client, "api_client", None)
    if isinstance(inner, ApiClient):
        return inner
    raise TypeError(f"expected an ApiClient or a connection holding one, got {type(client)!r}")


# One quick retry hides a pooled keep-alive connection the server already closed; 429/503
# with Retry-After must reach the reflector (urllib3's default sleeps on them silently).
_RETRIES = urllib3.Retry(total=1, redirect=0, respect_retry_after_header=False)


def open_get(api: ApiClient, path: str, query: Sequence[tuple[str, str]],
             timeout: tuple[float, float]) -> urllib3.BaseHTTPResponse:
    """Send a GET with the client's auth and connection pool; the response is unread,
    whatever its status."""
    method, url, headers, _, _ = api.param_serialize(
        "GET", path, query_params=list(query), header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"])
    return api.rest_client.pool_manager.request(
        method, url, headers=headers, preload_content=False, retries=_RETRIES,
        timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]))


@dataclass
class Failure(Exception):
    """Why a list or watch failed, how to recover and how long the server asked us to wait."""

    message: str
    code: int = 0
    retry_after: float | None = None
    relist: bool = False  # the resourceVersion can no longer be trusted
    auth: bool = False  # a human must act (401/403, a rejected request): retry only rarely

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Origin:
    """Who is asking, to name in messages (empty when only an ApiClient was given)."""

    server: str
    context: str = ""
    cluster: str = ""
    user: str = ""
    request_timeout: float | None = None


def origin_of(client: Any) -> Origin:
    api = api_client_of(client)
    return Origin(getattr(client, "server", "") or api.configuration.host,
                  getattr(client, "context", ""), getattr(client, "cluster", ""),
                  getattr(client, "user", ""), getattr(client, "request_timeout", None))


def _line(message: str) -> str:
    return message.removeprefix("error: ")


def status_failure(what: str, path: str, query: Sequence[tuple[str, str]],
                   resp: urllib3.BaseHTTPResponse, body: bytes, origin: Origin) -> Failure:
    """A non-2xx answer in kubectl's words (a 403 names the verb and resource denied)."""
    code = resp.status
    err = api_error(code, body, request_info("GET", path, dict(query)), context=origin.context,
                    user=origin.user, retry_after=retry_after_seconds(resp.headers))
    transient = code == 429 or code >= 500
    return Failure(f"{what}: {_line(err.message)}", code, err.retry_after,
                   relist=not transient, auth=not transient and code != 410)


def connect_failure(what: str, exc: BaseException, origin: Origin) -> Failure:
    """The server could not be reached or did not answer (URL and hint included)."""
    err = connect_error(exc, origin.server, cluster=origin.cluster,
                        timeout=origin.request_timeout)
    return Failure(f"{what}: {_line(err.message)}")


def stream_failure(what: str, exc: BaseException, origin: Origin) -> Failure:
    """A response broke off while being read."""
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return connect_failure(what, exc, origin)
    return Failure(f"{what}: the connection to {origin.server} was lost")
