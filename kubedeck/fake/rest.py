"""The object verbs of the REST API (get, list, watch, create, update, patch, apply, delete,
deletecollection) and the status, scale, finalize and log subresources, over a FakeCluster."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import msgspec
import yaml

from kubedeck.fake import tables
from kubedeck.fake.api_errors import bad_request, not_allowed, unsupported_media
from kubedeck.fake.apply import record_update, server_side_apply
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.exchange import Exchange, Request
from kubedeck.fake.faults import Fault
from kubedeck.fake.listing import Lister
from kubedeck.fake.patch import PatchError, json_patch, merge_patch, strategic_merge
from kubedeck.fake.podlogs import serve_logs
from kubedeck.fake.resources import BUILTIN, ResourceType
from kubedeck.fake.routes import ResourcePath
from kubedeck.fake.scale import scale_paths, to_scale, with_replicas
from kubedeck.fake.store import StoreError, clone
from kubedeck.fake.watching import WatchOptions, WatchStream

_BUILTIN_KEYS = frozenset(rt.key for rt in BUILTIN)
# Kinds whose DELETE answers with the object rather than a Status (the registry's
# ReturnDeletedObject).
_RETURN_DELETED = frozenset({"pods", "namespaces", "services"})
_BODY_TYPES = ("application/json", "application/yaml")
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json", "application/apply-patch+yaml")
_PATCHERS = {
    "application/json-patch+json": json_patch,
    "application/merge-patch+json": merge_patch,
    "application/strategic-merge-patch+json": strategic_merge,
}
_RETRIES = 8
T = TypeVar("T")


@dataclass
class Target:
    """A resolved resource request."""

    rt: ResourceType
    path: ResourcePath
    verb: str

    @property
    def namespace(self) -> str:
        return self.path.namespace or ""

    @property
    def name(self) -> str:
        return self.path.name or ""


def decode_body(req: Request) -> object:
    ctype = req.content_type or "application/json"
    if ctype not in _BODY_TYPES:
        raise unsupported_media(_BODY_TYPES)
    try:
        if ctype.endswith("yaml"):
            return yaml.safe_load(req.body.decode() or "{}")
        return msgspec.json.decode(req.body or b"{}")
    except (msgspec.DecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from None


def _stale_write(err: StoreError) -> bool:
    """A write that lost a race with another writer (a controller), not a client mistake."""
    return (err.code == 409 and err.reason in ("Conflict", "AlreadyExists")
            and not (err.details or {}).get("causes"))


def _retrying(write: Callable[[], T], may_retry: bool = True) -> T:
    """Run a read-modify-write again when another writer got in between, as the API server
    does for patches and for unconditional updates."""
    attempt = 1
    while True:
        try:
            return write()
        except StoreError as err:
            if not may_retry or attempt >= _RETRIES or not _stale_write(err):
                raise
            attempt += 1


def _pins_version(patch_doc: object) -> bool:
    """True when the patch itself states the resourceVersion it applies to."""
    if isinstance(patch_doc, dict):
        return "resourceVersion" in (patch_doc.get("metadata") or {})
    if isinstance(patch_doc, list):
        return any(isinstance(op, dict) and op.get("path") == "/metadata/resourceVersion"
                   for op in patch_doc)
    return False


def _body_object(req: Request) -> dict:
    obj = decode_body(req)
    if not isinstance(obj, dict):
        raise bad_request("Object 'Kind' is missing in the request body: not an object")
    return obj


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


def _dry_run(req: Request, extra: object = None) -> bool:
    values = [v for v in (req.query.get("dryRun"),) if v]
    if isinstance(extra, list):
        values += [str(v) for v in extra]
    for v in values:
        if v != "All":
            raise StoreError(400, "BadRequest", f'Invalid dry run value: "{v}"')
    return bool(values)


def _manager(req: Request) -> str:
    name = req.query.get("fieldManager")
    if name:
        if len(name) > 128:
            raise StoreError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: '
                             "fieldManager: Too long: may not be longer than 128")
        return name
    return (req.headers.get("User-Agent") or "unknown").split("/")[0]


class ResourceHandlers:
    def __init__(self, cluster: FakeCluster, stopping: threading.Event,
                 bookmark_interval: float) -> None:
        self.cluster = cluster
        self.stopping = stopping
        self.bookmark_interval = bookmark_interval
        self.lister = Lister(cluster.store)

    # -- helpers ---------------------------------------------------------------------------

    def is_crd(self, rt: ResourceType) -> bool:
        return rt.key not in _BUILTIN_KEYS

    def _with_status(self, rt: ResourceType) -> bool:
        return "status" not in rt.subresources

    def _table(self, req: Request, rt: ResourceType, objects: list[dict], metadata: dict,
               version: str) -> dict:
        include = req.query.get("includeObject") or "Metadata"
        if include not in ("None", "Metadata", "Object"):
            raise bad_request(f'includeObject: Unsupported value: "{include}": supported values: '
                              '"None", "Metadata", "Object"')
        return tables.build(rt, objects, self.cluster.clock.now(), include, version,
                            self.is_crd(rt), metadata)

    def _check_body_identity(self, t: Target, obj: dict, name_required: bool) -> dict:
        meta = _meta(obj)
        api_version = obj.get("apiVersion")
        if api_version and api_version != t.rt.api_version:
            raise bad_request(f"the API version in the data ({api_version}) does not match the "
                              f"expected API version ({t.rt.api_version})")
        if t.rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != t.namespace:
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
            meta["namespace"] = t.namespace
        if name_required:
            if meta.get("name") and meta["name"] != t.name:
                raise bad_request(f"the name of the object ({meta['name']}) does not match the "
                                  f"name on the URL ({t.name})")
            meta["name"] = t.name
        return meta

    def _crd(self, rt: ResourceType) -> dict | None:
        if not self.is_crd(rt):
            return None
        return self.cluster.store.get(self.cluster.type_for("customresourcedefinitions"), "",
                                      f"{rt.plural}.{rt.group}")

    # -- dispatch --------------------------------------------------------------------------

    def handle(self, ex: Exchange, req: Request, t: Target, fault: Fault | None) -> None:
        sub = t.path.subresource
        if sub == "log" and t.rt.plural == "pods" and t.verb == "get":
            serve_logs(ex, req, self.cluster, t.namespace, t.name, self.stopping)
            return
        if sub == "eviction" and t.rt.plural == "pods":
            self._evict(ex, req, t)
            return
        if sub not in (None, "status", "scale", "finalize"):
            raise not_allowed()
        handler = getattr(self, "_" + t.verb, None)
        if handler is None:
            raise not_allowed()
        if t.verb == "watch":
            self._watch(ex, req, t, fault)
            return
        handler(ex, req, t)

    # -- reads -----------------------------------------------------------------------------

    def _get(self, ex: Exchange, req: Request, t: Target) -> None:
        obj = self.cluster.get(t.rt, t.namespace, t.name)
        if t.path.subresource == "scale":
            ex.respond_json(200, to_scale(obj, scale_paths(self._crd(t.rt), t.rt.version)))
            return
        version = tables.negotiate(req.accept)
        if version:
            meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
            ex.respond_json(200, self._table(req, t.rt, [obj], meta, version))
            return
        ex.respond_json(200, obj)

    def _list(self, ex: Exchange, req: Request, t: Target) -> None:
        q = req.query
        label, field = q.get("labelSelector", ""), q.get("fieldSelector", "")
        rv, match = q.get("resourceVersion", ""), q.get("resourceVersionMatch", "")
        token = q.get("continue", "")
        try:
            limit = int(q.get("limit") or 0)
        except ValueError:
            raise bad_request(f'limit: Invalid value: "{q.get("limit")}"') from None
        self._check_list_rv(rv, match, token)
        namespace = t.path.namespace

        def list_all() -> tuple[list[dict], int]:
            return self.cluster.list(t.rt, namespace, label or None, field or None)

        page = self.lister.page(t.rt, namespace, (label, field), limit, token, list_all)
        meta: dict = {"resourceVersion": str(page.resource_version)}
        if page.continue_token:
            meta["continue"] = page.continue_token
            if page.remaining is not None:
                meta["remainingItemCount"] = page.remaining
        version = tables.negotiate(req.accept)
        if version:
            ex.respond_json(200, self._table(req, t.rt, page.items, meta, version))
            return
        ex.respond_json(200, {"kind": t.rt.kind + "List", "apiVersion": t.rt.api_version,
                              "metadata": meta, "items": page.items})

    def _check_list_rv(self, rv: str, match: str, token: str) -> None:
        if match and not rv:
            raise StoreError(422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: '
                             "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden "
                             "unless resourceVersion is provided")
        if token and rv and rv != "0":
            raise StoreError(422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: '
                             "resourceVersion: Forbidden: specifying resource version is not "
                             "allowed when using continue")
        if not rv or rv == "0":
            return
        try:
            wanted = int(rv)
        except ValueError:
            raise bad_request(f'resourceVersion: Invalid value: "{rv}": must be an '
                              "integer") from None
        current = self.cluster.store.resource_version
        if wanted > current:
            raise StoreError(504, "Timeout", f"Too large resource version: {wanted}, current: "
                             f"{current}", {"causes": [{"reason": "ResourceVersionTooLarge",
                                                        "message": "Too large resource version"}],
                                            "retryAfterSeconds": 1})
        if match == "Exact" and wanted != current:
            raise StoreError(410, "Expired", f"too old resource version: {wanted} ({current})")

    def _watch(self, ex: Exchange, req: Request, t: Target, fault: Fault | None) -> None:
        q = req.query
        field = q.get("fieldSelector") or None
        if t.path.name:
            by_name = f"metadata.name={t.path.name}"
            field = f"{field},{by_name}" if field else by_name
        rv = q.get("resourceVersion", "")
        initial_raw = q.get("sendInitialEvents")
        initial = None if initial_raw is None else req.flag("sendInitialEvents")
        try:
            since = int(rv) if rv and rv != "0" and not initial else None
        except ValueError:
            raise bad_request(f'resourceVersion: Invalid value: "{rv}": must be an '
                              "integer") from None
        try:
            timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else None
        except ValueError:
            raise bad_request(f'timeoutSeconds: Invalid value: "{q["timeoutSeconds"]}"') from None
        opts = WatchOptions(t.path.namespace, q.get("labelSelector") or None, field, since,
                            req.flag("allowWatchBookmarks"), initial, timeout)
        version = tables.negotiate(req.accept)

        def render(obj: dict) -> object:
            if not version:
                return obj
            meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")}
            return self._table(req, t.rt, [obj], meta, version)

        WatchStream(self.cluster, t.rt, opts, render, self.bookmark_interval,
                    self.stopping).serve(ex, fault)

    # -- writes ----------------------------------------------------------------------------

    def _create(self, ex: Exchange, req: Request, t: Target) -> None:
        if t.path.name:
            raise not_allowed()
        obj = _body_object(req)
        self._check_body_identity(t, obj, name_required=False)
        dry = _dry_run(req)
        record_update(None, obj, _manager(req), t.rt.api_version, self.cluster.clock.now(),
                      with_status=self._with_status(t.rt))
        ex.respond_json(201, self.cluster.create(t.rt, obj, dry_run=dry))

    def _update(self, ex: Exchange, req: Request, t: Target) -> None:
        obj = _body_object(req)
        dry = _dry_run(req)
        sub = t.path.subresource
        if sub == "scale":
            replicas = (obj.get("spec") or {}).get("replicas", 0)
            sent_rv = _meta(obj).get("resourceVersion")
            ex.respond_json(200, self._write_scale(req, t, lambda _s: replicas, sent_rv, dry))
            return
        self._check_body_identity(t, obj, name_required=True)
        live = self.cluster.get(t.rt, t.namespace, t.name)
        if sub == "finalize":
            new = clone(live)
            new.setdefault("spec", {})["finalizers"] = (obj.get("spec") or {}).get(
                "finalizers") or []
            ex.respond_json(200, self.cluster.update(t.rt, new, dry_run=dry))
            return
        if sub == "status":
            ex.respond_json(200, self.cluster.update(t.rt, obj, subresource="status",
                                                     dry_run=dry))
            return
        record_update(live, obj, _manager(req), t.rt.api_version, self.cluster.clock.now(),
                      with_status=self._with_status(t.rt))
        ex.respond_json(200, self.cluster.update(t.rt, obj, dry_run=dry))

    def _write_scale(self, req: Request, t: Target, replicas_of, sent_rv: str | None,
                     dry: bool) -> dict:
        paths = scale_paths(self._crd(t.rt), t.rt.version)

        def write() -> dict:
            live = self.cluster.get(t.rt, t.namespace, t.name)
            if sent_rv and sent_rv != live["metadata"].get("resourceVersion"):
                raise StoreError(409, "Conflict", f'Operation cannot be fulfilled on '
                                 f'{t.rt.plural}{"." + t.rt.group if t.rt.group else ""} '
                                 f'"{t.name}": the object has been modified; please apply your '
                                 "changes to the latest version and try again",
                                 {"name": t.name, "group": t.rt.group, "kind": t.rt.plural})
            replicas = replicas_of(to_scale(live, paths))
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise StoreError(422, "Invalid", f'Scale.autoscaling "{t.name}" is invalid: '
                                 f"spec.replicas: Invalid value: {replicas}: must be greater "
                                 "than or equal to 0")
            new = with_replicas(live, replicas, paths[0])
            record_update(live, new, _manager(req), t.rt.api_version, self.cluster.clock.now(),
                          with_status=self._with_status(t.rt), subresource="scale")
            return to_scale(self.cluster.update(t.rt, new, dry_run=dry), paths)

        return _retrying(write, may_retry=not sent_rv)

    def _patch(self, ex: Exchange, req: Request, t: Target) -> None:
        ctype = req.content_type
        accepted = _PATCH_TYPES if not self.is_crd(t.rt) else tuple(
            p for p in _PATCH_TYPES if "strategic" not in p)
        if ctype not in accepted:
            raise unsupported_media(accepted)
        dry = _dry_run(req)
        if ctype == "application/apply-patch+yaml":
            if t.path.subresource:
                raise unsupported_media(tuple(p for p in accepted if "apply" not in p))
            self._apply(ex, req, t, dry)
            return
        patch_doc = self._patch_document(req)
        patcher = _PATCHERS[ctype]
        sub = t.path.subresource
        if sub == "scale":
            def replicas_of(scale: dict) -> object:
                return (self._patched(patcher, scale, patch_doc).get("spec") or {}).get(
                    "replicas")
            ex.respond_json(200, self._write_scale(req, t, replicas_of, None, dry))
            return
        def write() -> dict:
            live = self.cluster.get(t.rt, t.namespace, t.name)
            new = self._patched(patcher, live, patch_doc)
            meta = _meta(new)
            meta["name"] = t.name
            if t.rt.namespaced:
                meta["namespace"] = t.namespace
            if sub == "status":
                return self.cluster.update(t.rt, new, subresource="status", dry_run=dry)
            record_update(live, new, _manager(req), t.rt.api_version, self.cluster.clock.now(),
                          with_status=self._with_status(t.rt))
            return self.cluster.update(t.rt, new, dry_run=dry)

        ex.respond_json(200, _retrying(write, may_retry=not _pins_version(patch_doc)))

    @staticmethod
    def _patch_document(req: Request) -> object:
        try:
            return msgspec.json.decode(req.body or b"null")
        except msgspec.DecodeError as exc:
            raise bad_request(f"error decoding patch: {exc}") from None

    @staticmethod
    def _patched(patcher, doc: dict, patch_doc: object) -> dict:
        if patcher is not json_patch and not isinstance(patch_doc, dict):
            raise bad_request("the patch must be a JSON object")
        try:
            out = patcher(doc, patch_doc)
        except PatchError as exc:
            raise StoreError(422, "Invalid", "the server rejected our request due to an error "
                             "in our request", {"causes": [{"reason": "UnexpectedServerResponse",
                                                            "message": str(exc)}]}) from None
        if not isinstance(out, dict):
            raise StoreError(422, "Invalid", "the server rejected our request due to an error "
                             "in our request")
        return clone(out)

    def _apply(self, ex: Exchange, req: Request, t: Target, dry: bool) -> None:
        manager = req.query.get("fieldManager")
        if not manager:
            raise StoreError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: '
                             "fieldManager: Required value: is required for apply patch",
                             {"group": "meta.k8s.io", "kind": "PatchOptions",
                              "causes": [{"reason": "FieldValueRequired",
                                          "message": "Required value: is required for apply "
                                                     "patch", "field": "fieldManager"}]})
        try:
            config = yaml.safe_load(req.body.decode() or "")
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise bad_request(f"error decoding YAML: {exc}") from None
        if not isinstance(config, dict):
            raise bad_request("error decoding YAML: the apply patch must be an object")
        if not config.get("apiVersion") or not config.get("kind"):
            raise bad_request("Object 'Kind' is missing in apply patch")
        if config.get("kind") != t.rt.kind:
            raise bad_request(f"the kind of the object ({config.get('kind')}) does not match the "
                              f"kind on the URL ({t.rt.kind})")
        self._check_body_identity(t, config, name_required=True)
        force = req.flag("force")
        now = self.cluster.clock.now()
        with_status = self._with_status(t.rt)
        def write() -> tuple[int, dict]:
            live = self.cluster.store.get(t.rt, t.namespace, t.name)
            obj = server_side_apply(live, config, manager, t.rt.api_version, now, force=force,
                                    with_status=with_status)
            if live is None:
                return 201, self.cluster.create(t.rt, obj, dry_run=dry)
            _meta(obj)["resourceVersion"] = live["metadata"].get("resourceVersion")
            return 200, self.cluster.update(t.rt, obj, dry_run=dry)

        code, out = _retrying(write)
        ex.respond_json(code, out)

    # -- deletes ---------------------------------------------------------------------------

    def _delete_options(self, req: Request) -> tuple[str | None, int | None, bool, dict]:
        opts = _body_object(req) if req.body else {}
        q = req.query
        propagation = opts.get("propagationPolicy") or q.get("propagationPolicy") or None
        orphan = opts.get("orphanDependents", q.get("orphanDependents"))
        if propagation is None and orphan is not None:
            propagation = "Orphan" if str(orphan).lower() == "true" else "Background"
        if propagation not in (None, "Orphan", "Background", "Foreground"):
            raise StoreError(422, "Invalid", 'DeleteOptions.meta.k8s.io "" is invalid: '
                             f'propagationPolicy: Unsupported value: "{propagation}": supported '
                             'values: "Foreground", "Background", "Orphan", "nil"')
        grace = opts.get("gracePeriodSeconds", q.get("gracePeriodSeconds"))
        try:
            grace = int(grace) if grace is not None else None
        except ValueError:
            raise bad_request(f'gracePeriodSeconds: Invalid value: "{grace}"') from None
        dry = _dry_run(req, opts.get("dryRun"))
        return propagation, grace, dry, opts.get("preconditions") or {}

    def _delete_one(self, rt: ResourceType, namespace: str, name: str, propagation: str | None,
                    grace: int | None, dry: bool, preconditions: dict) -> dict:
        live = self.cluster.get(rt, namespace, name)
        meta = live["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            want = preconditions.get(field)
            if want and want != meta.get(field):
                raise StoreError(409, "Conflict", f"Precondition failed: {label} in "
                                 f"precondition: {want}, {label} in object meta: "
                                 f"{meta.get(field)}",
                                 {"name": name, "group": rt.group, "kind": rt.plural})
        result = self.cluster.delete(rt, namespace, name, propagation=propagation,
                                     grace_seconds=grace, dry_run=dry)
        still = self.cluster.store.get(rt, namespace, name)
        if (still is not None and not dry) or rt.plural in _RETURN_DELETED:
            return still if still is not None and not dry else result
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": rt.group, "kind": rt.plural,
                            "uid": meta.get("uid", "")}}

    def _evict(self, ex: Exchange, req: Request, t: Target) -> None:
        """policy/v1 Eviction: a graceful delete with the eviction's delete options.
        PodDisruptionBudgets are not consulted."""
        body = _body_object(req)
        name = _meta(body).get("name")
        if name and name != t.name:
            raise bad_request(f"name in URL does not match name in Eviction object: {t.name}, "
                              f"{name}")
        opts = body.get("deleteOptions") or {}
        dry = _dry_run(req, opts.get("dryRun"))
        self._delete_one(t.rt, t.namespace, t.name, opts.get("propagationPolicy"),
                         opts.get("gracePeriodSeconds"), dry, opts.get("preconditions") or {})
        ex.respond_json(201, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                              "status": "Success", "code": 201})

    def _delete(self, ex: Exchange, req: Request, t: Target) -> None:
        if t.path.subresource:
            raise not_allowed()
        propagation, grace, dry, pre = self._delete_options(req)
        ex.respond_json(200, self._delete_one(t.rt, t.namespace, t.name, propagation, grace,
                                              dry, pre))

    def _deletecollection(self, ex: Exchange, req: Request, t: Target) -> None:
        propagation, grace, dry, pre = self._delete_options(req)
        q = req.query
        items, rv = self.cluster.list(t.rt, t.path.namespace, q.get("labelSelector") or None,
                                      q.get("fieldSelector") or None)
        deleted = []
        for obj in items:
            meta = obj["metadata"]
            try:
                self._delete_one(t.rt, meta.get("namespace", ""), meta["name"], propagation,
                                 grace, dry, pre)
            except StoreError as err:
                if err.code != 404:
                    raise
                continue
            deleted.append(obj)
        ex.respond_json(200, {"kind": t.rt.kind + "List", "apiVersion": t.rt.api_version,
                              "metadata": {"resourceVersion": str(rv)}, "items": deleted})
