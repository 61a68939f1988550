"""Many running, ready pods at once, for scale tests and benchmarks.

The pods belong to Deployments and their ReplicaSets, written straight to the store in the
state the controllers would have converged to (statuses, revision annotations, the
template hash the Deployment controller names ReplicaSets by), so the controllers find
nothing to do and the kubelet adopts the pods as already running. Going through the
controllers would cost tens of seconds at 50,000 pods; this costs a few.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import TYPE_CHECKING

from kubedeck.fake.controllers.deployment import (
    DESIRED,
    HASH_LABEL,
    MAX_REPLICAS,
    REVISION,
    max_surge,
    template_hash,
)
from kubedeck.fake.controllers.kubelet import image_id, normalize_image
from kubedeck.fake.controllers.nodematch import untolerated_taint
from kubedeck.fake.controllers.podutil import controller_ref, random_suffix
from kubedeck.fake.defaults import apply_defaults, validate
from kubedeck.fake.demo_manifests import container, deployment
from kubedeck.fake.nodes import add_nodes
from kubedeck.fake.store import clone, rfc3339

if TYPE_CHECKING:
    from kubedeck.fake.cluster import FakeCluster

PODS_PER_NODE = 100
PODS_PER_NAMESPACE = 5000
MAX_NAMESPACES = 10
_SIZES = (50, 20, 35, 8, 45, 12, 30, 25)
_APPS = ("api", "web", "worker", "cache", "search", "billing", "auth", "gateway", "ledger",
         "notifier", "catalog", "orders", "payments", "inventory", "reports", "media")
_TEAMS = ("core", "growth", "platform", "data", "commerce")
DAY = 86400.0


def _schedulable(node: dict) -> bool:
    return not (node.get("spec") or {}).get("unschedulable") and \
        untolerated_taint({}, node) is None


def _ensure_nodes(cluster: FakeCluster, count: int) -> list[dict]:
    """Enough schedulable nodes for `count` more pods at PODS_PER_NODE each."""
    nodes = [n for n in cluster.store.list(cluster.type_for("nodes"))[0] if _schedulable(n)]
    missing = math.ceil(count / PODS_PER_NODE) - len(nodes)
    if missing > 0:
        nodes.extend(add_nodes(cluster, missing))
    return nodes


def _ensure_namespaces(cluster: FakeCluster, count: int) -> list[str]:
    rt = cluster.type_for("namespaces")
    names = [f"load-{i:02d}" for i in range(
        min(MAX_NAMESPACES, max(1, math.ceil(count / PODS_PER_NAMESPACE))))]
    for name in names:
        if cluster.store.get(rt, "", name) is None:
            cluster.create(rt, {"metadata": {"name": name,
                                             "labels": {"kubedeck.dev/load": "true"}}})
    return names


def _app_container(rng: random.Random, app: str, team: str) -> dict:
    version = f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}
    return container(app, f"registry.kubedeck.dev/{team}/{app}:{version}", 8080,
                     port_name="http", cpu=f"{rng.choice((50, 100, 250))}m",
                     memory=f"{rng.choice((64, 128, 256))}Mi",
                     env=[{"name": "APP_NAME", "value": app},
                          {"name": "LOG_FORMAT", "value": "json"}],
                     readinessProbe=probe)


class _Writer:
    """Writes one Deployment with its ReplicaSet and pods as the controllers leave them."""

    def __init__(self, cluster: FakeCluster, nodes: list[dict]) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.now = cluster.clock.now()
        self.nodes = nodes
        self.next_node = 0
        self.next_ip: dict[str, int] = {}
        self.rts = {p: cluster.type_for(p, g) for p, g in (
            ("deployments", "apps"), ("replicasets", "apps"), ("pods", ""))}

    def _create(self, plural: str, obj: dict, created: float) -> dict:
        rt = self.rts[plural]
        apply_defaults(rt, obj, self.now)
        validate(rt, obj)
        obj["metadata"]["creationTimestamp"] = rfc3339(created)
        return self.store.create(rt, obj)

    def write(self, namespace: str, name: str, replicas: int, app_container: dict,
              born: float) -> None:
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "kubedeck-load"}
        _plural, _group, manifest = deployment(name, namespace, labels, replicas,
                                               [app_container])
        manifest["metadata"]["annotations"] = {REVISION: "1"}
        stamp = rfc3339(born + 5)
        apply_defaults(self.rts["deployments"], manifest, self.now)
        template = clone(manifest["spec"]["template"])
        pod_hash = template_hash(template, None)
        rs_name = f"{name}-{pod_hash}"
        manifest["status"] = {
            "observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas,
            "conditions": [
                {"type": "Available", "status": "True", "lastUpdateTime": stamp,
                 "lastTransitionTime": stamp, "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability."},
                {"type": "Progressing", "status": "True", "lastUpdateTime": stamp,
                 "lastTransitionTime": rfc3339(born), "reason": "NewReplicaSetAvailable",
                 "message": f'ReplicaSet "{rs_name}" has successfully progressed.'},
            ]}
        dep = self._create("deployments", manifest, born)
        template["metadata"]["labels"][HASH_LABEL] = pod_hash
        selector = clone(dep["spec"]["selector"])
        selector["matchLabels"][HASH_LABEL] = pod_hash
        rs = self._create("replicasets", {
            "metadata": {"name": rs_name, "namespace": namespace,
                         "labels": dict(template["metadata"]["labels"]),
                         "annotations": {DESIRED: str(replicas),
                                         MAX_REPLICAS: str(replicas + max_surge(dep)),
                                         REVISION: "1"},
                         "ownerReferences": [controller_ref(dep)]},
            "spec": {"replicas": replicas, "selector": selector, "template": template},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas,
                       "readyReplicas": replicas, "availableReplicas": replicas,
                       "observedGeneration": 1}}, born)
        prototype = {"metadata": {"generateName": f"{rs_name}-", "namespace": namespace,
                                  "labels": dict(template["metadata"]["labels"]),
                                  "ownerReferences": [controller_ref(rs)]},
                     "spec": clone(template["spec"])}
        apply_defaults(self.rts["pods"], prototype, self.now)
        names: set[str] = set()
        while len(names) < replicas:
            names.add(f"{rs_name}-{random_suffix()}")
        shared = self._shared(prototype, born + 1)
        for pod_name in sorted(names):
            self._pod(prototype, shared, pod_name)

    @staticmethod
    def _shared(prototype: dict, started: float) -> dict:
        """The parts of a pod status every replica of one ReplicaSet has in common."""
        stamp, ready = rfc3339(started), rfc3339(started + 2)
        return {
            "created": rfc3339(started - 1),
            "started": {"running": {"startedAt": stamp}},
            "images": [(c["name"], normalize_image(c["image"]), image_id(c["image"]))
                       for c in prototype["spec"]["containers"]],
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": stamp},
                {"type": "Initialized", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": stamp},
                {"type": "Ready", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": ready},
                {"type": "ContainersReady", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": ready},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": rfc3339(started - 1)},
            ],
        }

    def _pod(self, prototype: dict, shared: dict, name: str) -> None:
        """One running pod. Replicas share the nested parts of their spec and status that
        are equal: stored objects are never mutated in place, and sharing keeps 50,000
        pods small and quick to write."""
        node = self.nodes[self.next_node % len(self.nodes)]
        self.next_node += 1
        node_name = node["metadata"]["name"]
        host = self.next_ip.get(node_name, 254)
        self.next_ip[node_name] = host - 1
        cidr = (node.get("spec") or {}).get("podCIDR", "10.244.0.0/24")
        ip = cidr.rsplit(".", 1)[0] + f".{host}"
        host_ip = next(a["address"] for a in node["status"]["addresses"]
                       if a["type"] == "InternalIP")
        meta = dict(prototype["metadata"])
        meta["name"] = name
        meta["creationTimestamp"] = shared["created"]
        spec = dict(prototype["spec"])
        spec["nodeName"] = node_name
        statuses = [{"name": cname, "image": image, "imageID": iid,
                     "containerID": "containerd://" + hashlib.sha256(
                         f"{name}/{cname}".encode()).hexdigest(),
                     "ready": True, "restartCount": 0, "started": True, "lastState": {},
                     "state": shared["started"]}
                    for cname, image, iid in shared["images"]]
        status = {"phase": "Running", "conditions": shared["conditions"],
                  "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                  "podIP": ip, "podIPs": [{"ip": ip}], "startTime": shared["created"],
                  "containerStatuses": statuses, "qosClass": prototype["status"]["qosClass"]}
        self.store.create(self.rts["pods"], {"metadata": meta, "spec": spec, "status": status})


def add_bulk_pods(cluster: FakeCluster, count: int, seed: int = 0) -> None:
    """Add `count` running, ready pods in Deployments of 8-50 replicas, spread over
    `load-NN` namespaces and over nodes (more nodes are registered as needed)."""
    if count <= 0:
        return
    rng = random.Random(seed)
    writer = _Writer(cluster, _ensure_nodes(cluster, count))
    namespaces = _ensure_namespaces(cluster, count)
    deployments_rt = cluster.type_for("deployments", "apps")
    left, index = count, 0
    while left > 0:
        replicas = min(left, _SIZES[index % len(_SIZES)])
        namespace = namespaces[index % len(namespaces)]
        app = _APPS[index % len(_APPS)]
        name = f"{app}-{index}"
        index += 1
        if cluster.store.get(deployments_rt, namespace, name) is not None:
            continue
        team = _TEAMS[index % len(_TEAMS)]
        born = writer.now - rng.uniform(DAY / 24, 30 * DAY)
        writer.write(namespace, name, replicas, _app_container(rng, app, team), born)
        left -= replicas
