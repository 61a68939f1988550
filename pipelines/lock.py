"""One deploy of an app at a time, across machines: a coordination.k8s.io/v1 Lease named
`kubedeck-<app>` in the target namespace.

The Lease is the cluster's own lock primitive (kube-scheduler and controller leader election
use it): a holder identity, when it was acquired and last renewed, and how long a renewal
counts. Taking it is an optimistic write (create, or update with the resourceVersion read),
so two runs racing for it cannot both win; the holder renews it from a thread while it runs,
and a run that died stops renewing, so its lock expires by itself instead of blocking deploys
until someone deletes it by hand.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import ApiError, KubedeckError
from kubedeck.kube.humanize import human_duration, parse_rfc3339
from pipelines.apply import FIELD_MANAGER, MERGE_PATCH, ensure_namespace, patch
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.spec import PipelineSpec, TargetSpec

LEASE_SECONDS = 30
MANAGED_BY = {"app.kubernetes.io/managed-by": "kubedeck"}
LEASES = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"

# Locks held, by (server, namespace, app, thread): the runner takes the lock around a whole
# run and the strategy it calls asks again; the same thread gets the lock it already holds,
# any other thread (a second run in the same TUI) competes for it like another machine.
_held: dict[tuple[str, str, str, int], DeployLock] = {}
_held_guard = threading.Lock()


def lease_name(app: str) -> str:
    return f"kubedeck-{app}"


def default_holder() -> str:
    """`user@host pid N` plus a random suffix, so two runs in one process differ too."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    ci = os.environ.get("GITHUB_RUN_ID")
    where = f" (GitHub run {ci})" if ci else ""
    return f"{user}@{socket.gethostname()} pid {os.getpid()}{where} #{secrets.token_hex(3)}"


