"""Which resources a cluster serves, and what a typed name (`po`, `deploy`, `hpa`, a CRD) means.

Discovery reads /api, /apis and every group version (concurrently), keeps the result in memory
per context and on disk per server for `TTL` seconds (kubectl keeps 6 hours under
~/.kube/cache), and refreshes once when a name does not resolve (a CRD created since).
Resolution follows kubectl: categories first (`all`), then the shortcut expander (exact
plural/singular names win over short names; short names resolve in discovery order, warning
when a lower-priority group has the same short name), then the priority REST mapper (core group
first, then groups in the order the server lists them, each group's preferred version first),
then kinds.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import ApiError, KubedeckError

TTL = 6 * 3600.0
CACHE_FORMAT = 1
_WORKERS = 6


@dataclass(frozen=True)
class APIResource:
    """One served resource in one group version."""

    group: str
    version: str
    name: str
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    preferred: bool = True

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def plural(self) -> str:
        """The reflector's name for `name`, shared with the fake's ResourceType."""
        return self.name

    api_version = group_version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, `pods`: how kubectl names a resource in messages."""
        return f"{self.name}.{self.group}" if self.group else self.name

    @property
    def group_kind(self) -> str:
        """`Deployment.apps`, `Pod`: the prefix of `-o name` once lower-cased."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def path(self, namespace: str | None = None, name: str | None = None,
             subresource: str | None = None) -> str:
        """The REST path for a list (all namespaces when `namespace` is None), or one object."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.name}"
        if name:
            base += f"/{name}"
            if subresource:
                base += f"/{subresource}"
        return base


class _ResourceDoc(msgspec.Struct, omit_defaults=True):
    name: str
    kind: str = ""
    singularName: str = ""
    namespaced: bool = False
    verbs: list[str] = []
    shortNames: list[str] = []
    categories: list[str] = []


class _ResourceList(msgspec.Struct):
    resources: list[_ResourceDoc] = []


class _Version(msgspec.Struct):
    version: str
    groupVersion: str = ""


class _Group(msgspec.Struct):
    name: str
    versions: list[_Version] = []
    preferredVersion: _Version | None = None


class _GroupList(msgspec.Struct):
    groups: list[_Group] = []


class _APIVersions(msgspec.Struct):
    versions: list[str] = []


# -- fetching ----------------------------------------------------------------------------------

def _fetch(conn: Connection) -> tuple[list[APIResource], list[str]]:
    """Every served resource in priority order, and warnings for group versions that failed."""
    core = msgspec.json.decode(conn.get("/api"), type=_APIVersions)
    groups = msgspec.json.decode(conn.get("/apis"), type=_GroupList).groups
    plan: list[tuple[str, str, bool, str]] = []  # group, version, preferred, path
    for i, v in enumerate(core.versions):
        plan.append(("", v, i == 0, f"/api/{v}"))
    for g in groups:
        preferred = g.preferredVersion.version if g.preferredVersion else \
            (g.versions[0].version if g.versions else "")
        ordered = sorted(g.versions, key=lambda v: v.version != preferred)
        for v in ordered:
            plan.append((g.name, v.version, v.version == preferred, f"/apis/{g.name}/{v.version}"))

    def one(path: str) -> _ResourceList | ApiError:
        try:
            return msgspec.json.decode(conn.get(path), type=_ResourceList)
        except ApiError as exc:
            if exc.code in (401, 403):
                raise
            return exc

    with ThreadPoolExecutor(max_workers=max(1, min(_WORKERS, len(plan)))) as pool:
        answers = list(pool.map(one, [p[3] for p in plan]))
    out: list[APIResource] = []
    warnings: list[str] = []
    for (group, version, preferred, _), answer in zip(plan, answers, strict=True):
        gv = f"{group}/{version}" if group else version
        if isinstance(answer, ApiError):
            warnings.append(f"couldn't get resource list for {gv}: {answer.message}")
            continue
        for r in answer.resources:
            if "/" in r.name:
                continue
            out.append(APIResource(
                group=group, version=version, name=r.name,
                singular=r.singularName or r.kind.lower(), kind=r.kind,
                namespaced=r.namespaced, verbs=tuple(r.verbs), short_names=tuple(r.shortNames),
                categories=tuple(r.categories), preferred=preferred))
    return out, warnings


# -- caching -----------------------------------------------------------------------------------

def cache_root(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"),
                                                     ".cache")
    return Path(base) / "kubedeck" / "discovery"


def cache_dir_for(server: str, root: Path) -> Path:
    """One directory per server, named as kubectl names its discovery cache (host_port)."""
    netloc = urlsplit(server).netloc or server
    return root / re.sub(r"[^\w.]", "_", netloc)


def _read_cache(path: Path, ttl: float, now: float) -> list[APIResource] | None:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != CACHE_FORMAT:
        return None
    if now - float(doc.get("fetched", 0)) > ttl:
        return None
    try:
        return [APIResource(**{**r, **{k: tuple(r[k]) for k in
                                        ("verbs", "short_names", "categories")}})
                for r in doc["resources"]]
    except (KeyError, TypeError):
        return None


def _write_cache(path: Path, resources: list[APIResource], now: float) -> None:
    doc = {"format": CACHE_FORMAT, "fetched": now, "resources": [asdict(r) for r in resources]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc))
        os.replace(tmp, path)
    except OSError:
        pass


_memory: dict[tuple[str, str], list[APIResource]] = {}
_memory_lock = threading.Lock()


# -- resolving ---------------------------------------------------------------------------------

