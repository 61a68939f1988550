"""Every failure a user can meet, turned into one line that says what, where and what to do.

Messages follow kubectl's wording where kubectl has one (`Error from server (NotFound): …`,
`error: You must be logged in to the server (Unauthorized)`), so scripts and people that know
kubectl recognise them; kubedeck adds the hint kubectl leaves out.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import msgspec

UNREACHABLE_HINT = "is the cluster running? (minikube start / check VPN)"


class KubedeckError(Exception):
    """A failure to show the user as one line (no traceback) and exit with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class RequestInfo:
    """What a request asked for, read from its path as the API server's RequestInfo does."""

    verb: str
    resource: str = ""
    group: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""

    @property
    def group_resource(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource


_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def request_info(method: str, path: str, query: dict | None = None) -> RequestInfo:
    """Verb, resource, namespace and name of an API request path like
    /apis/apps/v1/namespaces/web/deployments/frontend."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return RequestInfo(verb=method.lower(), resource="/" + "/".join(parts))
    if rest[:1] == ["watch"]:
        rest = rest[1:]
        query = {**(query or {}), "watch": "true"}
    namespace = ""
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) != 2:
        namespace, rest = rest[1], rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) >= 2 else ""
    sub = "/".join(rest[2:])
    if resource == "namespaces" and name and not namespace:
        namespace = name
    if method == "GET":
        watching = str((query or {}).get("watch", "")).lower() in ("1", "true")
        verb = "watch" if watching else ("get" if name else "list")
    elif method == "DELETE" and not name:
        verb = "deletecollection"
    else:
        verb = _VERBS.get(method, method.lower())
    return RequestInfo(verb, resource, group, namespace, name, sub)


class ApiError(KubedeckError):
    """The API server answered with an error Status (4xx/5xx)."""

    def __init__(self, message: str, code: int, reason: str, status: dict | None,
                 info: RequestInfo | None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.status = status or {}
        self.info = info
        self.retry_after = retry_after


class ConnectError(KubedeckError):
    """The server could not be reached, refused TLS, or did not answer in time."""

    def __init__(self, message: str, kind: str, server: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.server = server


# -- API errors --------------------------------------------------------------------------------

_GENERIC_REASONS = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "the server reported a conflict"),
    410: ("Expired", "the resource version is too old"),
    415: ("UnsupportedMediaType", "the server responded with the status code 415 but did not "
                                  "return more information"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to "
                             "try again later"),
    500: ("InternalError", "an error on the server has prevented the request from succeeding"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted, but may "
                     "still be processing the request"),
}


def _parse_status(body: bytes) -> dict | None:
    try:
        doc = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    if isinstance(doc, dict) and doc.get("kind") == "Status":
        return doc
    return None


def _forbidden_message(message: str, info: RequestInfo | None, user: str) -> str:
    """The server's 403 message if it names what was denied; otherwise say it ourselves."""
    if info is None or re.search(r"\bcannot\b", message):
        return message
    who = f'User "{user}"' if user else "the current user"
    where = f' in the namespace "{info.namespace}"' if info.namespace else ""
    named = f' "{info.name}"' if info.name else ""
    resource = info.resource + (f"/{info.subresource}" if info.subresource else "")
    return (f"{info.group_resource}{named} is forbidden: {who} cannot {info.verb} resource "
            f'"{resource}" in API group "{info.group}"{where}')


def api_error(code: int, body: bytes, info: RequestInfo | None, *, context: str = "",
              user: str = "", retry_after: float | None = None) -> ApiError:
    """Translate an HTTP error answer into kubectl's `Error from server (Reason): message`."""
    status = _parse_status(body)
    reason, message = "", ""
    if status is not None:
        reason = status.get("reason") or ""
        message = status.get("message") or ""
    generic_reason, generic_message = _GENERIC_REASONS.get(
        code, ("", f"the server responded with the status code {code} but did not return "
                   "more information"))
    if not reason and status is None:
        reason = generic_reason
    if not message:
        text = body.decode("utf-8", "replace").strip() if status is None else ""
        if text and code >= 500:
            message = f'an error on the server ("{text[:200]}") has prevented the request ' \
                      "from succeeding"
        else:
            message = generic_message
        if info is not None and info.resource:
            message += f" ({info.verb} {info.group_resource}{' ' + info.name if info.name else ''})"
    if code == 401 or reason == "Unauthorized":
        whose = f' of user "{user}"' if user else ""
        where = f' (context "{context}")' if context else ""
        line = (f"error: You must be logged in to the server ({message or 'Unauthorized'}) - "
                f"the credentials{whose}{where} were rejected: check the token, client "
                "certificate or exec plugin in the kubeconfig, or log in again")
        return ApiError(line, code, "Unauthorized", status, info, retry_after)
    if code == 403 or reason == "Forbidden":
        message = _forbidden_message(message, info, user)
    line = f"Error from server ({reason}): {message}" if reason else f"Error from server: {message}"
    return ApiError(line, code, reason, status, info, retry_after)


# -- transport errors --------------------------------------------------------------------------

def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3 reasons)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or any(cur is s for s in seen):
            continue
        seen.append(cur)
        todo.extend([cur.__cause__, cur.__context__, getattr(cur, "reason", None)
                     if isinstance(getattr(cur, "reason", None), BaseException) else None])
        todo.extend(a for a in cur.args if isinstance(a, BaseException))
    return seen


