"""One connected kubeconfig context or GKE cluster: everything a view needs to talk to it.

A plain object (no textual) so it can be built in a worker thread: `:ctx` and `:gke` build a
new Session off the event loop and only swap it in once connect and discovery succeeded, so a
failed switch leaves the old one untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubedeck.config import Config, load_recent, state_path
from kubedeck.kube.connect import Connection, connect
from kubedeck.kube.discovery import Discovery

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext
    from kubedeck.cloud.gke import ClusterRef
    from kubedeck.kube.portforward import PortForwards



@dataclass
class Session:
    conn: Connection
    discovery: Discovery
    config: Config = field(default_factory=Config)
    namespace: str | None = None
    readonly: bool = False
    kubeconfig_path: str | None = None
    server_version: str = ""
    request_timeout: float | None = None
    recent_namespaces: tuple[str, ...] = ()
    _portforwards: PortForwards | None = field(default=None, init=False, repr=False)

    @property
    def context(self) -> str:
        return self.conn.context

    @property
    def portforwards(self) -> PortForwards:
        """The `:pf` registry of this context, made on first use (forwards die with it)."""
        if self._portforwards is None:
            from kubedeck.kube.portforward import PortForwards

            self._portforwards = PortForwards()
        return self._portforwards

    @classmethod
    def open(cls, *, config: Config, kubeconfig_path: str | None = None,
             context: str | None = None, namespace: str | None = None,
             all_namespaces: bool = False, readonly: bool = False,
             request_timeout: float | None = None, discovery_cache: bool = True) -> Session:
        """Connect, discover and read the server version (blocking: call from a thread).

        Raises KubedeckError with kubectl's one-line messages when the context is unusable."""
        conn = connect(kubeconfig_path, context, namespace, request_timeout)
        return cls.over(conn, config=config, kubeconfig_path=kubeconfig_path,
                        namespace=namespace, all_namespaces=all_namespaces, readonly=readonly,
                        request_timeout=request_timeout, discovery_cache=discovery_cache)

    @classmethod
    def open_gke(cls, cloud: CloudContext, ref: ClusterRef, *, config: Config,
                 kubeconfig_path: str | None = None, namespace: str | None = None,
                 all_namespaces: bool = False, readonly: bool = False,
                 request_timeout: float | None = None, discovery_cache: bool = True,
                 progress: Callable[[str], None] | None = None) -> Session:
        """A Session on a GKE cluster through the GKE API and ADC (`kubedeck get --gke`'s
        path), blocking. `kubeconfig_path` is only kept for `:ctx`, which lists that file's
        contexts; the cluster itself needs no kubeconfig."""
        from kubedeck.cloud import gke

        if progress:
            progress("fetching the cluster's endpoint and CA from the GKE API")
        conn = gke.connect(cloud, ref, namespace=namespace, request_timeout=request_timeout,
                           progress=progress)
        if progress:
            progress(f"connecting to {conn.server}")
        return cls.over(conn, config=config, kubeconfig_path=kubeconfig_path,
                        namespace=namespace, all_namespaces=all_namespaces, readonly=readonly,
                        request_timeout=request_timeout, discovery_cache=discovery_cache)

    @classmethod
    def over(cls, conn: Connection, *, config: Config, kubeconfig_path: str | None = None,
             namespace: str | None = None, all_namespaces: bool = False,
             readonly: bool = False, request_timeout: float | None = None,
             discovery_cache: bool = True) -> Session:
        """A Session over an open Connection: version, discovery and the context's settings
        (the connection is closed if any of that fails)."""
        try:
            version = server_version(conn)
            discovery = Discovery(conn, use_disk=discovery_cache)
            discovery.resources()
        except BaseException:
            conn.close()
            raise
        recent = load_recent(state_path(), conn.context)
        settings = config.context(conn.context)
        ns = None if all_namespaces else (namespace or settings.namespace or conn.namespace)
        return cls(conn=conn, discovery=discovery, config=config, namespace=ns,
                   readonly=readonly or config.readonly_for(conn.context),
                   kubeconfig_path=kubeconfig_path, server_version=version,
                   request_timeout=request_timeout, recent_namespaces=recent)

    def close(self) -> None:
        if self._portforwards is not None:
            self._portforwards.stop_all()
        self.conn.close()


def server_version(conn: Connection) -> str:
    """GET /version's gitVersion (`v1.31.0`); also the reachability probe of the header."""
    return str(json.loads(conn.get("/version")).get("gitVersion", ""))


def namespace_names(conn: Connection) -> list[str]:
    """Every namespace's name (for completing `:KIND NAMESPACE`)."""
    items = json.loads(conn.get("/api/v1/namespaces")).get("items") or []
    return [str(item["metadata"]["name"]) for item in items]
