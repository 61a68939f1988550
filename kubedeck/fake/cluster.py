"""The embedded simulated cluster: the API semantics over the store, plus its controllers.

`FakeCluster` is what logic tests and `kubedeck demo` use in process; `fake.apiserver`
serves the same object over HTTP(S) so the official client and kubectl can talk to it.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubedeck.fake.faults import FaultInjector
from kubedeck.fake.nodes import add_nodes
from kubedeck.fake.resources import BUILTIN, ResourceType, crd_resource_types
from kubedeck.fake.store import Clock, Store, StoreError, Watch, clone, not_found, rfc3339
from kubedeck.kube.selectors import SelectorError, field_matcher, label_matcher

SERVER_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0-kubedeck",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"


class FakeCluster:
    """Kubernetes API semantics over an in-memory store, with simulated controllers."""

    def __init__(self, clock: Clock | None = None, *, ready_delay: float = 2.0,
                 history_limit: int = 5000, nodes: int = 3, seed: int | None = None) -> None:
        self.clock = clock or Clock()
        self.store = Store(self.clock, history_limit=history_limit)
        self.faults = FaultInjector()
        self.ready_delay = ready_delay
        self.version = dict(SERVER_VERSION)
        self._crd_types: dict[str, list[ResourceType]] = {}
        self.store.add_listener(self._on_change)
        from kubedeck.fake.controllers import Controllers

        self.controllers = Controllers(self)
        if seed is not None:
            self._seed_names(seed)
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.store.create(self.type_for("namespaces"), {
                "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        add_nodes(self, nodes)

    def _seed_names(self, seed: int) -> None:
        """Make generated names, cluster IPs and node ports repeatable, so snapshot tests of
        a seeded world see the same pod names each run (the generators are module-wide)."""
        from kubedeck.fake import defaults, store
        from kubedeck.fake.controllers import podutil
        from kubedeck.fake.controllers.endpoints import EndpointsController

        for offset, rng in enumerate((defaults._rng, store._rng, podutil._rng,
                                      self.controllers.controllers[EndpointsController.name]._rng)):
            rng.seed(seed + offset)

    # -- resource types --------------------------------------------------------------------

    def resource_types(self) -> list[ResourceType]:
        out = list(BUILTIN)
        for types in self._crd_types.values():
            out.extend(types)
        return out

    def find_type(self, group: str, version: str, plural: str) -> ResourceType | None:
        for rt in self.resource_types():
            if rt.group == group and rt.version == version and rt.plural == plural:
                return rt
        return None

    def type_for(self, plural: str, group: str | None = None) -> ResourceType:
        """The preferred type for a plural (and group), for code that names kinds directly."""
        for rt in self.resource_types():
            if rt.plural == plural and (group is None or rt.group == group):
                return rt
        raise KeyError(plural)

    def _on_change(self, ev) -> None:
        if ev.key != _CRD_KEY:
            return
        name = ev.object["metadata"]["name"]
        if ev.type == "DELETED":
            self._crd_types.pop(name, None)
        else:
            self._crd_types[name] = crd_resource_types(ev.object)

    # -- API verbs -------------------------------------------------------------------------

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns = self.store.get(self.type_for("namespaces"), "", namespace)
        if ns is None:
            raise StoreError(404, "NotFound", f'namespaces "{namespace}" not found',
                             {"name": namespace, "kind": "namespaces"})
        if "deletionTimestamp" in ns["metadata"]:
            raise StoreError(403, "Forbidden",
                             f'{rt.plural} "{name}" is forbidden: unable to create new content '
                             f"in namespace {namespace} because it is being terminated",
                             {"name": name, "group": rt.group, "kind": rt.plural})

    def create(self, rt: ResourceType, obj: dict, *, dry_run: bool = False) -> dict:
        from kubedeck.fake.defaults import apply_defaults, validate

        obj = clone(obj)
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
            self._check_namespace(rt, meta["namespace"], meta.get("name", ""))
        for drop in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp",
                     "generation"):
            meta.pop(drop, None)
        apply_defaults(rt, obj, self.clock.now(), self.store)
        validate(rt, obj)
        if dry_run:
            meta.setdefault("uid", "00000000-0000-0000-0000-000000000000")
            meta.setdefault("creationTimestamp", rfc3339(self.clock.now()))
            obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
            return obj
        return self.store.create(rt, obj)

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict:
        return self.store.require(rt, namespace, name)

    def list(self, rt: ResourceType, namespace: str | None = None,
             label_selector: str | None = None,
             field_selector: str | None = None) -> tuple[list[dict], int]:
        match = self._matcher(label_selector, field_selector)
        return self.store.list(rt, namespace, match)

    def watch(self, rt: ResourceType, namespace: str | None = None,
              label_selector: str | None = None, field_selector: str | None = None,
              since: int | None = None) -> Watch:
        return self.store.watch(rt, namespace, self._matcher(label_selector, field_selector), since)

    @staticmethod
    def _matcher(label_selector: str | None, field_selector: str | None):
        try:
            lm = label_matcher(label_selector)
            fm = field_matcher(field_selector)
        except SelectorError as exc:
            raise StoreError(400, "BadRequest", str(exc)) from None
        if not label_selector and not field_selector:
            return None
        return lambda o: lm((o.get("metadata") or {}).get("labels") or {}) and fm(o)

    def update(self, rt: ResourceType, obj: dict, *, subresource: str | None = None,
               dry_run: bool = False) -> dict:
        from kubedeck.fake.defaults import apply_defaults, validate

        obj = clone(obj)
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
        live = self.store.require(rt, meta.get("namespace", ""), meta.get("name", ""))
        if subresource == "status":
            if dry_run:
                return obj
            return self.store.update(rt, obj, status_only=True)
        apply_defaults(rt, obj, self.clock.now(), self.store, live)
        validate(rt, obj, live)
        if dry_run:
            return obj
        return self.store.update(rt, obj)

    def delete(self, rt: ResourceType, namespace: str, name: str, *,
               propagation: str | None = None, grace_seconds: int | None = None,
               dry_run: bool = False) -> dict:
        """Delete as the API server does: finalizers and graceful pod deletion leave the
        object with a deletionTimestamp; dependents are collected per `propagation`
        (Background by default, Foreground, or Orphan)."""
        obj = self.store.get(rt, namespace, name)
        if obj is None:
            raise not_found(rt, name)
        if dry_run:
            return obj
        return self.controllers.delete(rt, obj, propagation or "Background", grace_seconds)

    # -- logs ------------------------------------------------------------------------------

    def logs(self, namespace: str, pod: str, container: str | None = None, *,
             previous: bool = False, tail_lines: int | None = None,
             since_seconds: int | None = None, timestamps: bool = False) -> list[str]:
        return self.controllers.logs.read(namespace, pod, container, previous=previous,
                                          tail_lines=tail_lines, since_seconds=since_seconds,
                                          timestamps=timestamps)

    def follow_logs(self, namespace: str, pod: str, container: str | None = None, *,
                    tail_lines: int | None = None, since_seconds: int | None = None,
                    timestamps: bool = False, stop=None) -> Iterator[str]:
        return self.controllers.logs.follow(namespace, pod, container, tail_lines=tail_lines,
                                            since_seconds=since_seconds, timestamps=timestamps,
                                            stop=stop)

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        """Run controllers on a background thread against the wall clock."""
        self.controllers.start()

    def stop(self) -> None:
        self.controllers.stop()
        self.store.close_watches()

    def step(self, seconds: float = 0.0) -> None:
        """Advance a ManualClock and run every controller action that became due."""
        self.controllers.step(seconds)