def _host_port(server: str) -> str:
    parts = urlsplit(server)
    return parts.netloc or server


def _tls_detail(excs: list[BaseException]) -> str:
    for e in excs:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {e.verify_message or e}"
    for e in excs:
        if isinstance(e, ssl.SSLError):
            text = e.reason or str(e)
            return str(text).replace("_", " ").lower()
    return str(excs[-1])


def connect_error(exc: BaseException, server: str, *, cluster: str = "",
                  timeout: float | None = None) -> ConnectError:
    """Translate a urllib3/socket/ssl failure talking to `server` into one line."""
    import urllib3.exceptions as u3

    excs = _chain(exc)
    names = " ".join(type(e).__name__ for e in excs)
    texts = " ".join(str(e) for e in excs).lower()
    host = _host_port(server)
    if any(isinstance(e, ssl.SSLError | u3.SSLError) for e in excs) or "SSLError" in names:
        where = f' of cluster "{cluster}"' if cluster else ""
        return ConnectError(
            f"error: TLS failure talking to {server}: {_tls_detail(excs)} - check "
            f"certificate-authority(-data){where} in the kubeconfig, or whether {host} is the "
            "right server", "tls", server)
    if any(isinstance(e, u3.ReadTimeoutError | TimeoutError | socket.timeout) for e in excs) \
            and not any(isinstance(e, u3.ConnectTimeoutError | u3.NewConnectionError)
                        for e in excs):
        limit = f" within {timeout:g}s" if timeout else " in time"
        return ConnectError(
            f"error: the server {server} did not answer{limit} - raise --request-timeout or "
            "check the cluster's health", "timeout", server)
    if any(isinstance(e, u3.NameResolutionError | socket.gaierror) for e in excs):
        return ConnectError(
            f"error: unable to connect to the server {server}: the host name "
            f"{urlsplit(server).hostname} does not resolve - {UNREACHABLE_HINT}",
            "unreachable", server)
    refused = any(isinstance(e, ConnectionRefusedError) or
                  getattr(e, "errno", None) == errno.ECONNREFUSED for e in excs)
    if refused or "connection refused" in texts:
        return ConnectError(
            f"error: the connection to the server {host} was refused ({server}) - "
            f"{UNREACHABLE_HINT}", "unreachable", server)
    if any(isinstance(e, u3.ConnectTimeoutError) and not isinstance(e, u3.NewConnectionError)
           for e in excs):
        return ConnectError(
            f"error: timed out connecting to the server {server} - {UNREACHABLE_HINT}",
            "unreachable", server)
    detail = str(excs[-1]) or type(excs[-1]).__name__
    return ConnectError(
        f"error: unable to connect to the server {server}: {detail} - {UNREACHABLE_HINT}",
        "unreachable", server)
