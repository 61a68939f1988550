"""Waiting until a Service's endpoints are exactly the ready pods of one colour.

Patching a selector is not the end of a switch: the endpoints controllers must notice it and
rewrite the Service's EndpointSlices before kube-proxy (and the service proxy) route to the
new pods. Promotion is reported only once the slices list the new colour's ready pods and no
pod of another, read from watches on the slices and the pods (Endpoints on clusters that do
not serve EndpointSlices).
"""

from __future__ import annotations

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.selectors import selector_string
from pipelines.events import CancelToken
from pipelines.rollout import CANCEL_TICK, seconds_text
from pipelines.staged import Failure
from pipelines.watching import Deadline, Watches

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _ready(pod: dict) -> bool:
    return "deletionTimestamp" not in (pod.get("metadata") or {}) and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or ())


def _slice_pods(slices: list[dict]) -> tuple[set[str], set[str]]:
    """(ready pod names, every pod name) listed by EndpointSlices."""
    ready, every = set(), set()
    for s in slices:
        for ep in s.get("endpoints") or ():
            name = (ep.get("targetRef") or {}).get("name")
            if not name:
                continue
            every.add(name)
            if (ep.get("conditions") or {}).get("ready", True):
                ready.add(name)
    return ready, every


def _endpoints_pods(objects: list[dict]) -> tuple[set[str], set[str]]:
    """The same from core/v1 Endpoints (addresses are ready, notReadyAddresses are not)."""
    ready, every = set(), set()
    for ep in objects:
        for subset in ep.get("subsets") or ():
            for field, into in (("addresses", ready), ("notReadyAddresses", None)):
                for address in subset.get(field) or ():
                    name = (address.get("targetRef") or {}).get("name")
                    if name:
                        every.add(name)
                        if into is not None:
                            into.add(name)
    return ready, every


def wait_endpoints(conn: Connection, discovery: Discovery, namespace: str, service: str,
                   pod_labels: dict[str, str], *, timeout: float, cancel: CancelToken
                   ) -> list[str]:
    """Block until Service `service` routes to exactly the ready pods labelled `pod_labels`
    (at least one); their names. Failure when that does not happen within `timeout`."""
    try:
        slices = discovery.resolve("endpointslices.discovery.k8s.io")
        use_slices = True
    except KubedeckError:
        slices, use_slices = discovery.resolve("endpoints"), False
    pods = discovery.resolve("pods")
    deadline = Deadline(timeout)
    with Watches(conn) as watches:
        if use_slices:
            watches.add("eps", slices, namespace, label_selector=f"{SERVICE_NAME_LABEL}={service}")
        else:
            watches.add("eps", slices, namespace, field_selector=f"metadata.name={service}")
        watches.add("pods", pods, namespace,
                    label_selector=selector_string({"matchLabels": pod_labels}))
        listed: tuple[set[str], set[str]] = (set(), set())
        wanted: set[str] = set()
        while True:
            cancel.check()
            if watches.synced():
                objs = list(watches.objects["eps"].values())
                listed = _slice_pods(objs) if use_slices else _endpoints_pods(objs)
                members = {(p.get("metadata") or {}).get("name", "")
                           for p in watches.objects["pods"].values()}
                wanted = {(p.get("metadata") or {}).get("name", "")
                          for p in watches.objects["pods"].values() if _ready(p)}
                ready, every = listed
                if wanted and ready == wanted and every <= members:
                    return sorted(wanted)
            left = deadline.left()
            if left <= 0:
                ready, every = listed
                strangers = sorted(every - wanted)
                raise Failure(
                    f'Service "{service}" did not settle on the ready pods '
                    f"{selector_string({'matchLabels': pod_labels})} within "
                    f"{seconds_text(timeout)}: it lists {', '.join(sorted(ready)) or 'no ready pod'}"
                    + (f" and still {', '.join(strangers)}" if strangers else "")
                    + f"; expected {', '.join(sorted(wanted)) or 'ready pods, but none is ready'}",
                    f"see kubectl -n {namespace} get endpointslices -l "
                    f"{SERVICE_NAME_LABEL}={service}")
            watches.next(min(left, CANCEL_TICK))
