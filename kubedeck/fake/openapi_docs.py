"""A minimal OpenAPI v3 publication: enough for kubectl to learn that every PATCH endpoint
takes `fieldValidation` (so it validates server-side) and which patch types it accepts.

Strategic merge patch is deliberately not advertised: kubectl then builds its patches from
its own compiled-in type metadata, which is exact for built-in kinds.
"""

from __future__ import annotations

import hashlib

import msgspec

from kubedeck.fake.resources import ResourceType

_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                "application/apply-patch+yaml")
_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force")


def gv_path(rt: ResourceType) -> str:
    return f"apis/{rt.group}/{rt.version}" if rt.group else f"api/{rt.version}"


def _object_path(rt: ResourceType) -> str:
    base = "/" + gv_path(rt)
    if rt.namespaced:
        return f"{base}/namespaces/{{namespace}}/{rt.plural}/{{name}}"
    return f"{base}/{rt.plural}/{{name}}"


def _patch_operation(rt: ResourceType) -> dict:
    schema = {"type": "object"}
    return {
        "operationId": f"patch{rt.kind}",
        "parameters": [{"name": p, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
                       for p in _QUERY_PARAMS],
        "requestBody": {"content": {t: {"schema": schema} for t in _PATCH_TYPES},
                        "required": True},
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version,
                                            "kind": rt.kind},
    }


def gv_document(types: list[ResourceType], path: str) -> bytes | None:
    """The OpenAPI v3 document for `api/v1` or `apis/<g>/<v>`, or None when not served."""
    served = [rt for rt in types if gv_path(rt) == path]
    if not served:
        return None
    paths = {_object_path(rt): {"patch": _patch_operation(rt)} for rt in served}
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.31.0"},
           "paths": paths, "components": {"schemas": {}}}
    return msgspec.json.encode(doc)


def index(types: list[ResourceType]) -> bytes:
    """/openapi/v3: one entry per group version, addressed by a content hash as the real
    server does so clients may cache each document for good."""
    paths = {}
    for path in sorted({gv_path(rt) for rt in types}):
        doc = gv_document(types, path) or b""
        digest = hashlib.sha512(doc).hexdigest().upper()
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return msgspec.json.encode({"paths": paths})
