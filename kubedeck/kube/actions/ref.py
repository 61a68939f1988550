"""Which object an action is about, and the one GET every action starts from."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource
from kubedeck.kube.errors import ApiError, KubedeckError

T = TypeVar("T")


@dataclass(frozen=True)
class ObjectRef:
    """One object of one served resource; `namespace` is None for cluster-scoped kinds."""

    resource: APIResource
    name: str
    namespace: str | None
    uid: str = ""

    @property
    def kind(self) -> str:
        return self.resource.kind

    def path(self, subresource: str | None = None) -> str:
        return self.resource.path(self.namespace, self.name, subresource)

    def where(self) -> str:
        """` in namespace "shop"` or nothing, for messages."""
        return f' in namespace "{self.namespace}"' if self.namespace else ""

    def describe_name(self) -> str:
        """`deployment.apps/web`: how kubectl names the object in its output."""
        return f"{self.resource.group_kind.lower()}/{self.name}"


def not_found(ref: ObjectRef) -> KubedeckError:
    return KubedeckError(f'{ref.kind} "{ref.name}" not found{ref.where()} (it was deleted)')


def acting(ref: ObjectRef, call: Callable[[], T]) -> T:
    """Run `call`, turning a 404 on the object into "it was deleted" (the server's 403
    message already names the denied verb and resource, so it is kept as is)."""
    try:
        return call()
    except ApiError as exc:
        if exc.code == 404:
            raise not_found(ref) from None
        raise


def fetch(conn: Connection, ref: ObjectRef) -> dict:
    """GET the object as a dict, keys in the order the server sent them."""
    return acting(ref, lambda: json.loads(conn.get(ref.path())))


def send(conn: Connection, method: str, path: str, body: object = None, *,
         content_type: str = "application/json", query: dict | None = None) -> dict:
    """One write request; the answer decoded (an empty dict when it has no JSON body)."""
    data = conn.read(conn.request(method, path, query=query, body=body,
                                  content_type=content_type))
    try:
        return json.loads(data) if data else {}
    except ValueError:
        return {}
