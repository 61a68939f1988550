"""A kubeconfig context turned into an `ApiClient` of the official client, plus raw requests.

Authentication and TLS (client certificates and CAs as files or inline data, bearer tokens and
token files, exec credential plugins such as gke-gcloud-auth-plugin, insecure-skip-tls-verify)
are the official client's (`kubernetes.config`); we only feed it kubectl's merge of the files and
add clear errors. Payloads are read as raw bytes so callers decode them with msgspec instead of
the client's slow model objects.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import urllib3

from kubedeck import __version__
from kubedeck.kube.errors import (
    ConnectError,
    KubedeckError,
    api_error,
    connect_error,
    request_info,
)
from kubedeck.kube.kubeconfig import Entry, Kubeconfig, load_kubeconfig

JSON = "application/json"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
DEFAULT_CONNECT_TIMEOUT = 30.0
USER_AGENT = f"kubedeck/{__version__}"

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

Query = Mapping[str, object] | Iterable[tuple[str, object]] | None


@dataclass
class Connection:
    """One context's API client and what the user should be told about it."""

    api_client: ApiClient
    context: str
    cluster: str
    server: str
    user: str
    namespace: str
    request_timeout: float | None = None
    _closed: bool = field(default=False, init=False, repr=False)

    # -- raw requests ------------------------------------------------------------------------

    def _timeout(self, stream: bool) -> tuple[float, float | None]:
        """(connect, read) seconds: --request-timeout bounds both, streams never time out
        reading, and connecting gives up after 30 s as kubectl's dialer does."""
        limit = self.request_timeout
        connect = min(limit, DEFAULT_CONNECT_TIMEOUT) if limit else DEFAULT_CONNECT_TIMEOUT
        return connect, None if stream else limit

    def request(self, method: str, path: str, *, query: Query = None,
                accept: str = JSON, body: object = None, content_type: str | None = None,
                stream: bool = False) -> urllib3.BaseHTTPResponse:
        """Send one request through the official client's transport and auth; return the
        unread urllib3 response (caller reads and closes it). Raises ApiError for error
        answers and ConnectError when the server cannot be reached."""
        params = list(query.items() if isinstance(query, Mapping) else (query or []))
        params = [(k, _query_value(v)) for k, v in params if v is not None]
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        if isinstance(body, bytes | str) and content_type and "json" in content_type:
            body = json.loads(body)  # the client serialises JSON bodies itself
        client = self.api_client
        try:
            _, url, headers, body, post = client.param_serialize(
                method, path, header_params=headers, body=body, auth_settings=["BearerToken"])
            if params:
                url += "?" + urlencode(params)
            resp = client.call_api(method, url, header_params=headers, body=body,
                                   post_params=post,
                                   _request_timeout=self._timeout(stream))
        except KubedeckError:
            raise
        except Exception as exc:  # transport failures arrive as many urllib3/ssl/socket types
            raise self.connect_error(exc) from None
        raw = resp.response
        if not 200 <= raw.status <= 299:
            try:
                data = raw.read()
            except Exception as exc:
                raise self.connect_error(exc) from None
            finally:
                raw.release_conn()
            raise api_error(raw.status, data, request_info(method, path, dict(params)),
                            context=self.context, user=self.user,
                            retry_after=_retry_after(raw.headers.get("Retry-After")))
        return raw

    def get(self, path: str, query: Query = None, accept: str = JSON) -> bytes:
        """GET one resource or list and return the body bytes undecoded."""
        return self.read(self.request("GET", path, query=query, accept=accept))

    def read(self, resp: urllib3.BaseHTTPResponse) -> bytes:
        """The whole body of a `request()` answer, the connection handed back to the pool
        (a leftover body would corrupt the next request on it); a transport failure while
        reading is a ConnectError like one while sending."""
        try:
            return resp.read()
        except Exception as exc:
            raise self.connect_error(exc) from None
        finally:
            resp.release_conn()

    def stream(self, path: str, query: Query = None, accept: str = JSON) -> urllib3.BaseHTTPResponse:
        """Open a streaming GET (watch, follow logs) with no read timeout; the caller reads
        chunks (`resp.stream()` / `read_chunked()`) and closes it."""
        return self.request("GET", path, query=query, accept=accept, stream=True)

    def connect_error(self, exc: BaseException) -> ConnectError:
        return connect_error(exc, self.server, cluster=self.cluster, timeout=self.request_timeout)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.api_client.close()


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


# -- building the client ---------------------------------------------------------------------

