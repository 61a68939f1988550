"""`:gke [PROJECT]`: the project's GKE clusters in every location; Enter connects to one through
the GKE API and Application Default Credentials (no kubeconfig, no gcloud) and switches the
explorer to it live, as `:ctx` does. A failed connect leaves the current cluster in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.widgets import DataTable

from kubedeck.kube.errors import KubedeckError
from tui.app import error_line
from tui.cloud_access import CloudAccess
from tui.screens.cloud_table import Cell, CloudTableScreen
from tui.session import Session

if TYPE_CHECKING:
    from kubedeck.cloud.gke import ClusterInfo, ClusterList, ClusterRef
    from tui.app import KubedeckApp

STATUS_STYLE = {"PROVISIONING": "yellow", "RECONCILING": "yellow", "STOPPING": "red",
                "ERROR": "red", "DEGRADED": "red"}


def cluster_cells(info: ClusterInfo, current_context: str) -> tuple[Cell, ...]:
    """NAME (the cluster the explorer is on ends in `(*)`), LOCATION, STATUS, VERSION, NODES,
    ENDPOINT (the private one, marked, when only that is enabled: it is reachable only from
    the cluster's VPC network)."""
    name = info.ref.name + ("(*)" if info.ref.context_name == current_context else "")
    status = Text(info.status, style=STATUS_STYLE.get(info.status, ""))
    endpoint = f"{info.private_endpoint} (private)" if info.private_only else info.endpoint
    return (name, info.ref.location, status, info.master_version, str(info.node_count),
            endpoint)


class GkeScreen(CloudTableScreen):
    COLUMNS = ("NAME", "LOCATION", "STATUS", "VERSION", "NODES", "ENDPOINT")
    crumb = "gke"

    def __init__(self, project: str | None = None) -> None:
        super().__init__()
        self.project = project
        self.clusters: dict[str, ClusterInfo] = {}

    def load(self) -> None:
        self._list(self.app.cloud, self.project)

    @work(thread=True, exclusive=True, group="gke", exit_on_error=False)
    def _list(self, cloud: CloudAccess, project: str | None) -> None:
        from kubedeck.cloud import gke

        title = f"gke({project})" if project else "gke"
        try:
            ctx = cloud.get()
            project = ctx.project(project)
            title = f"gke({project})"
            listing = gke.list_clusters(ctx, project)
        except KubedeckError as exc:
            self.in_thread(self.failed, title, error_line(exc))
            return
        self.in_thread(self._show, project, listing)

    def _show(self, project: str, listing: ClusterList) -> None:
        self.project = project
        self.app.cloud.remember(project=project)
        self.clusters = {str(info.ref): info for info in listing.clusters}
        current = self.app.session.context
        rows = [(key, cluster_cells(info, current)) for key, info in self.clusters.items()]
        on_current = next((key for key, info in self.clusters.items()
                           if info.ref.context_name == current), None)
        self.fill(f"gke({project})", rows, cursor_key=on_current)
        if listing.missing_zones:
            self.app.flash("these locations did not answer, their clusters are not listed: "
                           + ", ".join(listing.missing_zones), "warning")
        elif not rows:
            self.app.flash(f"no GKE clusters in project {project}", "warning")

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        info = self.clusters.get(event.row_key.value or "")
        if info is not None:
            connect_to(self.app, info.ref)


def connect_to(app: KubedeckApp, ref: ClusterRef) -> None:
    """Switch the app to GKE cluster `ref` in a worker (the `:ctx` machinery)."""
    old: Session = app.session
    if old.context == ref.context_name:
        app.flash(f"already on GKE cluster {ref}")
        return
    cloud: CloudAccess = app.cloud

    def opener(progress: Callable[[str], None]) -> Session:
        return Session.open_gke(cloud.get(), ref, config=old.config,
                                kubeconfig_path=old.kubeconfig_path,
                                readonly=app.force_readonly,
                                request_timeout=old.request_timeout,
                                discovery_cache=app.discovery_cache, progress=progress)

    app.switch_session(f"GKE cluster {ref}", opener)
