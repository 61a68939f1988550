"""The scale subresource: an object seen as an autoscaling/v1 Scale, and a Scale written back."""

from __future__ import annotations

from kubedeck.fake.store import clone
from kubedeck.kube.jsonpath import find
from kubedeck.kube.selectors import selector_string

_DEFAULT_PATHS = (".spec.replicas", ".status.replicas", ".spec.selector")


def scale_paths(crd: dict | None, version: str) -> tuple[str, str, str]:
    """(specReplicasPath, statusReplicasPath, labelSelectorPath) for a kind."""
    if crd is None:
        return _DEFAULT_PATHS
    for v in (crd.get("spec") or {}).get("versions") or []:
        if v.get("name") == version:
            scale = (v.get("subresources") or {}).get("scale") or {}
            return (scale.get("specReplicasPath", ".spec.replicas"),
                    scale.get("statusReplicasPath", ".status.replicas"),
                    scale.get("labelSelectorPath", ""))
    return _DEFAULT_PATHS


def _selector_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and ("matchLabels" in value or "matchExpressions" in value):
        return selector_string(value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    return ""


def _first(obj: dict, path: str) -> object:
    found = find(obj, path) if path else []
    return found[0] if found else None


def to_scale(obj: dict, paths: tuple[str, str, str]) -> dict:
    spec_path, status_path, selector_path = paths
    meta = obj.get("metadata") or {}
    status: dict = {"replicas": int(_first(obj, status_path) or 0)}
    selector = _selector_text(_first(obj, selector_path))
    if selector:
        status["selector"] = selector
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                          "creationTimestamp") if k in meta},
        "spec": {"replicas": int(_first(obj, spec_path) or 0)},
        "status": status,
    }


def with_replicas(obj: dict, replicas: int, spec_path: str) -> dict:
    """A copy of the object whose desired replica count is `replicas`."""
    out = clone(obj)
    parts = [p for p in spec_path.split(".") if p]
    cur = out
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = replicas
    return out
