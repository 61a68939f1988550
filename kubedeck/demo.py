"""The embedded demo cluster served in process, for `kubedeck get --demo` (and later the TUI).

The demo goes through exactly the client path a real cluster does: the simulated cluster is
served over HTTP on 127.0.0.1 by the fake API server and reached through a kubeconfig.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kubedeck.kube.connect import Connection, client_from_kubeconfig
from kubedeck.kube.kubeconfig import Kubeconfig

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


@contextmanager
def running_demo(folder: str) -> Iterator[str]:
    """The live demo world for the explorer: seeded, controllers running (pods roll, the
    crash-looper restarts, the CronJob fires), served on a free local port; yields the path of
    a kubeconfig for it written into `folder` (kubectl exec for shells needs a file)."""
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
        cluster.start()
        yield str(path)
    finally:
        server.stop()
        cluster.stop()
