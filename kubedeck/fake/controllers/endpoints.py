"""Services with selectors -> core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlices.

Both are written as the endpoints and endpointslice controllers write them. Which pods a
Service selects is kept incrementally from store events (`Membership`), so a pod change costs
the Services of its namespace, never a scan of every pod.
"""

from __future__ import annotations

import random
import threading

from kubedeck.fake.controllers.base import Controller, Manager
from kubedeck.fake.store import StoreError, WatchEvent, clone, rfc3339_micro
from kubedeck.kube.selectors import Requirement

MANAGED_BY = "endpointslice-controller.k8s.io"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"
OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity"
MAX_ENDPOINTS_ADDRESSES = 1000
MAX_ENDPOINTS_PER_SLICE = 100
# apimachinery's generateName alphabet (no vowels, no confusable characters).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def rfc3339_nano(ts: float) -> str:
    """Go's time.RFC3339Nano: fractional seconds without trailing zeros."""
    stamp = rfc3339_micro(ts)
    whole, _, frac = stamp[:-1].partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac}Z" if frac else f"{whole}Z"


def _selector_matcher(selector: dict):
    reqs = [Requirement(k, "=", (str(v),)) for k, v in selector.items()]
    return lambda labels: all(r.matches(labels) for r in reqs)


class Membership:
    """Which pods each selecting Service matches, maintained under the store lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._selectors: dict[str, dict[str, dict]] = {}
        self._members: dict[tuple[str, str], set[str]] = {}
        self._pod_services: dict[tuple[str, str], set[str]] = {}

    def service_changed(self, namespace: str, name: str, selector: dict | None,
                        pods: list[dict]) -> None:
        """Record a Service's selector; `pods` are its namespace's pods (read by the caller)."""
        with self._lock:
            old = self._selectors.get(namespace, {}).get(name)
            if old == selector and (namespace, name) in self._members:
                return
            self._drop_service(namespace, name)
            if not selector:
                return
            self._selectors.setdefault(namespace, {})[name] = selector
            match = _selector_matcher(selector)
            members = self._members[(namespace, name)] = set()
            for pod in pods:
                meta = pod["metadata"]
                if match(meta.get("labels") or {}):
                    members.add(meta["name"])
                    self._pod_services.setdefault((namespace, meta["name"]), set()).add(name)

    def service_deleted(self, namespace: str, name: str) -> None:
        with self._lock:
            self._drop_service(namespace, name)

    def _drop_service(self, namespace: str, name: str) -> None:
        selectors = self._selectors.get(namespace)
        if selectors is not None:
            selectors.pop(name, None)
            if not selectors:
                del self._selectors[namespace]
        for pod in self._members.pop((namespace, name), ()):
            services = self._pod_services.get((namespace, pod))
            if services is not None:
                services.discard(name)
                if not services:
                    del self._pod_services[(namespace, pod)]

    def pod_changed(self, namespace: str, pod: str, labels: dict | None) -> set[str]:
        """Update memberships for a pod (labels None: deleted); the Services it was or is in."""
        with self._lock:
            before = self._pod_services.pop((namespace, pod), set())
            after: set[str] = set()
            if labels is not None:
                for name, selector in self._selectors.get(namespace, {}).items():
                    if _selector_matcher(selector)(labels):
                        after.add(name)
            for name in before - after:
                self._members.get((namespace, name), set()).discard(pod)
            for name in after:
                self._members.setdefault((namespace, name), set()).add(pod)
            if after:
                self._pod_services[(namespace, pod)] = after
            return before | after

    def members(self, namespace: str, name: str) -> list[str]:
        with self._lock:
            return sorted(self._members.get((namespace, name), ()))


def pod_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def should_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """The endpoint controllers' filter: pods with an IP, not finished, (not terminating)."""
    status = pod.get("status") or {}
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    return include_terminating or "deletionTimestamp" not in pod["metadata"]


