"""The seeded demo world, and bulk pods for scale tests.

`seed_demo` builds the world `history` seconds in the past through the API and then runs
the simulated controllers forward to now, so what the demo shows has really happened:
ages, restarts of the crash-looping worker, the CronJob's completed runs, events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubedeck.fake import demo_manifests as demo
from kubedeck.fake.bulk_pods import add_bulk_pods
from kubedeck.fake.store import clone, rfc3339

if TYPE_CHECKING:
    from kubedeck.fake.cluster import FakeCluster

DEFAULT_HISTORY = 600.0


def _backdate(cluster: FakeCluster, plural: str, group: str = "") -> None:
    """Give what the cluster was born with (nodes, system namespaces, leases) the creation
    time of the rewound clock, so it is not younger than the workloads."""
    rt = cluster.type_for(plural, group)
    stamp = rfc3339(cluster.clock.now())
    for obj in cluster.store.list(rt)[0]:
        meta = obj["metadata"]
        reborn = clone(obj)
        reborn["metadata"]["creationTimestamp"] = stamp
        for cond in (reborn.get("status") or {}).get("conditions") or ():
            cond["lastTransitionTime"] = stamp
        cluster.store.remove(rt, meta.get("namespace", ""), meta["name"])
        cluster.store.create(rt, reborn)


def _create(cluster: FakeCluster, item: demo.Item) -> dict:
    plural, group, obj = item
    return cluster.create(cluster.type_for(plural, group), obj)


def _write_status(cluster: FakeCluster, plural: str, group: str, obj: dict,
                  status: dict) -> None:
    rt = cluster.type_for(plural, group)
    updated = clone(obj)
    updated["status"] = status
    cluster.store.write_status(rt, updated)


def seed_demo(cluster: FakeCluster, history: float = DEFAULT_HISTORY) -> None:
    """Populate `cluster` with the demo world, as it looks after `history` seconds.
    Call it before `cluster.start()`: it moves the cluster's clock."""
    cluster.clock.advance(-history)
    for plural, group in (("namespaces", ""), ("nodes", ""), ("leases", "coordination.k8s.io")):
        _backdate(cluster, plural, group)
    now = cluster.clock.now()
    for item in demo.namespaces():
        _create(cluster, item)
    for item in (demo.cluster_basics() + demo.guestbook() + demo.web_app(now)
                 + demo.monitoring() + demo.batch() + demo.legacy()):
        created = _create(cluster, item)
        if item[0] == "horizontalpodautoscalers":
            _write_status(cluster, item[0], item[1], created, demo.hpa_status(now))
        elif item[0] == "ingresses":
            _write_status(cluster, item[0], item[1], created, demo.ingress_status())
    crd = _create(cluster, demo.certificate_crd())
    _write_status(cluster, "customresourcedefinitions", "apiextensions.k8s.io", crd,
                  demo.crd_status(crd))
    cert_rt = cluster.find_type(demo.CRD_GROUP, "v1", "certificates")
    assert cert_rt is not None
    for obj, status in demo.certificates(now):
        created = cluster.create(cert_rt, obj)
        updated = clone(created)
        updated["status"] = status
        cluster.store.write_status(cert_rt, updated)
    cluster.step(history)


def add_pods(cluster: FakeCluster, count: int) -> None:
    """Add `count` running, ready pods spread over namespaces and nodes (scale tests)."""
    add_bulk_pods(cluster, count)
