"""The optional HTTP gate of a blue-green deploy: one GET to the new colour through its
preview Service, by the API server's service proxy
(`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`).

Going through the API server means the check needs nothing but the kubeconfig the deploy
already uses — no port-forward, no route from the CI runner into the cluster network — and it
reaches the pods exactly as the Service does (its endpoints, its port mapping).
"""

from __future__ import annotations

from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import ApiError
from pipelines.spec import HttpCheck
from pipelines.staged import Failure


def service_port(service: dict, container_port: int) -> str:
    """The Service port that reaches `container_port` (by targetPort, else by port), as the
    proxy URL wants it: its name when it has one, else its number."""
    ports = (service.get("spec") or {}).get("ports") or []
    for key in ("targetPort", "port"):
        for p in ports:
            if p.get(key) == container_port or str(p.get(key)) == str(container_port):
                return str(p.get("name") or p.get("port"))
    return str(container_port)


def http_check(conn: Connection, namespace: str, service: dict, check: HttpCheck) -> str:
    """GET check.path on the pods behind `service`; a line saying what answered, or
    Failure with the status the app (or the proxy) gave."""
    name = (service.get("metadata") or {}).get("name", "")
    port = service_port(service, check.port)
    path = f"/api/v1/namespaces/{namespace}/services/{name}:{port}/proxy{check.path}"
    what = f"GET {check.path} on port {check.port} through service/{name}"
    try:
        resp = conn.request("GET", path, accept="*/*")
    except ApiError as exc:
        detail = (exc.status or {}).get("message") or ""
        raise Failure(f"HTTP check failed: {what} answered {exc.code}"
                      + (f" ({detail})" if detail else ""),
                      "the new colour was not promoted; fix the app or deploy.bluegreen.check "
                      "and deploy again") from None
    body = conn.read(resp)
    first = body.decode("utf-8", "replace").strip().splitlines()[:1]
    return f"HTTP check passed: {what} answered {resp.status}" + (f": {first[0][:120]}"
                                                                  if first else "")
