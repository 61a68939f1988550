"""URL paths of the Kubernetes REST API, split into what they address."""

from __future__ import annotations

from dataclasses import dataclass

# Subresources of a namespace share the path shape of a namespaced collection.
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True, slots=True)
class GroupVersionPath:
    """`/api/v1` or `/apis/<group>/<version>`: that group version's resource list."""

    group: str
    version: str


@dataclass(frozen=True, slots=True)
class ResourcePath:
    """A collection, an object or an object's subresource."""

    group: str
    version: str
    plural: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    legacy_watch: bool = False


def parse(path: str) -> GroupVersionPath | ResourcePath | None:
    """What an API path addresses; None when it is not a group-version path at all."""
    segs = [s for s in path.split("/") if s]
    if len(segs) >= 2 and segs[0] == "api":
        group, version, rest = "", segs[1], segs[2:]
    elif len(segs) >= 3 and segs[0] == "apis":
        group, version, rest = segs[1], segs[2], segs[3:]
    else:
        return None
    if not rest:
        return GroupVersionPath(group, version)
    legacy_watch = rest[0] == "watch"
    if legacy_watch:
        rest = rest[1:]
        if not rest:
            return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and not (
            len(rest) == 3 and rest[2] in _NAMESPACE_SUBRESOURCES):
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    return ResourcePath(group, version, plural, namespace, name, sub, legacy_watch)
