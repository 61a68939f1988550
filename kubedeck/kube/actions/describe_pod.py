"""The Pod describer and the pod-template block every workload describer embeds
(kubectl's describePod, describeContainers, describeVolumes, DescribePodTemplate)."""

from __future__ import annotations

import math
import re

from kubedeck.kube.actions.describe_util import (
    annotations_block,
    go_time,
    labels_block,
    since,
)
from kubedeck.kube.actions.quantity import Quantity
from kubedeck.kube.actions.tabwriter import PrefixWriter
from kubedeck.kube.columns import quantity


def controller_of(obj: dict) -> str:
    """printController: `Kind/name` of the controlling owner, or ""."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def go_bool(value: object) -> str:
    return "true" if value else "false"


def _ports(ports: list[dict], key: str) -> str:
    return ", ".join(f"{p.get(key) or 0}/{p.get('protocol') or 'TCP'}" for p in ports)


def _probe(probe: dict) -> str:
    """DescribeProbe: the handler and its timing attributes."""
    attrs = (f"delay={probe.get('initialDelaySeconds') or 0}s "
             f"timeout={probe.get('timeoutSeconds') or 0}s "
             f"period={probe.get('periodSeconds') or 0}s "
             f"#success={probe.get('successThreshold') or 0} "
             f"#failure={probe.get('failureThreshold') or 0}")
    if "exec" in probe:
        return f"exec [{' '.join((probe['exec'] or {}).get('command') or [])}] {attrs}"
    if "httpGet" in probe:
        h = probe["httpGet"] or {}
        port = str(h.get("port", ""))
        host = h.get("host", "")
        hostport = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        return f"http-get {(h.get('scheme') or '').lower()}://{hostport}{h.get('path', '')} {attrs}"
    if "tcpSocket" in probe:
        t = probe["tcpSocket"] or {}
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if "grpc" in probe:
        g = probe["grpc"] or {}
        return f"grpc <pod>:{g.get('port', 0)} {g.get('service') or ''} {attrs}"
    return f"unknown {attrs}"


def _state(w: PrefixWriter, title: str, state: dict) -> None:
    if "running" in state:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{go_time((state['running'] or {}).get('startedAt'))}\n")
    elif "terminated" in state:
        t = state["terminated"] or {}
        w.write(2, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{_zero_time(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{_zero_time(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")
        reason = (state.get("waiting") or {}).get("reason")
        if reason:
            w.write(3, f"Reason:\t{reason}\n")


def _zero_time(stamp: str | None) -> str:
    """Go formats an unset metav1.Time as the zero time, not <unset>."""
    return go_time(stamp) if stamp else "Mon, 01 Jan 0001 00:00:00 +0000"


_FIELD_REF = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


def _field_value(pod: dict | None, path: str) -> str:
    """EnvValueRetriever: what a downward-API fieldRef resolves to on this pod."""
    if pod is None:
        return ""
    meta, spec, status = (pod.get(k) or {} for k in ("metadata", "spec", "status"))
    m = _FIELD_REF.match(path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"),
              "status.hostIP": status.get("hostIP"), "status.podIP": status.get("podIP"),
              "status.podIPs": ",".join(i.get("ip", "") for i in status.get("podIPs") or [])}
    return str(simple.get(path) or "")


def _resource_value(container: dict, ref: dict) -> str:
    """ExtractContainerResourceValue: a request or limit in units of the divisor."""
    resource = ref.get("resource", "")
    kind, _, name = resource.partition(".")
    raw = ((container.get("resources") or {}).get(kind) or {}).get(name)
    value = quantity(str(raw)) if raw is not None else 0.0
    divisor = quantity(str(ref.get("divisor") or "1")) or 1.0
    if name == "cpu":
        return str(math.ceil(round((value or 0.0) * 1000) / round(divisor * 1000)))
    return str(math.ceil((value or 0.0) / divisor))


def _env(w: PrefixWriter, c: dict, pod: dict | None) -> None:
    if c.get("envFrom"):
        w.write(2, "Environment Variables from:\n")
        for e in c["envFrom"]:
            if "configMapRef" in e:
                src, ref = "ConfigMap", e["configMapRef"] or {}
            else:
                src, ref = "Secret", e.get("secretRef") or {}
            optional = go_bool(ref.get("optional"))
            prefix = e.get("prefix")
            kind = f"{src} with prefix '{prefix}'" if prefix else src
            w.write(3, f"{ref.get('name', '')}\t{kind}\tOptional: {optional}\n")
    env = c.get("env") or []
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        vf = e.get("valueFrom")
        if vf is None:
            for i, part in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{e['name']}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif "fieldRef" in vf:
            ref = vf["fieldRef"] or {}
            value = _field_value(pod, ref.get("fieldPath", ""))
            w.write(3, f"{e['name']}:\t{value} ({ref.get('apiVersion', '')}:"
                       f"{ref.get('fieldPath', '')})\n")
        elif "resourceFieldRef" in vf:
            ref = vf["resourceFieldRef"] or {}
            value = _resource_value(c, ref)
            if value == "0" and ref.get("resource") in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{e['name']}:\t{value} ({ref.get('resource', '')})\n")
        elif "secretKeyRef" in vf:
            ref = vf["secretKeyRef"] or {}
            w.write(3, f"{e['name']}:\t<set to the key '{ref.get('key', '')}' in secret "
                       f"'{ref.get('name', '')}'>\tOptional: {go_bool(ref.get('optional'))}\n")
        elif "configMapKeyRef" in vf:
            ref = vf["configMapKeyRef"] or {}
            w.write(3, f"{e['name']}:\t<set to the key '{ref.get('key', '')}' of config map "
                       f"'{ref.get('name', '')}'>\tOptional: {go_bool(ref.get('optional'))}\n")


def _mounts(w: PrefixWriter, c: dict) -> None:
    mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
    w.write(2, "Mounts:" + ("" if mounts else "\t<none>") + "\n")
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")
    devices = sorted(c.get("volumeDevices") or [], key=lambda d: d.get("devicePath", ""))
    if devices:
        w.write(2, "Devices:" + ("" if mounts else "\t<none>") + "\n")
        for d in devices:
            w.write(3, f"{d.get('devicePath', '')} from {d.get('name', '')}\n")


def containers(w: PrefixWriter, label: str, specs: list[dict], statuses: list[dict] | None,
               pod: dict | None, space: str = "") -> None:
    """describeContainers: each container's image, ports, state, resources, probes, env,
    mounts (statuses is None inside a pod template)."""
    w.write(0, f"{space}{label}:{'' if specs else ' <none>'}\n")
    by_name = {s.get("name"): s for s in statuses or []}
    indent = " " if space else ""
    for c in specs:
        status = by_name.get(c.get("name"))
        w.write(1, f"{indent}{c.get('name', '')}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        ports = c.get("ports") or []
        text = _ports(ports, "containerPort")
        w.write(2, f"Ports:\t{text}\n" if "," in text else f"Port:\t{text or '<none>'}\n")
        text = _ports(ports, "hostPort")
        w.write(2, f"Host Ports:\t{text}\n" if "," in text else
                f"Host Port:\t{text or '<none>'}\n")
        if c.get("restartPolicy"):
            w.write(2, f"Restart Policy:\t{c['restartPolicy']}\n")
        for key, title in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                w.write(2, f"{title}:\n")
                for item in c[key]:
                    for part in str(item).split("\n"):
                        w.write(3, f"{part}\n")
        if status is not None:
            _state(w, "State", status.get("state") or {})
            last = status.get("lastState") or {}
            if "terminated" in last:
                _state(w, "Last State", last)
            w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        resources = c.get("resources") or {}
        for key, title in (("limits", "Limits"), ("requests", "Requests")):
            values = resources.get(key) or {}
            if values:
                w.write(2, f"{title}:\n")
            for name in sorted(values):
                w.write(3, f"{name}:\t{Quantity.parse(values[name])}\n")
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                           ("startupProbe", "Startup")):
            if c.get(key):
                w.write(2, f"{title}:\t{_probe(c[key])}\n")
        _env(w, c, pod)
        _mounts(w, c)


def _volume(w: PrefixWriter, v: dict) -> None:
    if "hostPath" in v:
        hp = v["hostPath"] or {}
        w.write(2, "Type:\tHostPath (bare host directory volume)\n"
                   f"    Path:\t{hp.get('path', '')}\n    HostPathType:\t{hp.get('type', '')}\n")
    elif "emptyDir" in v:
        ed = v["emptyDir"] or {}
        limit = ed.get("sizeLimit")
        size = str(limit) if limit and (quantity(str(limit)) or 0) > 0 else "<unset>"
        w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                   f"    Medium:\t{ed.get('medium', '')}\n    SizeLimit:\t{size}\n")
    elif "secret" in v:
        s = v["secret"] or {}
        w.write(2, "Type:\tSecret (a volume populated by a Secret)\n"
                   f"    SecretName:\t{s.get('secretName', '')}\n"
                   f"    Optional:\t{go_bool(s.get('optional'))}\n")
    elif "configMap" in v:
        cm = v["configMap"] or {}
        w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
                   f"    Name:\t{cm.get('name', '')}\n"
                   f"    Optional:\t{go_bool(cm.get('optional'))}\n")
    elif "persistentVolumeClaim" in v:
        claim = v["persistentVolumeClaim"] or {}
        w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in "
                   f"the same namespace)\n    ClaimName:\t{claim.get('claimName', '')}\n"
                   f"    ReadOnly:\t{go_bool(claim.get('readOnly'))}\n")
    elif "projected" in v:
        w.write(2, "Type:\tProjected (a volume that contains injected data from multiple "
                   "sources)\n")
        for src in (v["projected"] or {}).get("sources") or []:
            if "secret" in src:
                s = src["secret"] or {}
                w.write(2, f"SecretName:\t{s.get('name', '')}\n"
                           f"    SecretOptionalName:\t{_optional(s)}\n")
            elif "downwardAPI" in src:
                w.write(2, "DownwardAPI:\ttrue\n")
            elif "configMap" in src:
                cm = src["configMap"] or {}
                w.write(2, f"ConfigMapName:\t{cm.get('name', '')}\n"
                           f"    ConfigMapOptional:\t{_optional(cm)}\n")
            elif "serviceAccountToken" in src:
                seconds = (src["serviceAccountToken"] or {}).get("expirationSeconds", 0)
                w.write(2, f"TokenExpirationSeconds:\t{seconds}\n")
    elif "downwardAPI" in v:
        w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n"
                   "    Items:\n")
        for item in (v["downwardAPI"] or {}).get("items") or []:
            if "fieldRef" in item:
                w.write(3, f"{item['fieldRef'].get('fieldPath', '')} -> {item.get('path', '')}\n")
            if "resourceFieldRef" in item:
                w.write(3, f"{item['resourceFieldRef'].get('resource', '')} -> "
                           f"{item.get('path', '')}\n")
    else:
        w.write(1, "<unknown>\n")


def _optional(ref: dict) -> str:
    """A *bool printed with %v: <nil> when unset."""
    return "<nil>" if ref.get("optional") is None else go_bool(ref["optional"])


def volumes(w: PrefixWriter, vols: list[dict], space: str = "") -> None:
    if not vols:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    indent = " " if space else ""
    for v in vols:
        w.write(1, f"{indent}{v.get('name', '')}:\n")
        _volume(w, v)


def tolerations(w: PrefixWriter, title: str, items: list[dict] | None) -> None:
    """printPodTolerationsMultiline: `key=value:Effect op=Exists for 300s` per line."""
    w.write(0, f"{title}:\t")
    if not items:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(items, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def label_selector_text(selector: dict | None) -> str:
    """metav1.FormatLabelSelector: requirements sorted by key, `<none>` when empty."""
    if selector is None:
        return "<none>"
    reqs: list[tuple[str, str]] = [(k, f"{k}={v}") for k, v in
                                   (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key", ""), e.get("operator"), sorted(e.get("values") or [])
        text = {"In": f"{key} in ({','.join(values)})",
                "NotIn": f"{key} notin ({','.join(values)})",
                "Exists": key, "DoesNotExist": f"!{key}"}.get(op, key)
        reqs.append((key, text))
    return ",".join(text for _, text in sorted(reqs, key=lambda r: r[0])) or "<none>"


def spread(w: PrefixWriter, constraints: list[dict] | None, space: str = "") -> None:
    if not constraints:
        return
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, c in enumerate(sorted(constraints, key=lambda c: c.get("topologyKey", ""))):
        if i:
            w.write(0, f"{space}\t")
        text = (f"{c.get('topologyKey', '')}:{c.get('whenUnsatisfiable', '')} when max skew "
                f"{c.get('maxSkew', 0)} is exceeded")
        if c.get("labelSelector") is not None:
            text += f" for selector {label_selector_text(c['labelSelector'])}"
        w.write(0, text + "\n")


def pod_template(w: PrefixWriter, template: dict | None) -> None:
    """DescribePodTemplate, as embedded in deployment/replicaset/... descriptions."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    labels_block(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        annotations_block(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    containers(w, "Containers", spec.get("containers") or [], None, None, "  ")
    volumes(w, spec.get("volumes") or [], "  ")
    spread(w, spec.get("topologySpreadConstraints"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_block(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "  Tolerations", spec.get("tolerations"))


def qos_class(pod: dict) -> str:
    """The pod's QoS class (status.qosClass, else computed as GetPodQOS does)."""
    given = (pod.get("status") or {}).get("qosClass")
    if given:
        return given
    spec = pod.get("spec") or {}
    all_c = (spec.get("containers") or []) + (spec.get("initContainers") or [])
    requests: dict[str, float] = {}
    limits: dict[str, float] = {}
    guaranteed = True
    for c in all_c:
        res = c.get("resources") or {}
        req = {k: quantity(str(v)) or 0.0 for k, v in (res.get("requests") or {}).items()
               if k in ("cpu", "memory")}
        lim = {k: quantity(str(v)) or 0.0 for k, v in (res.get("limits") or {}).items()
               if k in ("cpu", "memory")}
        for k, v in req.items():
            if v:
                requests[k] = requests.get(k, 0.0) + v
        for k, v in lim.items():
            if v:
                limits[k] = limits.get(k, 0.0) + v
        if set(lim) != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(requests.get(k, limits[k]) == limits[k] for k in limits):
        return "Guaranteed"
    return "Burstable"


def describe_pod(w: PrefixWriter, pod: dict, now: float) -> None:
    meta, spec, status = (pod.get(k) or {} for k in ("metadata", "spec", "status"))
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{go_time(status['startTime'])}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    phase = status.get("phase", "")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    seccomp = (spec.get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or []
    if ips:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    else:
        w.write(0, "IPs:\t<none>\n")
    owner = controller_of(pod)
    if owner:
        w.write(0, f"Controlled By:\t{owner}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"],
                   status.get("initContainerStatuses") or [], pod)
    containers(w, "Containers", spec.get("containers") or [],
               status.get("containerStatuses") or [], pod)
    if spec.get("ephemeralContainers"):
        containers(w, "Ephemeral Containers", spec["ephemeralContainers"],
                   status.get("ephemeralContainerStatuses") or [], pod)
    conditions = status.get("conditions") or []
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in spec["readinessGates"]:
            found = next((c.get("status") for c in conditions
                          if c.get("type") == gate.get("conditionType")), "<none>")
            w.write(1, f"{gate.get('conditionType', '')} \t{found} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \n")
    volumes(w, spec.get("volumes") or [])
    w.write(0, f"QoS Class:\t{qos_class(pod)}\n")
    labels_block(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "Tolerations", spec.get("tolerations"))
    spread(w, spec.get("topologySpreadConstraints"))
