"""Shared pieces of the fake Google APIs: error bodies as Google sends them, long-running
operations that finish after N polls, page tokens, timestamps and projects."""

from __future__ import annotations

import base64
import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_HTTP_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 409: "ALREADY_EXISTS", 500: "INTERNAL", 503: "UNAVAILABLE"}


class ApiFailure(Exception):
    """An error answer in Google's JSON error format."""

    def __init__(self, code: int, message: str, details: list[dict] | None = None,
                 status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []
        self.status = status or _HTTP_STATUS.get(code, "UNKNOWN")

    def body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def error_info(reason: str, domain: str, metadata: dict[str, str]) -> dict:
    return {"@type": ERROR_INFO, "reason": reason, "domain": domain, "metadata": metadata}


def not_found(message: str) -> ApiFailure:
    return ApiFailure(404, message)


def bad_request(message: str) -> ApiFailure:
    return ApiFailure(400, message)


def unauthenticated(expired: bool) -> ApiFailure:
    reason = "ACCESS_TOKEN_EXPIRED" if expired else "CREDENTIALS_MISSING"
    return ApiFailure(
        401, "Request had invalid authentication credentials. Expected OAuth 2 access token, "
             "login cookie or other valid authentication credential. See "
             "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        [error_info(reason, "googleapis.com", {"method": "", "service": ""})])


@dataclass
class Project:
    project_id: str
    number: str
    disabled_services: set[str] = field(default_factory=set)


def service_disabled(project: Project, service: str, title: str) -> ApiFailure:
    """Exactly the shape Google sends for a disabled API, ErrorInfo metadata included."""
    url = (f"https://console.developers.google.com/apis/api/{service}/overview?project="
           f"{project.number}")
    return ApiFailure(
        403, f"{title} has not been used in project {project.number} before or it is disabled. "
             f"Enable it by visiting {url} then retry. If you enabled this API recently, wait a "
             "few minutes for the action to propagate to our systems and retry.",
        [error_info("SERVICE_DISABLED", "googleapis.com", {
            "service": service, "consumer": f"projects/{project.number}",
            "serviceTitle": title, "activationUrl": url,
            "containerInfo": project.number}),
         {"@type": "type.googleapis.com/google.rpc.Help",
          "links": [{"description": "Google developers console API activation", "url": url}]}])


# -- time ---------------------------------------------------------------------------------

def rfc3339(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


# -- paging -------------------------------------------------------------------------------

def page(items: list, query: dict[str, str], default_size: int) -> tuple[list, str]:
    """(this page, nextPageToken) for `pageSize`/`pageToken` query parameters."""
    try:
        size = int(query.get("pageSize") or 0) or default_size
        start = int(base64.urlsafe_b64decode(query["pageToken"]).decode()) \
            if query.get("pageToken") else 0
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid page token or page size.") from None
    chunk = items[start:start + size]
    end = start + len(chunk)
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else ""
    return chunk, token


# -- long-running operations ------------------------------------------------------------------

@dataclass
class Operation:
    """Done after `polls` reads; `finish` runs once, at the read that completes it, and
    returns the response (or raises ApiFailure, which becomes the operation's error)."""

    name: str
    render: Callable[[Operation], dict]
    finish: Callable[[], dict]
    polls: int
    done: bool = False
    response: dict | None = None
    error: ApiFailure | None = None
    extra: dict = field(default_factory=dict)

    def advance(self) -> None:
        if self.done:
            return
        self.polls -= 1
        if self.polls > 0:
            return
        self.done = True
        try:
            self.response = self.finish()
        except ApiFailure as exc:
            self.error = exc


class Operations:
    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}
        self._lock = threading.Lock()

    def add(self, op: Operation) -> Operation:
        with self._lock:
            self._ops[op.name] = op
        return op

    def poll(self, name: str) -> Operation:
        with self._lock:
            op = self._ops.get(name)
            if op is None:
                raise not_found(f"Operation {name} not found.")
            op.advance()
            return op

    def matching(self, prefix: str) -> list[Operation]:
        with self._lock:
            return [op for name, op in self._ops.items() if name.startswith(prefix)]
