"""Raw GETs through the official client's transport, and failures as one-line reasons.

The client is used only for its connection pool and authentication (tokens, exec plugins,
client certificates); bodies stay raw bytes for msgspec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
import urllib3
from kubernetes.client import ApiClient

from kubedeck.kube.backoff import retry_after_seconds
from kubedeck.kube.reflector_codec import decode_status


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
    auth: bool = False  # needs a human (401/403): retry only rarely

    def __str__(self) -> str:
        return self.message


def status_failure(what: str, resp: urllib3.BaseHTTPResponse, body: bytes) -> Failure:
    """A non-2xx response, named as the server names it (403 messages say verb and resource)."""
    code = resp.status
    server_msg = ""
    try:
        server_msg = decode_status(body).message
    except (msgspec.DecodeError, msgspec.ValidationError):
        server_msg = body[:200].decode("utf-8", "replace").strip()
    retry_after = retry_after_seconds(resp.headers)
    if code == 401:
        return Failure(f"{what}: Unauthorized: the server rejected the credentials; log in again "
                       "or check the kubeconfig user", code, retry_after, auth=True)
    if code == 403:
        return Failure(f"{what}: {server_msg or 'Forbidden'}", code, retry_after, auth=True)
    if code == 410:
        return Failure(f"{what}: {server_msg or 'resource version expired'}", code, relist=True)
    if code == 429:
        return Failure(f"{what}: the server is busy (429 Too Many Requests)", code, retry_after)
    detail = f": {server_msg}" if server_msg else ""
    if code >= 500:
        return Failure(f"{what}: server error {code}{detail}", code, retry_after, relist=False)
    return Failure(f"{what}: request rejected ({code}){detail}", code, retry_after, relist=True,
                   auth=True)


def transport_failure(what: str, server: str, exc: BaseException) -> Failure:
    """A connection-level problem, with the server URL so the user knows where to look."""
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, urllib3.exceptions.SSLError):
        return Failure(f"{what}: TLS error talking to {server}: {exc}")
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return Failure(f"{what}: {server} stopped answering (read timed out)")
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return Failure(f"{what}: cannot reach {server} (connect timed out); is the cluster running?")
    if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
        return Failure(f"{what}: cannot reach {server}; is the cluster running?")
    if isinstance(exc, urllib3.exceptions.ProtocolError | urllib3.exceptions.IncompleteRead):
        return Failure(f"{what}: connection to {server} lost")
    return Failure(f"{what}: request to {server} failed: {exc}")
