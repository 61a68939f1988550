"""The deploy screen's own line to the cluster a job deploys to: a pods reflector for the pods
pane and the blue-green status for the colour panel.

Everything here blocks (connecting, listing Deployments, reading the Service) or runs on
the reflector's threads, so the screen calls it from thread workers and only reads
`pods()` (an in-memory snapshot) on the event loop. A lock keeps `close()` from pulling the
connection out from under a status read in flight.
"""

from __future__ import annotations

import threading

import msgspec

from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.reflector import Reflector
from kubedeck.kube.reflector_codec import SchemaDecoder
from pipelines.bluegreen import BlueGreenStatus, status
from pipelines.bluegreen_state import APP_LABEL
from pipelines.job import DeployJob
from pipelines.targets import ResolvedTarget
from tui.widgets.deploy_pods import DeployPod, PodSelector, selector_of_live


class ClusterLink:
    """Open with `ClusterLink.open(job)` (blocking); `close()` when the screen goes."""

    def __init__(self, job: DeployJob, resolved: ResolvedTarget) -> None:
        self.job = job
        self.resolved = resolved
        self._lock = threading.Lock()
        self._reflector: Reflector | None = None
        self._selector: PodSelector | None = None
        self._closed = False

    @classmethod
    def open(cls, job: DeployJob) -> ClusterLink:
        """A connection of our own (KubedeckError when the cluster cannot be reached)."""
        resolved = job.connect()
        try:
            resolved.discovery.resolve("pods")
        except BaseException:
            resolved.close()
            raise
        return cls(job, resolved)

    @property
    def namespace(self) -> str:
        return self.resolved.namespace

    # -- pods --------------------------------------------------------------------------------

    def live_selector(self) -> PodSelector:
        """For a blue-green action, which renders nothing: the selectors of the app's live
        coloured Deployments (labelled kubedeck.dev/app=<app> by the deploy)."""
        deployments = self.resolved.discovery.resolve("deployments.apps")
        with self._lock:
            self._check_open()
            raw = self.resolved.conn.get(deployments.path(self.namespace),
                                         {"labelSelector": f"{APP_LABEL}={self.job.spec.app}"})
        return selector_of_live(msgspec.json.decode(raw).get("items") or ())

    def watch(self, selector: PodSelector) -> None:
        """Watch the pods `selector` picks (again, when it changed); starts threads only."""
        if self._closed or selector == self._selector:
            return
        self.stop_watch()
        self._selector = selector
        if not selector.match:
            return
        reflector = Reflector(self.resolved.conn, self.resolved.discovery.resolve("pods"),
                              self.namespace, selector.server_side() or None,
                              decode=SchemaDecoder(DeployPod))
        self._reflector = reflector
        reflector.start()

    def stop_watch(self) -> None:
        reflector, self._reflector = self._reflector, None
        if reflector is not None:
            reflector.stop()

    @property
    def selector(self) -> PodSelector | None:
        return self._selector

    @property
    def synced(self) -> bool:
        return self._reflector is not None and self._reflector.synced.is_set()

    @property
    def problem(self) -> str | None:
        """The watch's current failure in one line (it retries by itself)."""
        return self._reflector.last_error if self._reflector is not None else None

    def pods(self) -> list[DeployPod]:
        """The app's pods now (cheap: the reflector's in-memory store)."""
        reflector, selector = self._reflector, self._selector
        if reflector is None or selector is None:
            return []
        return [p for p in reflector.snapshot() if selector.matches(p.metadata.labels)]

    # -- blue-green --------------------------------------------------------------------------

    def colors(self) -> BlueGreenStatus:
        """The recorded rollout state, the live colour and each colour's replicas."""
        with self._lock:
            self._check_open()
            return status(self.resolved.conn, self.resolved.discovery, self.job.spec,
                          self.job.target)

    def _check_open(self) -> None:
        if self._closed:
            raise KubedeckError("the deploy screen was closed, and its connection with it")

    def close(self) -> None:
        """Stop the watch and drop the connection (blocking: joins the reflector)."""
        self.stop_watch()
        with self._lock:
            self._closed = True
            self.resolved.close()