def _micro(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")




class LockHeld(KubedeckError):
    """Another run holds the app's deploy lock."""


class DeployLock:
    """The deploy lock of one app in one namespace. `acquire()` or use as a context manager;
    `check()` between steps raises if the lock was lost (renewals failed past expiry)."""

    def __init__(self, conn: Connection, namespace: str, app: str, *,
                 holder: str | None = None, lease_seconds: int = LEASE_SECONDS,
                 clock=time.time) -> None:
        self.conn = conn
        self.namespace = namespace
        self.app = app
        self.name = lease_name(app)
        self.holder = holder or default_holder()
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._collection = LEASES.format(namespace=namespace)
        self._rv = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost: str | None = None
        self.held = False
        self._owner: tuple[str, str, str, int] | None = None

    @property
    def path(self) -> str:
        return f"{self._collection}/{self.name}"

    def _where(self) -> str:
        return f'lease "{self.name}" in namespace "{self.namespace}"'

    # -- taking and giving back -------------------------------------------------------------

    def acquire(self) -> DeployLock:
        """Take the lock or raise LockHeld naming the holder and since when."""
        for _ in range(3):
            try:
                live = msgspec.json.decode(self.conn.get(self.path))
            except ApiError as exc:
                if exc.code != 404:
                    raise
                if self._create():
                    return self._started()
                continue
            self._refuse_if_held(live)
            if self._take_over(live):
                return self._started()
        raise LockHeld(f"cannot take the deploy lock ({self._where()}): other runs keep "
                       "changing it - try again in a moment")

    def _lease(self, now: float, transitions: int) -> dict:
        return {"holderIdentity": self.holder, "leaseDurationSeconds": self.lease_seconds,
                "acquireTime": _micro(now), "renewTime": _micro(now),
                "leaseTransitions": transitions}

    def _create(self) -> bool:
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace,
                             "labels": MANAGED_BY},
                "spec": self._lease(self.clock(), 0)}
        try:
            resp = self.conn.request("POST", self._collection,
                                     query={"fieldManager": FIELD_MANAGER}, body=body,
                                     content_type="application/json")
        except ApiError as exc:
            if exc.code == 409:  # someone created it first: read it again
                return False
            raise
        self._remember(resp)
        return True

    def _refuse_if_held(self, live: dict) -> None:
        spec = live.get("spec") or {}
        holder = spec.get("holderIdentity")
        if not holder or holder == self.holder:
            return
        now = self.clock()
        renewed = parse_rfc3339(spec.get("renewTime")) or parse_rfc3339(spec.get("acquireTime")) or 0.0
        duration = int(spec.get("leaseDurationSeconds") or self.lease_seconds)
        if renewed + duration <= now:
            return  # its holder stopped renewing: expired
        since = spec.get("acquireTime") or spec.get("renewTime") or "an unknown time"
        raise LockHeld(
            f'app "{self.app}" is already being deployed by {holder} since {since} '
            f"({self._where()}, renewed {human_duration(max(now - renewed, 0))} ago) - wait "
            f"for that run to finish; if it died, its lock expires {duration}s after its last "
            "renewal")

    def _take_over(self, live: dict) -> bool:
        meta, spec = live.get("metadata") or {}, live.get("spec") or {}
        transitions = int(spec.get("leaseTransitions") or 0)
        if spec.get("holderIdentity") != self.holder:
            transitions += 1
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {**meta, "labels": {**(meta.get("labels") or {}), **MANAGED_BY}},
                "spec": self._lease(self.clock(), transitions)}
        try:
            resp = self.conn.request("PUT", self.path, query={"fieldManager": FIELD_MANAGER},
                                     body=body, content_type="application/json")
        except ApiError as exc:
            if exc.code in (404, 409):  # changed or deleted since we read it
                return False
            raise
        self._remember(resp)
        return True

    def _remember(self, resp) -> None:
        obj = msgspec.json.decode(self.conn.read(resp))
        self._rv = str((obj.get("metadata") or {}).get("resourceVersion", ""))

    def _key(self) -> tuple[str, str, str, int]:
        return (self.conn.server, self.namespace, self.app, threading.get_ident())

    def _started(self) -> DeployLock:
        self.held = True
        self._owner = self._key()
        with _held_guard:
            _held[self._owner] = self
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew_loop, daemon=True,
                                        name=f"lease-{self.name}")
        self._thread.start()
        return self

    def release(self) -> None:
        """Stop renewing and clear the holder, so the next run need not wait for expiry."""
        if not self.held:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.held = False
        with _held_guard:
            _held.pop(self._owner, None)
        if self.lost:
            return
        # If this fails the lease expires by itself; failing the deploy would help nobody.
        with contextlib.suppress(KubedeckError):
            patch(self.conn, self.path, {"metadata": {"resourceVersion": self._rv},
                                         "spec": {"holderIdentity": None, "renewTime": None,
                                                  "acquireTime": None}}, MERGE_PATCH)

    # -- while held ---------------------------------------------------------------------------

    def _renew_loop(self) -> None:
        interval = max(self.lease_seconds / 3.0, 0.05)
        last_ok = self.clock()
        while not self._stop.wait(interval):
            try:
                obj = patch(self.conn, self.path, {
                    "metadata": {"resourceVersion": self._rv},
                    "spec": {"renewTime": _micro(self.clock())}}, MERGE_PATCH)
                holder = (obj.get("spec") or {}).get("holderIdentity")
                if holder != self.holder:
                    self.lost = f"it is now held by {holder}"
                    return
                self._rv = str((obj.get("metadata") or {}).get("resourceVersion", ""))
                last_ok = self.clock()
            except ApiError as exc:
                if exc.code in (404, 409):
                    self.lost = "someone else changed or deleted it"
                    return
                if self.clock() - last_ok > self.lease_seconds:
                    self.lost = f"it could not be renewed: {exc.message}"
                    return
            except KubedeckError as exc:
                if self.clock() - last_ok > self.lease_seconds:
                    self.lost = f"it could not be renewed: {exc.message}"
                    return

    def check(self) -> None:
        """Raise if the lock was lost while held: another run may be deploying now."""
        if self.lost:
            raise KubedeckError(f"lost the deploy lock ({self._where()}): {self.lost} - "
                                "stopped so two runs do not deploy at once; run again")

    def __enter__(self) -> DeployLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def holding(conn: Connection, namespace: str, app: str, lock: DeployLock | None = None, *,
            dry_run: bool = False) -> Iterator[DeployLock | None]:
    """The app's deploy lock for the duration of the block: `lock` or the one this thread
    already holds (the runner takes it around a whole run), none for a dry run (which writes
    nothing), otherwise taken here and released on the way out."""
    if lock is None and not dry_run:
        with _held_guard:
            lock = _held.get((conn.server, namespace, app, threading.get_ident()))
    if lock is not None or dry_run:
        yield lock
        return
    taken = DeployLock(conn, namespace, app).acquire()
    try:
        yield taken
    finally:
        taken.release()


@contextmanager
def deploy_lock(conn: Connection, spec: PipelineSpec, target: TargetSpec, emit: Emit,
                cancel: CancelToken) -> Iterator[DeployLock]:
    """The runner's lock around a run's deploy: the target namespace is created first if it
    is missing (the Lease lives in it), then the lock is taken (LockHeld if another run has
    it) and released when the block ends."""
    cancel.check()
    ensure_namespace(conn, target.namespace, emit, "deploy")
    lock = DeployLock(conn, target.namespace, spec.app).acquire()
    emit(LogLine("deploy", f'deploy lock taken (lease "{lock.name}" in namespace '
                           f'"{target.namespace}", holder {lock.holder})', "lock"))
    try:
        yield lock
    finally:
        lock.release()
