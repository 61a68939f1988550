"""Enter on a row: which rows the next table shows (pods of a workload, jobs of a cronjob),
and the containers of a pod."""

from __future__ import annotations

from dataclasses import dataclass

from kubedeck.kube.actions.ref import ObjectRef, fetch
from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import APIResource, Discovery
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.selectors import selector_string

_BY_SELECTOR = {("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
                ("apps", "DaemonSet"), ("batch", "Job")}


@dataclass(frozen=True)
class PodSelection:
    """The table to open: `resource` (pods, or jobs for a CronJob) in `namespace`, filtered
    server side by the selectors; `owner_uid`, when set, must also be a controller owner of
    each row (a CronJob's jobs share no label the server could select on)."""

    resource: APIResource
    namespace: str | None
    label_selector: str | None = None
    field_selector: str | None = None
    owner_uid: str | None = None
    crumb: str = ""


def drillable(resource: APIResource) -> bool:
    """Whether `pods_of` knows where Enter on this kind leads."""
    key = (resource.group, resource.kind)
    return key in _BY_SELECTOR or key in {("batch", "CronJob"), ("", "Service"), ("", "Node")}


def pods_of(conn: Connection, discovery: Discovery, ref: ObjectRef) -> PodSelection:
    key = (ref.resource.group, ref.kind)
    if not drillable(ref.resource):
        raise KubedeckError(f"{ref.describe_name()} has no pods to show")
    obj = fetch(conn, ref)
    spec = obj.get("spec") or {}
    crumb = f"{ref.resource.singular or ref.kind.lower()}/{ref.name}"
    pods = discovery.resolve("pods")
    if key in _BY_SELECTOR:
        selector = selector_string(spec.get("selector"))
        if not selector:
            raise KubedeckError(f"{ref.describe_name()} has no pod selector")
        return PodSelection(pods, ref.namespace, label_selector=selector, crumb=crumb)
    if key == ("batch", "CronJob"):
        labels = ((spec.get("jobTemplate") or {}).get("metadata") or {}).get("labels") or {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or None
        uid = (obj.get("metadata") or {}).get("uid") or ref.uid
        return PodSelection(discovery.resolve("jobs.batch"), ref.namespace,
                            label_selector=selector, owner_uid=uid, crumb=crumb)
    if key == ("", "Service"):
        selector = spec.get("selector") or {}
        if not selector:
            raise KubedeckError(f'service "{ref.name}" has no selector, so it selects no pods '
                                "(its endpoints are managed by hand)")
        text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        return PodSelection(pods, ref.namespace, label_selector=text, crumb=crumb)
    return PodSelection(pods, None, field_selector=f"spec.nodeName={ref.name}", crumb=crumb)


@dataclass(frozen=True)
class ContainerInfo:
    """One row of the pod → containers view."""

    name: str
    image: str
    kind: str  # "init", "main" or "ephemeral"
    state: str  # Running / Waiting reason / Terminated reason
    ready: bool
    restarts: int
    ports: str  # "http:8080/TCP,9090/TCP"
    probes: str  # "liveness:http-get :8080/healthz readiness:tcp :5432"
    started: bool = False


def _state(status: dict) -> str:
    state = status.get("state") or {}
    if "running" in state:
        return "Running"
    if "waiting" in state:
        return (state["waiting"] or {}).get("reason") or "Waiting"
    if "terminated" in state:
        term = state["terminated"] or {}
        return term.get("reason") or f"Terminated (exit {term.get('exitCode', '?')})"
    return "Waiting" if status else "Unknown"


def _ports(container: dict) -> str:
    out = []
    for p in container.get("ports") or []:
        text = f"{p.get('containerPort', '')}/{p.get('protocol') or 'TCP'}"
        out.append(f"{p['name']}:{text}" if p.get("name") else text)
    return ",".join(out)


def probe_text(probe: dict) -> str:
    """kubectl describe's short form of a probe's handler: `http-get http://:8080/healthz`."""
    if "httpGet" in probe:
        h = probe["httpGet"] or {}
        return (f"http-get {(h.get('scheme') or 'HTTP').lower()}://{h.get('host', '')}:"
                f"{h.get('port', '')}{h.get('path', '')}")
    if "tcpSocket" in probe:
        t = probe["tcpSocket"] or {}
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')}"
    if "grpc" in probe:
        g = probe["grpc"] or {}
        return f"grpc <pod>:{g.get('port', '')} {g.get('service') or ''}".rstrip()
    if "exec" in probe:
        return "exec [" + " ".join((probe["exec"] or {}).get("command") or []) + "]"
    return "unknown"


def _probes(container: dict) -> str:
    kinds = (("livenessProbe", "liveness"), ("readinessProbe", "readiness"),
             ("startupProbe", "startup"))
    return " ".join(f"{label}:{probe_text(container[key])}" for key, label in kinds
                    if container.get(key))


def containers_of(pod: dict) -> list[ContainerInfo]:
    """Init, then main, then ephemeral containers, each joined with its status."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    out = []
    for kind, spec_key, status_key in (("init", "initContainers", "initContainerStatuses"),
                                       ("main", "containers", "containerStatuses"),
                                       ("ephemeral", "ephemeralContainers",
                                        "ephemeralContainerStatuses")):
        statuses = {s.get("name"): s for s in status.get(status_key) or []}
        for c in spec.get(spec_key) or []:
            st = statuses.get(c.get("name"), {})
            out.append(ContainerInfo(
                name=c.get("name", ""), image=c.get("image", ""), kind=kind, state=_state(st),
                ready=bool(st.get("ready")), restarts=int(st.get("restartCount") or 0),
                ports=_ports(c), probes=_probes(c), started=bool(st.get("started"))))
    return out
