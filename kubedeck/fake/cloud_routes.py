"""How the fake Google APIs declare their REST paths: each route names its API (for
SERVICE_DISABLED) and the IAM permission it needs (for PERMISSION_DENIED), so the server
checks both the same way for every route."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from kubedeck.fake.cloud_state import ApiFailure, bad_request


@dataclass
class CloudRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    account: str | None = None

    def json(self) -> dict:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise bad_request("Invalid JSON payload received.") from None
        if not isinstance(data, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        return data


@dataclass
class Reply:
    status: int
    body: dict | bytes
    content_type: str = "application/json; charset=UTF-8"


class Api(Protocol):
    service: str
    title: str

    def denied(self, permission: str, resource: str, account: str) -> ApiFailure: ...


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Reply]
    api: Api
    permission: str
    resource: Callable[[dict[str, str]], str]


def route(api: Api, method: str, template: str, handler: Callable[..., Reply],
          permission: str, resource: str = "projects/{project}") -> Route:
    """`template` like /v1/projects/{project}/locations/{location}/clusters/{cluster}; a
    `{name:.+}` placeholder may span slashes. `resource` names what the permission is
    checked on, formatted with the same placeholders."""
    regex = re.sub(r"\{(\w+)(?::([^}]+))?\}",
                   lambda m: f"(?P<{m.group(1)}>{m.group(2) or '[^/:]+'})", template)
    return Route(method, re.compile(f"^{regex}$"), handler, api, permission,
                 lambda groups: resource.format(**groups))