def find_port(pod: dict, service_port: dict) -> int | None:
    """The container port a Service port's targetPort names in this pod (FindPort)."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and target > 0:
        return target
    if isinstance(target, str):
        if target.isdigit():
            return int(target)
        protocol = service_port.get("protocol", "TCP")
        spec = pod.get("spec") or {}
        for container in spec.get("containers") or ():
            for port in container.get("ports") or ():
                if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                    return int(port["containerPort"])
        return None
    return service_port.get("port")


def _target_ref(pod: dict) -> dict:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
            "uid": meta["uid"]}


def _hostname(pod: dict, service: dict) -> str | None:
    """Pods with hostname + subdomain equal to the Service name get DNS names from it."""
    spec = pod.get("spec") or {}
    if (spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"]
            and pod["metadata"]["namespace"] == service["metadata"]["namespace"]):
        return spec["hostname"]
    return None


def _pod_ports(pod: dict, service: dict) -> list[dict]:
    out = []
    for sp in (service.get("spec") or {}).get("ports") or ():
        number = find_port(pod, sp)
        if number is None:
            continue
        port = {"name": sp.get("name", ""), "port": number, "protocol": sp.get("protocol", "TCP")}
        if sp.get("appProtocol"):
            port["appProtocol"] = sp["appProtocol"]
        out.append(port)
    return out


def build_subsets(service: dict, pods: list[dict]) -> tuple[list[dict], bool]:
    """Endpoints subsets for a Service (repacked by port set, sorted) and whether they
    were truncated to the 1000 addresses an Endpoints object may hold."""
    spec = service.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    headless_no_ports = spec.get("clusterIP") == "None" and not spec.get("ports")
    groups: dict[str, dict] = {}
    for pod in pods:
        if not should_be_in_endpoints(pod, publish):
            continue
        address = {"ip": pod["status"]["podIP"]}
        hostname = _hostname(pod, service)
        if hostname:
            address["hostname"] = hostname
        if (pod.get("spec") or {}).get("nodeName"):
            address["nodeName"] = pod["spec"]["nodeName"]
        address["targetRef"] = _target_ref(pod)
        ports = _pod_ports(pod, service)
        if not ports and not headless_no_ports:
            continue
        ports.sort(key=lambda p: (p["name"], p["port"], p["protocol"]))
        key = repr(ports)
        group = groups.setdefault(key, {"addresses": [], "notReadyAddresses": [],
                                        "ports": ports})
        ready = publish or pod_ready(pod)
        group["addresses" if ready else "notReadyAddresses"].append(address)
    subsets = []
    total = 0
    truncated = False
    for key in sorted(groups):
        group = groups[key]
        subset: dict = {}
        for field in ("addresses", "notReadyAddresses"):
            addrs = sorted(group[field], key=lambda a: (_ip_key(a["ip"]), a["targetRef"]["uid"]))
            room = MAX_ENDPOINTS_ADDRESSES - total
            if len(addrs) > room:
                addrs, truncated = addrs[:max(room, 0)], True
            total += len(addrs)
            if addrs:
                subset[field] = addrs
        if not subset:
            continue
        if group["ports"]:
            subset["ports"] = group["ports"]
        subsets.append(subset)
    return subsets, truncated


def _ip_key(ip: str) -> tuple:
    parts = ip.split(".")
    return tuple(int(p) for p in parts) if len(parts) == 4 and all(
        p.isdigit() for p in parts) else (ip,)


def slice_endpoint(pod: dict, service: dict) -> dict:
    """One EndpointSlice endpoint for a pod (podToEndpoint)."""
    spec = service.get("spec") or {}
    serving = pod_ready(pod)
    terminating = "deletionTimestamp" in pod["metadata"]
    ready = bool(spec.get("publishNotReadyAddresses")) or (serving and not terminating)
    status = pod["status"]
    addresses = [ip["ip"] for ip in status.get("podIPs") or () if ":" not in ip.get("ip", "")]
    endpoint: dict = {
        "addresses": addresses or [status["podIP"]],
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    hostname = _hostname(pod, service)
    if hostname:
        endpoint["hostname"] = hostname
    endpoint["targetRef"] = _target_ref(pod)
    if (pod.get("spec") or {}).get("nodeName"):
        endpoint["nodeName"] = pod["spec"]["nodeName"]
    return endpoint


def _service_labels(service: dict) -> dict:
    labels = dict(service["metadata"].get("labels") or {})
    if (service.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    return labels


class EndpointsController(Controller):
    """Keeps `Endpoints/<svc>` and the Service's EndpointSlices in line with its pods."""

    name = "endpoints"
    watches = ("services", "pods")

    def __init__(self, manager: Manager) -> None:
        super().__init__(manager)
        self.membership = Membership()
        self._rng = random.Random()

    def on_event(self, ev: WatchEvent) -> None:
        meta = ev.object.get("metadata") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        if ev.key == "services":
            if ev.type == "DELETED":
                self.membership.service_deleted(ns, name)
            else:
                selector = (ev.object.get("spec") or {}).get("selector")
                pods = self._namespace_pods(ns) if selector else []
                self.membership.service_changed(ns, name, selector, pods)
            self.enqueue(ns, name)
            return
        labels = None if ev.type == "DELETED" else (meta.get("labels") or {})
        for service in self.membership.pod_changed(ns, name, labels):
            self.enqueue(ns, service)

    def _namespace_pods(self, namespace: str) -> list[dict]:
        """Read-only, under the store lock (we are in a listener): no writes here."""
        pods_rt = self.rt("pods")
        out = []
        for name in self.manager.index.names("pods", namespace):
            pod = self.store.get(pods_rt, namespace, name)
            if pod is not None:
                out.append(pod)
        return out

    # -- reconcile -------------------------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> None:
        service = self.store.get(self.rt("services"), namespace, name)
        if service is None:
            self._delete_endpoints(namespace, name)
            return
        spec = service.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            return
        if "deletionTimestamp" in service["metadata"]:
            return
        pods_rt = self.rt("pods")
        pods = [p for p in (self.store.get(pods_rt, namespace, n)
                            for n in self.membership.members(namespace, name)) if p is not None]
        self._sync_endpoints(service, pods)
        self._sync_slices(service, pods)

    def _delete_endpoints(self, namespace: str, name: str) -> None:
        try:
            self.store.remove(self.rt("endpoints"), namespace, name)
        except StoreError as exc:
            if exc.code != 404:
                raise

    def _sync_endpoints(self, service: dict, pods: list[dict]) -> None:
        rt = self.rt("endpoints")
        meta = service["metadata"]
        subsets, truncated = build_subsets(service, pods)
        labels = _service_labels(service)
        live = self.store.get(rt, meta["namespace"], meta["name"])
        if live is not None:
            live_meta = live["metadata"]
            same = ((live.get("subsets") or []) == subsets
                    and (live_meta.get("labels") or {}) == labels
                    and (OVER_CAPACITY_ANNOTATION in (live_meta.get("annotations") or {}))
                    == truncated)
            if same:
                return
            obj = clone(live)
        else:
            obj = {"metadata": {"name": meta["name"], "namespace": meta["namespace"]}}
        obj_meta = obj["metadata"]
        annotations = dict(obj_meta.get("annotations") or {})
        annotations[TRIGGER_ANNOTATION] = rfc3339_nano(self.now())
        if truncated:
            annotations[OVER_CAPACITY_ANNOTATION] = "truncated"
        else:
            annotations.pop(OVER_CAPACITY_ANNOTATION, None)
        obj_meta["annotations"] = annotations
        if labels:
            obj_meta["labels"] = labels
        else:
            obj_meta.pop("labels", None)
        if subsets:
            obj["subsets"] = subsets
        else:
            obj.pop("subsets", None)
        if live is None:
            self.store.create(rt, obj)
        else:
            self.store.update(rt, obj)

    # -- slices ----------------------------------------------------------------------------

    def _owned_slices(self, service: dict) -> list[dict]:
        rt = self.rt("endpointslices", "discovery.k8s.io")
        meta = service["metadata"]
        out = []
        for _key, ns, name in self.manager.index.owned(meta["uid"], rt.key):
            found = self.store.get(rt, ns, name)
            if found is not None and (found["metadata"].get("labels") or {}).get(
                    MANAGED_BY_LABEL) == MANAGED_BY:
                out.append(found)
        return sorted(out, key=lambda s: s["metadata"]["name"])

    def _sync_slices(self, service: dict, pods: list[dict]) -> None:
        """Group endpoints by port set, at most 100 per slice, reusing existing slices so
        names stay stable; a Service with no endpoints keeps one empty placeholder slice."""
        by_ports: dict[str, tuple[list[dict] | None, list[dict]]] = {}
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            if not should_be_in_endpoints(pod, True):
                continue
            ports = _pod_ports(pod, service)
            key = repr(ports)
            by_ports.setdefault(key, (ports, []))[1].append(slice_endpoint(pod, service))
        wanted: list[tuple[list[dict] | None, list[dict]]] = []
        for ports, endpoints in by_ports.values():
            for i in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
                wanted.append((ports, endpoints[i:i + MAX_ENDPOINTS_PER_SLICE]))
        if not wanted:
            wanted.append((None, []))
        existing = self._owned_slices(service)
        rt = self.rt("endpointslices", "discovery.k8s.io")
        for i, (ports, endpoints) in enumerate(wanted):
            self._write_slice(rt, service, existing[i] if i < len(existing) else None,
                              ports, endpoints)
        for extra in existing[len(wanted):]:
            try:
                self.store.remove(rt, extra["metadata"]["namespace"], extra["metadata"]["name"])
            except StoreError as exc:
                if exc.code != 404:
                    raise

    def _write_slice(self, rt, service: dict, live: dict | None, ports: list[dict] | None,
                     endpoints: list[dict]) -> None:
        meta = service["metadata"]
        labels = _service_labels(service)
        labels[SERVICE_NAME_LABEL] = meta["name"]
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        if live is not None:
            live_meta = live["metadata"]
            if (live.get("endpoints") == endpoints and live.get("ports") == ports
                    and (live_meta.get("labels") or {}) == labels):
                return
            obj = clone(live)
        else:
            obj = {"metadata": {
                "name": f"{meta['name']}-{self._suffix()}",
                "namespace": meta["namespace"],
                "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": meta["name"],
                                     "uid": meta["uid"], "controller": True,
                                     "blockOwnerDeletion": True}],
            }}
        obj["metadata"]["labels"] = labels
        annotations = dict(obj["metadata"].get("annotations") or {})
        annotations[TRIGGER_ANNOTATION] = rfc3339_nano(self.now())
        obj["metadata"]["annotations"] = annotations
        obj["addressType"] = "IPv4"
        obj["endpoints"] = endpoints
        obj["ports"] = ports
        if live is None:
            self.store.create(rt, obj)
        else:
            self.store.update(rt, obj)

    def _suffix(self) -> str:
        return "".join(self._rng.choice(_NAME_ALPHABET) for _ in range(5))
