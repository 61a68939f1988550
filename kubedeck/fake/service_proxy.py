"""services/proxy: the API server's proxy to one of a Service's ready endpoints, answered by the
simulated app of the pod behind it (kubedeck/fake/podapps.py).

`/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy[/PATH]` picks the port as the real
server's ResourceLocation does (a number is translated to the Service port's name), then a
random ready address of the Endpoints subset serving that port, and forwards the request. A
blue-green check reaches the new colour through its preview Service this way, on real
clusters and here alike.
"""

from __future__ import annotations

import random
import re

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.exchange import Exchange
from kubedeck.fake.podapps import listener, route
from kubedeck.fake.store import StoreError

_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/services/([^/]+)/proxy(/.*)?$")
_TEXT = "text/plain; charset=utf-8"


def match(path: str) -> tuple[str, str, str] | None:
    """(namespace, NAME[:PORT] id, path behind the proxy) for a service proxy path."""
    m = _PATH.match(path)
    if m is None:
        return None
    return m.group(1), m.group(2), m.group(3) or "/"


def _unavailable(message: str) -> StoreError:
    return StoreError(503, "ServiceUnavailable", message)


def _split_id(service_id: str) -> tuple[str, str]:
    """net.SplitSchemeNamePort: `name`, `name:port` or `scheme:name:port` -> (name, port)."""
    parts = service_id.split(":")
    if len(parts) == 3:
        return parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1]
    return parts[0], ""


def serve(ex: Exchange, cluster: FakeCluster, method: str, namespace: str, service_id: str,
          path: str) -> None:
    name, port = _split_id(service_id)
    service = cluster.get(cluster.type_for("services"), namespace, name)
    ports = (service.get("spec") or {}).get("ports") or []
    if port.isdigit():
        named = next((p for p in ports if str(p.get("port")) == port), None)
        if named is None:
            raise _unavailable(f'no service port "{port}" found for service "{name}"')
        port = named.get("name", "")
    try:
        endpoints = cluster.get(cluster.type_for("endpoints"), namespace, name)
    except StoreError:
        raise _unavailable(f'no endpoints available for service "{service_id}"') from None
    choices = []
    for subset in endpoints.get("subsets") or ():
        for p in subset.get("ports") or ():
            if p.get("name", "") == port:
                choices += [(a, p["port"]) for a in subset.get("addresses") or ()]
    if not choices:
        raise _unavailable(f'no endpoints available for service "{service_id}"')
    address, target_port = random.choice(choices)
    ref = address.get("targetRef") or {}
    pod = cluster.get(cluster.type_for("pods"), namespace, ref.get("name", ""))
    container = listener(pod, target_port)
    if container is None:
        raise _unavailable(f"error trying to reach service: dial tcp {address['ip']}:"
                           f"{target_port}: connect: connection refused")
    reply = route(pod, container, method, path)
    ex.respond(reply.status, reply.body.encode(), _TEXT)
