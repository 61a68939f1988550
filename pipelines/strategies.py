"""Deploying rendered manifests by the pipeline's strategy: rolling, recreate or blue-green.

`deploy` is the one entry point the runner calls. Rolling and recreate let the Deployment
controller do the work (server-side apply, then watch the rollout); they differ only in the
Deployment's `spec.strategy`, which recreate sets so the controller removes every old pod
before it starts a new one. When a rollout fails (or is cancelled) and `rollbackOnFailure` is
set, each Deployment is undone to the revision it had before this deploy, as `kubectl rollout
undo` would, and the rollback is waited for, so the cluster ends where it started. Blue-green
lives in pipelines.bluegreen.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import ApiError, KubedeckError
from pipelines.apply import JSON_PATCH, apply_documents, ensure_namespace, patch
from pipelines.events import Cancelled, CancelToken, Emit, LogLine
from pipelines.lock import DeployLock, holding
from pipelines.rollout import wait_rollouts
from pipelines.spec import PipelineSpec, TargetSpec
from pipelines.staged import Failure, staged
from pipelines.undo import revision_of, undo

RECREATE = {"type": "Recreate"}


@dataclass(frozen=True)
class DeployOutcome:
    """What a deploy did. `live_color` and `state` are set by blue-green."""

    strategy: str
    namespace: str
    applied: tuple[str, ...] = ()
    deployments: tuple[str, ...] = ()
    dry_run: bool = False
    live_color: str | None = None
    state: str | None = None
    message: str = ""


def is_deployment(doc: dict) -> bool:
    return doc.get("kind") == "Deployment" and str(doc.get("apiVersion", "")).startswith("apps/")


def deployments_in(docs: Sequence[dict]) -> list[dict]:
    return [d for d in docs if is_deployment(d)]


def deploy(conn: Connection, discovery: Discovery, spec: PipelineSpec, target: TargetSpec,
           docs: Sequence[dict], emit: Emit, cancel: CancelToken, *, dry_run: bool = False,
           lock: DeployLock | None = None) -> DeployOutcome:
    """Apply `docs` to the target's namespace and roll them out by `spec.deploy.strategy`.

    Emits the deploy and rollout stages (blue-green also promote and cleanup) and raises
    StageError (already reported; exit 1) or Cancelled. The app's deploy lock is taken here
    unless the caller passes the one it holds."""
    strategy = spec.deploy.strategy
    if strategy == "bluegreen":
        from pipelines.bluegreen import deploy_bluegreen

        return deploy_bluegreen(conn, discovery, spec, target, docs, emit, cancel,
                                dry_run=dry_run, lock=lock)
    return deploy_replacing(conn, discovery, spec, target.namespace, docs, emit, cancel,
                            recreate=strategy == "recreate", dry_run=dry_run, lock=lock)


# -- rolling and recreate ------------------------------------------------------------------------

def _live(conn: Connection, discovery: Discovery, namespace: str, name: str) -> dict | None:
    resource = discovery.resolve("deployments.apps")
    try:
        return msgspec.json.decode(conn.get(resource.path(namespace, name)))
    except ApiError as exc:
        if exc.code == 404:
            return None
        raise


def _switch_to_recreate(conn: Connection, discovery: Discovery, namespace: str,
                        live: dict, emit: Emit, dry_run: bool) -> None:
    """Replace a live RollingUpdate strategy with Recreate before applying. Server-side
    apply alone cannot: the defaulted `rollingUpdate` block belongs to no field manager, so
    it would stay and the API server rejects Recreate with it (kubernetes#24198)."""
    name = (live.get("metadata") or {}).get("name", "")
    resource = discovery.resolve("deployments.apps")
    patch(conn, resource.path(namespace, name),
          [{"op": "replace", "path": "/spec/strategy", "value": RECREATE}], JSON_PATCH,
          dry_run=dry_run)
    emit(LogLine("deploy", f"deployment.apps/{name} strategy set to Recreate"
                 + (" (server dry run)" if dry_run else ""), "apply"))


def _prepare_recreate(conn: Connection, discovery: Discovery, namespace: str,
                      docs: Sequence[dict], live: dict[str, dict | None], emit: Emit,
                      dry_run: bool) -> list[dict]:
    out = []
    for doc in docs:
        if not is_deployment(doc):
            out.append(doc)
            continue
        doc = copy.deepcopy(doc)
        name = (doc.get("metadata") or {}).get("name", "")
        current = live.get(name)
        switching = current is not None and \
            ((current.get("spec") or {}).get("strategy") or {}).get("type") != "Recreate"
        if switching:
            _switch_to_recreate(conn, discovery, namespace, current, emit, dry_run)
        if switching and dry_run:
            doc["spec"].pop("strategy", None)  # the live object keeps its strategy in a dry run
        else:
            doc.setdefault("spec", {})["strategy"] = dict(RECREATE)
        out.append(doc)
    return out


def deploy_replacing(conn: Connection, discovery: Discovery, spec: PipelineSpec,
                     namespace: str, docs: Sequence[dict], emit: Emit, cancel: CancelToken,
                     *, recreate: bool = False, dry_run: bool = False,
                     lock: DeployLock | None = None) -> DeployOutcome:
    """The rolling and recreate strategies."""
    strategy = "recreate" if recreate else "rolling"
    targets = deployments_in(docs)
    names = [(d.get("metadata") or {}).get("name", "") for d in targets]
    with ExitStack() as stack:
        with staged(emit, "deploy", strategy) as out:
            ensure_namespace(conn, namespace, emit, "deploy", dry_run=dry_run)
            held = stack.enter_context(holding(conn, namespace, spec.app, lock,
                                               dry_run=dry_run))
            live = {n: _live(conn, discovery, namespace, n) for n in names}
            before = {n: (revision_of(d) if d is not None else None) for n, d in live.items()}
            if recreate:
                docs = _prepare_recreate(conn, discovery, namespace, docs, live, emit, dry_run)
            applied = apply_documents(conn, discovery, docs, namespace, emit, cancel,
                                      dry_run=dry_run)
            out.detail = f"{len(applied)} object(s) applied" + (" (dry run)" if dry_run else "")
        outcome = DeployOutcome(strategy, namespace, tuple(a.describe() for a in applied),
                                tuple(names), dry_run)
        if dry_run or not targets:
            return outcome
        with staged(emit, "rollout", ", ".join(names)) as out:
            rolled = [a.object for a in applied if is_deployment(a.object)]
            try:
                if held is not None:
                    held.check()
                wait_rollouts(conn, discovery, namespace, rolled, timeout=spec.deploy.timeout,
                              emit=emit, cancel=cancel, exclusive=recreate)
            except Cancelled:
                if spec.deploy.rollback_on_failure:
                    _undo_all(conn, discovery, namespace, before, emit)
                raise
            except Failure as failure:
                if not spec.deploy.rollback_on_failure:
                    raise Failure(failure.reason, failure.hint + "; rollbackOnFailure is off, "
                                  "so the failed revision was left in place", failure.logs) from None
                report = _roll_back(conn, discovery, spec, namespace, before, emit, cancel)
                raise Failure(failure.reason, f"{failure.hint}; {report}", failure.logs) from None
            out.detail = f"{len(rolled)} deployment(s) rolled out"
        return outcome


def _undo_all(conn: Connection, discovery: Discovery, namespace: str,
              before: dict[str, int | None], emit: Emit) -> list[tuple[str, str]]:
    """Send each Deployment back to its pre-deploy revision; (name, what happened) for each.
    Deployments this deploy created have nothing to go back to and are left as they are."""
    done = []
    for name, revision in before.items():
        if revision is None:
            message = (f'deployment "{name}" was created by this deploy: there is no previous '
                       "revision to roll back to, so it was left as it is (no Service had "
                       "healthy pods from it before either)")
        elif revision == 0:
            message = f'deployment "{name}" had no recorded revision: nothing to roll back to'
        else:
            try:
                message = undo(conn, discovery, namespace, name, revision)
            except KubedeckError as exc:
                message = f'rolling deployment "{name}" back failed: {exc.message}'
        emit(LogLine("rollout", message, "rollback"))
        done.append((name, message))
    return done


def _roll_back(conn: Connection, discovery: Discovery, spec: PipelineSpec, namespace: str,
               before: dict[str, int | None], emit: Emit, cancel: CancelToken) -> str:
    """Undo every Deployment to its previous revision and wait for those rollouts; one
    sentence on the result for the failure's hint."""
    results = _undo_all(conn, discovery, namespace, before, emit)
    rolled = [name for name, message in results if "rolled back to revision" in message]
    failed = [message for _, message in results if "back failed" in message]
    left = [name for name, message in results if "created by this deploy" in message]
    if failed:
        return f"the rollback failed: {failed[0]}"
    if not rolled:
        if left:
            return (f"nothing to roll back to: {', '.join(left)} had no earlier revision and "
                    "was left as it is")
        return "no Deployment had changed, so nothing was rolled back"
    waiting = [d for d in (_live(conn, discovery, namespace, n) for n in rolled) if d]
    try:
        wait_rollouts(conn, discovery, namespace, waiting, timeout=spec.deploy.timeout,
                      emit=emit, cancel=cancel)
    except Failure as again:
        return f"rolled back to the previous revision, but that rollout failed too: {again.reason}"
    revisions = ", ".join(f"{n} to revision {before[n]}" for n in rolled)
    return f"rolled back ({revisions}) and the previous revision is available again"
