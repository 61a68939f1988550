"""The embedded demo cluster served in process, for `kubedeck get --demo` and `kubedeck demo`.

The demo goes through exactly the client path a real cluster does: the simulated cluster is
served over HTTP on 127.0.0.1 by the fake API server and reached through a kubeconfig.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kubedeck.kube.connect import Connection, client_from_kubeconfig
from kubedeck.kube.kubeconfig import Kubeconfig

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext
    from kubedeck.fake.cloud_demo import DemoCloud
    from kubedeck.fake.cluster import FakeCluster
    from kubedeck.fake.registry import DemoRegistry

DEMO_CONTEXT = "kubedeck-demo"


def demo_kubeconfig(server: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": DEMO_CONTEXT,
        "clusters": [{"name": DEMO_CONTEXT, "cluster": {"server": server}}],
        "users": [{"name": DEMO_CONTEXT, "user": {}}],
        "contexts": [{"name": DEMO_CONTEXT,
                      "context": {"cluster": DEMO_CONTEXT, "user": DEMO_CONTEXT}}],
    }


@contextmanager
def demo_connection(namespace: str | None = None) -> Iterator[Connection]:
    """A Connection to a freshly seeded demo cluster served on a free local port."""
    from kubedeck.fake.cluster import FakeCluster
    from kubedeck.fake.seed import seed_demo
    from kubedeck.fake.serve import serve

    cluster = FakeCluster()
    seed_demo(cluster)
    server = serve(cluster, port=0)
    try:
        cfg = Kubeconfig.from_dict(demo_kubeconfig(server.url), "<demo>")
        conn = client_from_kubeconfig(cfg, namespace=namespace)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        server.stop()
        cluster.stop()


class RunningDemo:
    """The live demo world: its kubeconfig, and its Google Cloud (project kubedeck-demo, whose
    GKE cluster "demo" is this same world behind a TLS door), started on first use: it costs
    about a third of a second (the fake cloud and google-auth), which the explorer's start
    should not pay for views most demo users never open."""

    def __init__(self, cluster: FakeCluster, kubeconfig: str) -> None:
        self.cluster = cluster
        self.kubeconfig = kubeconfig
        self._cloud: DemoCloud | None = None
        self._lock = threading.Lock()

    def cloud_context(self) -> CloudContext:
        """A CloudContext on the demo cloud (blocking on first use: call from a thread)."""
        from kubedeck.fake.cloud_demo import start_demo_cloud

        with self._lock:
            if self._cloud is None:
                self._cloud = start_demo_cloud(self.cluster)
            return self._cloud.context()

    def registry(self) -> DemoRegistry:
        """The world's demo registry: where `kubedeck pipeline run --demo` pushes and what
        its kubelet pulls from."""
        from kubedeck.fake.registry import registry_for

        return registry_for(self.cluster)

    def stop(self) -> None:
        with self._lock:
            if self._cloud is not None:
                self._cloud.stop()
                self._cloud = None


@contextmanager
def running_demo(folder: str) -> Iterator[RunningDemo]:
    """The live demo world for the explorer: seeded, controllers running (pods roll, the
    crash-looper restarts, the CronJob fires), served on a free local port, with a kubeconfig
    for it written into `folder` (kubectl exec for shells needs a file)."""
    import os

    from kubedeck.fake.cluster import FakeCluster
    from kubedeck.fake.seed import seed_demo
    from kubedeck.fake.serve import serve, write_kubeconfig

    cluster = FakeCluster()
    seed_demo(cluster)
    cluster.step()
    server = serve(cluster, port=0)
    try:
        path = write_kubeconfig(os.path.join(folder, "kubeconfig"), server, context=DEMO_CONTEXT)
        demo = RunningDemo(cluster, str(path))
        cluster.start()
        try:
            yield demo
        finally:
            demo.stop()
    finally:
        server.stop()
        cluster.stop()