class Discovery:
    """The resources one context serves, cached, and kubectl's rules for naming them."""

    def __init__(self, conn: Connection, *, cache_root_dir: Path | None = None,
                 ttl: float = TTL, clock: Callable[[], float] = time.time,
                 use_disk: bool = True) -> None:
        self.conn = conn
        self.ttl = ttl
        self.clock = clock
        self.use_disk = use_disk
        root = cache_root_dir if cache_root_dir is not None else cache_root()
        self.cache_file = cache_dir_for(conn.server, root) / "resources.json"
        self.warnings: list[str] = []
        self.fetch_warnings: list[str] = []
        self._resources: list[APIResource] | None = None
        self._fresh = False

    @classmethod
    def from_resources(cls, conn: Connection, resources: list[APIResource]) -> Discovery:
        """A Discovery over a known document (tests, or a caller that fetched it already)."""
        d = cls(conn, use_disk=False)
        d._resources = list(resources)
        d._fresh = True
        return d

    def _key(self) -> tuple[str, str]:
        return (self.conn.context, self.conn.server)

    def resources(self) -> list[APIResource]:
        """Every served resource (all versions), in kubectl's priority order."""
        if self._resources is not None:
            return self._resources
        with _memory_lock:
            cached = _memory.get(self._key())
        if cached is None and self.use_disk:
            cached = _read_cache(self.cache_file, self.ttl, self.clock())
        if cached is None:
            return self.refresh()
        self._resources = cached
        return cached

    def refresh(self) -> list[APIResource]:
        """Fetch discovery from the server now and replace both caches."""
        resources, self.fetch_warnings = _fetch(self.conn)
        self._resources = resources
        self._fresh = True
        with _memory_lock:
            _memory[self._key()] = resources
        if self.use_disk:
            _write_cache(self.cache_file, resources, self.clock())
        return resources

    def preferred(self) -> list[APIResource]:
        """One entry per resource: its group's preferred version."""
        seen: set[tuple[str, str]] = set()
        out = []
        for r in self.resources():
            if (r.group, r.name) not in seen:
                seen.add((r.group, r.name))
                out.append(r)
        return out

    # kubectl's categoryExpander + shortcutExpander + PriorityRESTMapper

    def category(self, name: str) -> list[APIResource] | None:
        """The resources in a category (`all`), in discovery order, or None if no such one."""
        found: list[APIResource] = []
        seen: set[tuple[str, str]] = set()
        for r in self.resources():
            if name in r.categories and (r.group, r.name) not in seen:
                seen.add((r.group, r.name))
                found.append(self._preferred_of(r.group, r.name))
        return found or None

    def _preferred_of(self, group: str, name: str) -> APIResource:
        return next(r for r in self.resources() if r.group == group and r.name == name)

    def _expand_shortcut(self, resource: str, group: str) -> tuple[str, str]:
        all_res = self.resources()
        for r in all_res:
            if group and r.group != group:
                continue
            if resource in (r.name, r.singular):
                return resource, group
        found: tuple[str, str] | None = None
        warned: set[tuple[str, str]] = set()
        for r in all_res:
            for short in r.short_names:
                if group and r.group != group:
                    continue
                if short != resource:
                    continue
                if found is None:
                    found = (r.name, r.group)
                elif found != (r.name, r.group) and (r.name, r.group) not in warned:
                    warned.add((r.name, r.group))
                    other = f"{r.name}.{r.group}" if r.group else r.name
                    self._warn(f'short name "{resource}" could also match lower priority '
                               f"resource {other}")
        if found:
            return found
        if group:
            for r in all_res:
                if r.group.startswith(group) and resource in r.short_names:
                    return r.name, r.group
        return resource, group

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _by_resource(self, resource: str, group: str, version: str) -> APIResource | None:
        resource, group = self._expand_shortcut(resource, group)
        res = resource.lower()
        candidates = [r for r in self.resources() if res in (r.name, r.singular)
                      and (not version or r.version == version)]
        if group:
            exact = [r for r in candidates if r.group == group]
            # without a version, a group prefix matches too: deploy.app, storageclass.storage
            candidates = exact or ([] if version else
                                   [r for r in candidates if r.group.startswith(group)])
        return candidates[0] if candidates else None

    def _by_kind(self, kind: str, group: str, version: str) -> APIResource | None:
        for r in self.resources():
            if r.group != group or (version and r.version != version):
                continue
            if kind in (r.kind, r.kind.lower()):
                return r
        return None

    def _lookup(self, text: str) -> APIResource | None:
        gvr = text.split(".", 2) if text.count(".") >= 2 else None
        resource, _, group = text.partition(".")
        found = None
        if gvr is not None:
            found = self._by_resource(gvr[0], gvr[2], gvr[1])
        if found is None:
            found = self._by_resource(resource, group, "")
        if found is None and gvr is not None:
            found = self._by_kind(gvr[0], gvr[2], gvr[1])
        if found is None:
            found = self._by_kind(resource, group, "")
        return found

    def resolve(self, text: str) -> APIResource:
        """The resource a typed name means; refresh a cached document once before giving up."""
        found = self._lookup(text)
        if found is None and not self._fresh:
            self.refresh()
            found = self._lookup(text)
        if found is None:
            resource = text.partition(".")[0]
            raise KubedeckError(f'error: the server doesn\'t have a resource type "{resource}"')
        return found

    def expand(self, text: str) -> list[APIResource]:
        """A comma-separated list of names or categories as the resources they mean, in order,
        each once."""
        out: list[APIResource] = []
        for part in text.split(","):
            if not part:
                continue
            members = self.category(part)
            if members is None and not self._fresh and self._lookup(part) is None:
                self.refresh()
                members = self.category(part)
            for r in members if members is not None else [self.resolve(part)]:
                if r not in out:
                    out.append(r)
        return out
