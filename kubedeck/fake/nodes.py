"""Node objects for the simulated cluster, shaped like the ones minikube's kubelets register.

A cluster without nodes cannot schedule anything, so `FakeCluster` registers a few at start;
`add_nodes` adds more (scale tests, DaemonSet tests).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

from kubedeck.fake.store import rfc3339, rfc3339_micro

if TYPE_CHECKING:
    from kubedeck.fake.cluster import FakeCluster

KUBELET_VERSION = "v1.31.0"
CLUSTER_NAME = "kubedeck"

_CAPACITY = {
    "cpu": "4",
    "ephemeral-storage": "102625208Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    "memory": "16365512Ki",
    "pods": "110",
}

# The images a kubelet reports as present, as `kubectl describe node` shows them.
_IMAGES = (
    (("registry.k8s.io/etcd@sha256:a6dc63e6e8cfa0307d7851762fa6b629afb18f28d8aa3fab5a6e91b4af60026a",
      "registry.k8s.io/etcd:3.5.15-0"), 148000000),
    (("registry.k8s.io/kube-apiserver@sha256:470179274deb9dc3a81df55cfc24823ce153147d4ebf2ed649a4f271f51eaddf",
      "registry.k8s.io/kube-apiserver:v1.31.0"), 94200000),
    (("registry.k8s.io/kube-proxy@sha256:c727efb1c6f15a68060bf7f207f5c7a765355b7e3340c513e582ec819c5cd2fe",
      "registry.k8s.io/kube-proxy:v1.31.0"), 91500000),
    (("registry.k8s.io/coredns/coredns@sha256:1eeb4c7316bacb1d4c8ead65571cd92dd21e27359f0d4917f1a5822a73b75db1",
      "registry.k8s.io/coredns/coredns:v1.11.1"), 59800000),
    (("registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a",
      "registry.k8s.io/pause:3.10"), 736000),
)

_PRESSURE = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def node_name(index: int) -> str:
    """minikube's naming: the first node carries the profile name, later ones `-mNN`."""
    return CLUSTER_NAME if index == 0 else f"{CLUSTER_NAME}-m{index + 1:02d}"


def node_ip(index: int) -> str:
    return f"192.168.49.{index + 2}" if index < 250 else f"192.168.{49 + index // 250}.{index % 250 + 2}"


def pod_cidr(index: int) -> str:
    return f"10.244.{index}.0/24" if index < 256 else f"10.{244 + index // 256}.{index % 256}.0/24"


def _hex_id(name: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()[:32]


def node_manifest(index: int, now: float) -> dict:
    """A Ready node as the kubelet registers it (minikube flavour; the first is control plane)."""
    name = node_name(index)
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "minikube.k8s.io/name": CLUSTER_NAME,
        "minikube.k8s.io/primary": "true" if index == 0 else "false",
        "minikube.k8s.io/version": "v1.34.0",
    }
    if index == 0:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    stamp = rfc3339(now)
    conditions = [
        {"type": t, "status": "False", "reason": r, "message": m,
         "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}
        for t, r, m in _PRESSURE
    ]
    conditions.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                       "message": "kubelet is posting ready status",
                       "lastHeartbeatTime": stamp, "lastTransitionTime": stamp})
    machine = _hex_id(name, "machine")
    cidr = pod_cidr(index)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/cri-dockerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": cidr, "podCIDRs": [cidr]},
        "status": {
            "addresses": [{"type": "InternalIP", "address": node_ip(index)},
                          {"type": "Hostname", "address": name}],
            "allocatable": dict(_CAPACITY),
            "capacity": dict(_CAPACITY),
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": [{"names": list(names), "sizeBytes": size} for names, size in _IMAGES],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.UUID(_hex_id(name, "boot"))),
                "containerRuntimeVersion": "docker://27.2.0",
                "kernelVersion": "6.1.0-25-amd64",
                "kubeProxyVersion": "",
                "kubeletVersion": KUBELET_VERSION,
                "machineID": machine,
                "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04.4 LTS",
                "systemUUID": str(uuid.UUID(machine)),
            },
        },
    }


def lease_manifest(name: str, node_uid: str, now: float) -> dict:
    """The heartbeat Lease every kubelet renews in kube-node-lease, owned by its Node."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": "kube-node-lease",
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name,
                                          "uid": node_uid}]},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                 "renewTime": rfc3339_micro(now)},
    }


def add_nodes(cluster: FakeCluster, count: int) -> list[dict]:
    """Register `count` more nodes, numbered after the existing ones, with their Leases."""
    nodes_rt = cluster.type_for("nodes")
    leases_rt = cluster.type_for("leases")
    now = cluster.clock.now()
    created: list[dict] = []
    index = 0
    while len(created) < count:
        if cluster.store.get(nodes_rt, "", node_name(index)) is None:
            node = cluster.store.create(nodes_rt, node_manifest(index, now))
            meta = node["metadata"]
            cluster.store.create(leases_rt, lease_manifest(meta["name"], meta["uid"], now))
            created.append(node)
        index += 1
    return created
