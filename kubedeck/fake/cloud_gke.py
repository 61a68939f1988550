"""The fake GKE API (container.googleapis.com/v1): clusters across locations, get, and the
operations of a cluster still being created. A cluster's endpoint and CA are whatever the test
gives, typically a `kubedeck sim --tls` instance that accepts the fake's OAuth tokens."""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field

from kubedeck.fake.cloud_routes import CloudRequest, Reply, Route, route
from kubedeck.fake.cloud_state import ApiFailure, Operation, Operations, not_found, rfc3339

API = "https://container.googleapis.com/v1"


@dataclass
class GkeCluster:
    project: str
    location: str
    name: str
    endpoint: str
    ca_pem: bytes
    status: str = "RUNNING"
    version: str = "1.31.5-gke.1233000"
    node_count: int = 3
    machine_type: str = "e2-medium"
    private: bool = False
    create_time: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"projects/{self.project}/locations/{self.location}/clusters/{self.name}"

    def render(self) -> dict:
        body = {
            "name": self.name, "location": self.location, "zone": self.location,
            "status": self.status, "endpoint": self.endpoint,
            "currentMasterVersion": self.version, "initialClusterVersion": self.version,
            "currentNodeVersion": self.version, "currentNodeCount": self.node_count,
            "createTime": rfc3339(self.create_time), "selfLink": f"{API}/{self.path}",
            "network": "default", "subnetwork": "default",
            "resourceLabels": self.labels,
            "masterAuth": {"clusterCaCertificate": base64.b64encode(self.ca_pem).decode()},
            "nodePools": [{
                "name": "default-pool", "status": "RUNNING", "version": self.version,
                "initialNodeCount": self.node_count,
                "config": {"machineType": self.machine_type, "diskSizeGb": 100,
                           "imageType": "COS_CONTAINERD"},
            }],
        }
        if self.private:
            body["privateClusterConfig"] = {"enablePrivateNodes": True,
                                            "enablePrivateEndpoint": True,
                                            "privateEndpoint": self.endpoint,
                                            "masterIpv4CidrBlock": "172.16.0.0/28"}
        return body


class GkeApi:
    service = "container.googleapis.com"
    title = "Kubernetes Engine API"

    def __init__(self, operations: Operations, clock) -> None:
        self.operations = operations
        self.clock = clock
        self.clusters: dict[str, GkeCluster] = {}
        self.missing_zones: list[str] = []
        self._lock = threading.Lock()

    def denied(self, permission: str, resource: str, account: str) -> ApiFailure:
        return ApiFailure(403, f'Required "{permission}" permission(s) for "{resource}".')

    def add(self, cluster: GkeCluster, provisioning_polls: int = 0) -> GkeCluster:
        """Add a cluster; with `provisioning_polls` it is PROVISIONING behind a CREATE_CLUSTER
        operation that is DONE (and the cluster RUNNING) after that many reads."""
        cluster.create_time = cluster.create_time or self.clock()
        with self._lock:
            self.clusters[cluster.path] = cluster
        if provisioning_polls:
            cluster.status = "PROVISIONING"
            op_id = f"operation-{int(self.clock() * 1000)}-{secrets.token_hex(4)}"
            parent = f"projects/{cluster.project}/locations/{cluster.location}"

            def finish() -> dict:
                cluster.status = "RUNNING"
                return {}

            self.operations.add(Operation(
                f"{parent}/operations/{op_id}", self._render_op, finish, provisioning_polls,
                extra={"id": op_id, "cluster": cluster, "start": self.clock()}))
        return cluster

    def _render_op(self, op: Operation) -> dict:
        cluster: GkeCluster = op.extra["cluster"]
        body = {
            "name": op.extra["id"], "zone": cluster.location, "location": cluster.location,
            "operationType": "CREATE_CLUSTER", "status": "DONE" if op.done else "RUNNING",
            "selfLink": f"{API}/projects/{cluster.project}/locations/{cluster.location}/"
                        f"operations/{op.extra['id']}",
            "targetLink": f"{API}/{cluster.path}", "startTime": rfc3339(op.extra["start"]),
        }
        if op.done:
            body["endTime"] = rfc3339(self.clock())
        return body

    # -- handlers ----------------------------------------------------------------------------

    def list_clusters(self, req: CloudRequest, project: str, location: str) -> Reply:
        with self._lock:
            found = [c for c in self.clusters.values() if c.project == project
                     and location in ("-", c.location)]
        body: dict = {"clusters": [c.render() for c in sorted(found, key=lambda c: (
            c.location, c.name))]}
        if self.missing_zones and location == "-":
            body["missingZones"] = list(self.missing_zones)
        return Reply(200, body)

    def get_cluster(self, req: CloudRequest, project: str, location: str, cluster: str) -> Reply:
        path = f"projects/{project}/locations/{location}/clusters/{cluster}"
        found = self.clusters.get(path)
        if found is None:
            raise not_found(f"Not found: {path}.")
        return Reply(200, found.render())

    def get_operation(self, req: CloudRequest, project: str, location: str, op: str) -> Reply:
        operation = self.operations.poll(f"projects/{project}/locations/{location}/operations/{op}")
        return Reply(200, operation.render(operation))

    def list_operations(self, req: CloudRequest, project: str, location: str) -> Reply:
        prefix = f"projects/{project}/locations/"
        ops = [op for op in self.operations.matching(prefix) if "cluster" in op.extra
               and location in ("-", op.extra["cluster"].location)]
        return Reply(200, {"operations": [op.render(op) for op in ops]})

    def routes(self) -> list[Route]:
        base = "/v1/projects/{project}/locations/{location}"
        return [
            route(self, "GET", f"{base}/clusters", self.list_clusters, "container.clusters.list"),
            route(self, "GET", base + "/clusters/{cluster}", self.get_cluster,
                  "container.clusters.get"),
            route(self, "GET", base + "/operations/{op:operation-[^/:]+}", self.get_operation,
                  "container.operations.get"),
            route(self, "GET", f"{base}/operations", self.list_operations,
                  "container.operations.list"),
        ]
