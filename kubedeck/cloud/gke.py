"""GKE through google-cloud-container: list a project's clusters, find one, and connect to it
as `gcloud container clusters get-credentials` + gke-gcloud-auth-plugin would, without either.

Blocking calls; the TUI runs them in thread workers. The explorer's `:gke` view needs
`list_clusters` and `connect`; `kubedeck get --gke` and pipeline `gke:` targets use `connect`.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from kubedeck.cloud.context import CloudContext
from kubedeck.cloud.errors import CloudError, NotFoundError
from kubedeck.cloud.gke_client import GkeConnection, gke_connection
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.humanize import parse_rfc3339

_REF = re.compile(r"^(?:projects/)?(?P<project>[^/]+)/(?:locations/|zones/)?(?P<location>[^/]+)"
                  r"/(?:clusters/)?(?P<name>[^/]+)$")
WAITING = ("PROVISIONING", "RECONCILING")
WAIT_TIMEOUT = 30 * 60.0
POLL_INTERVAL = 5.0


@dataclass(frozen=True)
class ClusterRef:
    project: str
    location: str
    name: str

    @classmethod
    def parse(cls, text: str) -> ClusterRef:
        """PROJECT/LOCATION/CLUSTER, or projects/P/locations/L/clusters/C."""
        m = _REF.match(text.strip())
        if m is None:
            raise KubedeckError(f'error: "{text}" is not a GKE cluster - give it as '
                                "PROJECT/LOCATION/CLUSTER, e.g. my-project/europe-west1/web")
        return cls(m["project"], m["location"], m["name"])

    @property
    def path(self) -> str:
        return f"projects/{self.project}/locations/{self.location}/clusters/{self.name}"

    @property
    def context_name(self) -> str:
        """The kubeconfig context gcloud names for this cluster."""
        return f"gke_{self.project}_{self.location}_{self.name}"

    def __str__(self) -> str:
        return f"{self.project}/{self.location}/{self.name}"


@dataclass(frozen=True)
class ClusterInfo:
    """What the cluster list shows and what connecting needs."""

    ref: ClusterRef
    status: str
    status_message: str
    master_version: str
    node_version: str
    node_count: int
    machine_type: str
    endpoint: str
    private_endpoint: str
    private_only: bool
    ca_pem: bytes
    create_time: float | None

    def connect_endpoint(self, internal_ip: bool = False) -> str:
        if not internal_ip:
            return self.endpoint
        if not self.private_endpoint:
            raise CloudError(f'error: GKE cluster "{self.ref.name}" has no private endpoint - '
                             "connect without --internal-ip")
        return self.private_endpoint


@dataclass(frozen=True)
class ClusterList:
    clusters: list[ClusterInfo]
    missing_zones: list[str]


def _info(project: str, c) -> ClusterInfo:
    pcc = c.private_cluster_config
    machine = c.node_pools[0].config.machine_type if c.node_pools else c.node_config.machine_type
    return ClusterInfo(
        ref=ClusterRef(project, c.location or c.zone, c.name), status=c.status.name,
        status_message=c.status_message, master_version=c.current_master_version,
        node_version=c.current_node_version, node_count=c.current_node_count,
        machine_type=machine, endpoint=c.endpoint, private_endpoint=pcc.private_endpoint,
        private_only=bool(pcc.enable_private_endpoint),
        ca_pem=base64.b64decode(c.master_auth.cluster_ca_certificate or ""),
        create_time=parse_rfc3339(c.create_time))




def list_clusters(ctx: CloudContext, project: str | None = None) -> ClusterList:
    """Every cluster of the project across all locations (one call: GKE does not page)."""
    project = ctx.project(project)
    with ctx.call("container", f"list the GKE clusters of project {project}", project):
        resp = ctx.container().list_clusters(parent=f"projects/{project}/locations/-")
    clusters = sorted((_info(project, c) for c in resp.clusters),
                      key=lambda i: (i.ref.location, i.ref.name))
    return ClusterList(clusters, list(resp.missing_zones))


def get_cluster(ctx: CloudContext, ref: ClusterRef) -> ClusterInfo:
    """The cluster; when it does not exist, the error names the clusters that do."""
    try:
        with ctx.call("container", f"get GKE cluster {ref}", ref.project):
            return _info(ref.project, ctx.container().get_cluster(name=ref.path))
    except NotFoundError:
        pass
    try:
        others = [str(i.ref) for i in list_clusters(ctx, ref.project).clusters]
    except KubedeckError:
        others = []
    known = f" (clusters in the project: {', '.join(others)})" if others else \
        " (the project has no clusters you can see)"
    raise NotFoundError(f'error: GKE cluster "{ref.name}" not found in project {ref.project}, '
                        f"location {ref.location}{known}")


def wait_until_running(ctx: CloudContext, info: ClusterInfo, *,
                       progress: Callable[[str], None] | None = None,
                       timeout: float = WAIT_TIMEOUT,
                       interval: float = POLL_INTERVAL) -> ClusterInfo:
    """Wait out PROVISIONING / RECONCILING by polling the cluster's running operation; refuse
    clusters that are going away or broken."""
    ref = info.ref
    if info.status in ("STOPPING", "ERROR"):
        detail = f": {info.status_message}" if info.status_message else ""
        raise CloudError(f'error: GKE cluster "{ref.name}" is {info.status}{detail} - it cannot '
                         "be connected to")
    if info.status not in WAITING:
        return info
    parent = f"projects/{ref.project}/locations/{ref.location}"
    with ctx.call("container", f"list the operations of GKE cluster {ref}", ref.project):
        ops = ctx.container().list_operations(parent=parent).operations
    running = [op for op in ops if op.target_link.endswith(f"/clusters/{ref.name}")
               and op.status.name != "DONE"]
    deadline = time.monotonic() + timeout
    for op in running:
        if progress:
            progress(f"cluster {ref.name} is {info.status}: waiting for operation {op.name} "
                     f"({op.operation_type.name})")
        while op.status.name != "DONE":
            if time.monotonic() > deadline:
                raise CloudError(f'error: GKE cluster "{ref.name}" is still {info.status} after '
                                 f"{timeout:g}s (operation {op.name}) - try again later")
            time.sleep(interval)
            with ctx.call("container", f"follow operation {op.name}", ref.project):
                op = ctx.container().get_operation(name=f"{parent}/operations/{op.name}")
        if op.error and op.error.message:
            raise CloudError(f'error: operation {op.name} on GKE cluster "{ref.name}" failed: '
                             f"{op.error.message}")
    return get_cluster(ctx, ref)


def connect(ctx: CloudContext, ref: ClusterRef, *, namespace: str | None = None,
            request_timeout: float | None = None, internal_ip: bool = False,
            progress: Callable[[str], None] | None = None,
            wait_interval: float = POLL_INTERVAL) -> GkeConnection:
    """A Kubernetes Connection to the cluster: endpoint and CA from get_cluster, the ADC token
    as bearer (refreshed before expiry and after a 401). Waits while the cluster is being
    created or updated."""
    info = wait_until_running(ctx, get_cluster(ctx, ref), progress=progress,
                              interval=wait_interval)
    endpoint = info.connect_endpoint(internal_ip)
    if not endpoint:
        raise CloudError(f'error: GKE cluster "{ref.name}" has no endpoint yet (status '
                         f"{info.status})")
    return gke_connection(ctx.auth, context=ref.context_name, endpoint=endpoint,
                          ca_pem=info.ca_pem, private=info.private_only or internal_ip,
                          namespace=namespace, request_timeout=request_timeout)