class _CaptureErrors(logging.Handler):
    """Collects what the official loader logs (exec plugin failures) instead of printing it."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _config_nodes(cfg: Kubeconfig, context: str):
    """The merged kubeconfig as the official loader's ConfigNode tree, each entry keeping the
    path of its own file so relative certificate paths resolve as kubectl resolves them."""
    from kubernetes.config.kube_config import ConfigNode

    def nodes(entries: dict[str, Entry], section: str) -> list:
        return [ConfigNode(f"{e.path}/{section}[name={e.name}]", e.body, e.path)
                for e in entries.values()]

    merged = {"current-context": context, "clusters": nodes(cfg.clusters, "clusters"),
              "users": nodes(cfg.users, "users"), "contexts": nodes(cfg.contexts, "contexts")}
    return ConfigNode("kube-config", merged, cfg.files[0] if cfg.files else None)


def _import_official_loader(with_google_auth: bool) -> None:
    """Import the official client's kubeconfig loader without google.auth unless the config
    uses the legacy `gcp` auth-provider: the loader imports it eagerly when installed, which
    costs `kubedeck get` ~40 ms and 11 MB and drags the google libraries in for nothing."""
    if with_google_auth or "kubernetes.config.kube_config" in sys.modules \
            or "google.auth" in sys.modules:
        import kubernetes.config.kube_config  # noqa: F401
        return
    sys.modules["google.auth"] = None  # type: ignore[assignment]
    try:
        import kubernetes.config.kube_config  # noqa: F401
    finally:
        if sys.modules.get("google.auth", 0) is None:
            del sys.modules["google.auth"]


def _exec_failure(user: Entry, messages: list[str]) -> KubedeckError:
    spec = user.body.get("user", {}).get("exec") or {}
    command = spec.get("command", "?")
    detail = "; ".join(m.strip().replace("\n", " ") for m in messages) or "it printed no credential"
    hint = spec.get("installHint") if "No such file or directory" in detail else None
    hint = " ".join(str(hint).split()) if hint else "check that it runs on its own"
    return KubedeckError(f'error: the exec credential plugin "{command}" of user "{user.name}" '
                         f"({user.path}) failed: {detail} - {hint}")


def client_from_kubeconfig(cfg: Kubeconfig, context: str | None = None, *,
                           namespace: str | None = None,
                           request_timeout: float | None = None) -> Connection:
    """Build a Connection for `context` (default: the current context) of a merged config."""
    name = context or cfg.current_context
    available = ", ".join(sorted(cfg.contexts)) or "none"
    if not name:
        raise KubedeckError(f"error: no current context is set in {cfg.where()} - pick one with "
                            f"--context NAME (available: {available}) or run "
                            '"kubectl config use-context NAME"')
    ctx = cfg.contexts.get(name)
    if ctx is None:
        raise KubedeckError(f'error: context "{name}" does not exist in {cfg.where()} '
                            f"(available: {available})")
    body = ctx.body.get("context") or {}
    cluster_name = str(body.get("cluster") or "")
    cluster = cfg.clusters.get(cluster_name)
    if cluster is None:
        raise KubedeckError(f'error: context "{name}" ({ctx.path}) refers to cluster '
                            f'"{cluster_name}", which is not defined in {cfg.where()}')
    server = str((cluster.body.get("cluster") or {}).get("server") or "")
    if not server:
        raise KubedeckError(f'error: cluster "{cluster_name}" in {cluster.path} has no server '
                            "address (clusters[].cluster.server)")
    user_name = str(body.get("user") or "")
    user = cfg.users.get(user_name)
    provider = ((user.body.get("user") or {}).get("auth-provider") or {}) if user else {}
    _import_official_loader(with_google_auth=provider.get("name") == "gcp")
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    configuration = Configuration()
    capture = _CaptureErrors()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        loader = KubeConfigLoader(_config_nodes(cfg, name), active_context=name,
                                  config_base_path=None)
        loader.load_and_set(configuration)
    except ConfigException as exc:
        raise KubedeckError(f'error: cannot use context "{name}" from {cfg.where()}: '
                            f"{' '.join(str(exc).split())}") from None
    except (OSError, ValueError) as exc:
        raise KubedeckError(f'error: cannot use context "{name}" from {cfg.where()}: '
                            f"{exc}") from None
    finally:
        root.removeHandler(capture)
    if user is not None and "exec" in (user.body.get("user") or {}) \
            and not getattr(loader, "token", None) and not getattr(loader, "cert_file", None):
        raise _exec_failure(user, capture.messages)
    configuration.retries = False
    if not configuration.verify_ssl:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    api_client = ApiClient(configuration)
    api_client.user_agent = USER_AGENT
    ns = namespace or str(body.get("namespace") or "") or "default"
    return Connection(api_client=api_client, context=name, cluster=cluster_name,
                      server=server.rstrip("/"), user=user_name, namespace=ns,
                      request_timeout=request_timeout)


def connect(kubeconfig: str | None = None, context: str | None = None,
            namespace: str | None = None, request_timeout: float | None = None,
            environ: Mapping[str, str] | None = None) -> Connection:
    """kubectl's view of the kubeconfig (flags, $KUBECONFIG, ~/.kube/config) as a Connection."""
    cfg = load_kubeconfig(kubeconfig, os.environ if environ is None else environ)
    return client_from_kubeconfig(cfg, context, namespace=namespace,
                                  request_timeout=request_timeout)
