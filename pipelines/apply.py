"""Server-side apply of rendered documents, in an order the cluster can take them.

Each document is sent as PATCH `application/apply-patch+yaml` with `fieldManager=kubedeck`
and `force=true`: the API server merges it field by field and records kubedeck as the owner
of exactly the fields the pipeline renders, so fields other actors own (an HPA's replicas,
an annotation someone added with kubectl) are left alone and a field the templates stop
rendering is removed. `force=true` because the pipeline is the source of truth for the
fields it renders: a conflict with a manual `kubectl edit` or `kubectl scale` would otherwise
stop every deploy until someone resolves it by hand, which is what CI cannot do.

Every document is first sent as a server dry run, so the API server's own validation (and
admission) judges all of them before any is persisted: a 422 on the Ingress never leaves the
Deployment rolling out a release that will not be reachable. Then they are applied one at a
time, and should one still be refused the rest are not sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource, Discovery
from kubedeck.kube.errors import ApiError, KubedeckError
from pipelines.events import CancelToken, Emit, LogLine, Stage, StageProgress
from pipelines.staged import Failure

APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
FIELD_MANAGER = "kubedeck"

# Helm's install order, shortened: what others refer to goes first.
_ORDER = ("Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget",
          "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume",
          "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
          "ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet", "Pod",
          "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job",
          "CronJob", "IngressClass", "Ingress")


@dataclass(frozen=True)
class Applied:
    """One applied document: what it is, and the object the server answered with."""

    resource: APIResource
    name: str
    namespace: str | None
    object: dict

    @property
    def kind(self) -> str:
        return self.resource.kind

    def describe(self) -> str:
        """`deployment.apps/web`, as kubectl names it in its output."""
        return f"{self.resource.group_kind.lower()}/{self.name}"


def describe_doc(doc: dict) -> str:
    """`Deployment/web` for messages about a document that may not have been applied."""
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind', '?')}/{meta.get('name', '?')}"


def resource_for(discovery: Discovery, doc: dict) -> APIResource:
    """The served resource of a document's apiVersion and kind (discovery refreshed once,
    for a CRD created since it was cached)."""
    api_version = str(doc.get("apiVersion") or "")
    kind = str(doc.get("kind") or "")
    group, _, version = api_version.rpartition("/")

    def find() -> APIResource | None:
        return next((r for r in discovery.resources()
                     if r.group == group and r.version == version and r.kind == kind), None)

    found = find()
    if found is None:
        discovery.refresh()
        found = find()
    if found is None:
        raise Failure(f"cannot apply {describe_doc(doc)}: the cluster serves no kind {kind} in "
                      f"apiVersion {api_version}",
                      "check the manifest's apiVersion and kind, or install the CRD first")
    return found


def ordered(docs: Iterable[dict]) -> list[dict]:
    """Documents in install order (kinds others depend on first), stable otherwise."""
    rank = {kind: i for i, kind in enumerate(_ORDER)}
    return sorted(docs, key=lambda d: rank.get(str(d.get("kind")), len(_ORDER)))


def _decode(conn: Connection, resp) -> dict:
    data = conn.read(resp)
    return msgspec.json.decode(data) if data else {}


def patch(conn: Connection, path: str, body: object, content_type: str, *,
          dry_run: bool = False, force: bool = False) -> dict:
    """One PATCH with kubedeck as field manager; the object the server answered with."""
    query: dict[str, object] = {"fieldManager": FIELD_MANAGER}
    if force:
        query["force"] = True
    if dry_run:
        query["dryRun"] = "All"
    resp = conn.request("PATCH", path, query=query, body=body, content_type=content_type)
    return _decode(conn, resp)


def server_side_apply(conn: Connection, resource: APIResource, doc: dict, namespace: str | None,
                      *, dry_run: bool = False) -> dict:
    """Apply one document (its namespace set for namespaced kinds); the live object."""
    meta = doc.get("metadata") or {}
    name = str(meta.get("name") or "")
    body = dict(doc)
    if resource.namespaced:
        body["metadata"] = {**meta, "namespace": namespace}
    return patch(conn, resource.path(namespace, name), body, APPLY_PATCH, dry_run=dry_run,
                 force=True)


NAMESPACES = APIResource(group="", version="v1", name="namespaces", singular="namespace",
                         kind="Namespace", namespaced=False)


def ensure_namespace(conn: Connection, namespace: str, emit: Emit, stage: Stage, *,
                     dry_run: bool = False) -> bool:
    """Create the namespace if it is missing; True when it exists (a dry run creates
    nothing, so then False)."""
    try:
        conn.get(NAMESPACES.path(None, namespace))
        return True
    except ApiError as exc:
        if exc.code != 404:
            raise
    doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    server_side_apply(conn, NAMESPACES, doc, None, dry_run=dry_run)
    emit(LogLine(stage, f"namespace/{namespace} serverside-applied"
                        + (" (server dry run)" if dry_run else " (created)"), "apply"))
    return not dry_run


def apply_documents(conn: Connection, discovery: Discovery, docs: Iterable[dict],
                    namespace: str, emit: Emit, cancel: CancelToken, *, stage: Stage = "deploy",
                    dry_run: bool = False) -> list[Applied]:
    """Apply every document in install order into `namespace` (created if missing); a
    rejection raises Failure naming the document and the server's reason, and nothing after
    it is applied. With `dry_run` the server validates and defaults but persists nothing."""
    docs = ordered(docs)
    targets = [(resource_for(discovery, d), d) for d in docs]
    exists = True
    if any(r.namespaced for r, _ in targets):
        exists = ensure_namespace(conn, namespace, emit, stage, dry_run=dry_run)
    if not dry_run:
        for resource, doc in targets:  # the server's validation of everything, first
            cancel.check()
            ns = namespace if resource.namespaced else None
            try:
                server_side_apply(conn, resource, doc, ns, dry_run=True)
            except ApiError as exc:
                raise _rejected(exc, doc, ns, []) from None
    applied: list[Applied] = []
    for resource, doc in targets:
        cancel.check()
        name = str((doc.get("metadata") or {}).get("name") or "")
        ns = namespace if resource.namespaced else None
        label = f"{resource.group_kind.lower()}/{name}"
        if dry_run and not exists and resource.namespaced:
            emit(LogLine(stage, f"{label} not checked by the server: namespace {namespace} "
                                "does not exist yet", "apply"))
            continue
        try:
            live = server_side_apply(conn, resource, doc, ns, dry_run=dry_run)
        except ApiError as exc:
            raise _rejected(exc, doc, ns, applied) from None
        applied.append(Applied(resource, name, ns, live))
        emit(LogLine(stage, f"{label} serverside-applied" + (" (server dry run)" if dry_run
                                                             else ""), "apply"))
        emit(StageProgress(stage, f"{len(applied)}/{len(targets)} applied",
                           len(applied) / len(targets)))
    return applied


def _rejected(exc: ApiError, doc: dict, namespace: str | None,
              applied: list[Applied]) -> KubedeckError:
    where = f' in namespace "{namespace}"' if namespace else ""
    detail = exc.message.removeprefix("error: ")
    done = (f"{len(applied)} document(s) before it were applied, none after it"
            if applied else "nothing was applied")
    if exc.code == 422:
        return Failure(f"apply {describe_doc(doc)}{where} rejected: {detail}",
                       f"fix the manifest (template or values); {done}")
    if exc.code == 409:
        return Failure(f"apply {describe_doc(doc)}{where} conflicted: {detail}",
                       f"retry the deploy; {done}")
    return Failure(f"apply {describe_doc(doc)}{where} failed: {detail}", done)
