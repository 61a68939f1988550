"""kubectl's describers for services, nodes, namespaces, config, storage, ingresses and HPAs."""

from __future__ import annotations

import json

from kubedeck.kube.actions.describe_util import (
    annotations_block,
    go_time,
    labels_block,
    since,
)
from kubedeck.kube.actions.describers import Context
from kubedeck.kube.actions.quantity import Quantity
from kubedeck.kube.actions.tabwriter import PrefixWriter
from kubedeck.kube.errors import ApiError

_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
          ("ReadWriteOncePod", "RWOP"))


def _access_modes(modes: list[str] | None) -> str:
    have = set(modes or [])
    return ",".join(short for long, short in _MODES if long in have)


def _go_list(items: list | None) -> str:
    return "[" + " ".join(str(i) for i in items or []) + "]"


def _endpoints(slices: list[dict], port_name: str | None) -> str:
    """formatEndpointSlices: up to three `ip:port`, then "+ N more..."."""
    if not slices:
        return "<none>"
    shown: list[str] = []
    count = 0
    for s in slices:
        ports = s.get("ports") or []
        groups = [None] if not ports else [p for p in ports if port_name is None
                                           or (p.get("name") or "") == port_name]
        for port in groups:
            for ep in s.get("endpoints") or []:
                addr = (ep.get("addresses") or [""])[0]
                if len(shown) < 3:
                    shown.append(addr if port is None else
                                 (f"[{addr}]" if ":" in addr else addr) + f":{port.get('port')}")
                count += 1
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if count > 3 else text


def _slices(ctx: Context, namespace: str, service: str) -> list[dict]:
    return ctx.items(f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices",
                     labelSelector=f"kubernetes.io/service-name={service}")


def service(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    selector = spec.get("selector") or {}
    w.write(0, f"Selector:\t{','.join(f'{k}={selector[k]}' for k in sorted(selector)) or '<none>'}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, "LoadBalancer Ingress:\t"
                   f"{', '.join(i.get('ip') or i.get('hostname') or '' for i in ingress)}\n")
    slices = _slices(ctx, meta.get("namespace", ""), meta.get("name", ""))
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        proto = port.get("protocol") or "TCP"
        w.write(0, f"Port:\t{name}\t{port.get('port', 0)}/{proto}\n")
        target = port.get("targetPort", port.get("port", 0))
        w.write(0, f"TargetPort:\t{target}/{proto}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{_endpoints(slices, port.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")


def _taint(t: dict) -> str:
    text = t.get("key", "")
    if t.get("value"):
        text += f"={t['value']}"
    if t.get("effect"):
        text += f":{t['effect']}"
    return text


def _roles(labels: dict) -> str:
    roles = set()
    for key, value in labels.items():
        if key.startswith("node-role.kubernetes.io/"):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(r for r in roles if r)) or "<none>"


def _pod_resources(pod: dict) -> tuple[dict[str, Quantity], dict[str, Quantity]]:
    """PodRequestsAndLimits: containers summed, init containers as a floor, plus overhead."""
    spec = pod.get("spec") or {}
    out: list[dict[str, Quantity]] = []
    for kind in ("requests", "limits"):
        acc: dict[str, Quantity] = {}
        for c in spec.get("containers") or []:
            for k, v in ((c.get("resources") or {}).get(kind) or {}).items():
                acc[k] = acc.get(k, Quantity()) + Quantity.parse(v)
        for c in spec.get("initContainers") or []:
            for k, v in ((c.get("resources") or {}).get(kind) or {}).items():
                q = Quantity.parse(v)
                if k not in acc or q.value > acc[k].value:
                    acc[k] = q
        for k, v in (spec.get("overhead") or {}).items():
            if k in acc:
                acc[k] = acc[k] + Quantity.parse(v)
        out.append(acc)
    return out[0], out[1]


def _pct(part: Quantity, whole: Quantity) -> int:
    return int(part.value / whole.value * 100) if whole.value else 0


def _with_pct(q: Quantity, whole: Quantity) -> str:
    return f"{q} ({_pct(q, whole)}%)"


def _node_resources(w: PrefixWriter, pods: list[dict], node: dict, now: float) -> None:
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    alloc = {k: Quantity.parse(v) for k, v in allocatable.items()}
    zero = Quantity()
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\t"
               "Age\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t"
               "---\n")
    sums: list[dict[str, Quantity]] = [{}, {}]
    for pod in pods:
        req, lim = _pod_resources(pod)
        for acc, part in zip(sums, (req, lim), strict=True):
            for k, v in part.items():
                acc[k] = acc.get(k, Quantity()) + v
        meta = pod.get("metadata") or {}
        cells = [_with_pct(req.get("cpu", zero), alloc.get("cpu", zero)),
                 _with_pct(lim.get("cpu", zero), alloc.get("cpu", zero)),
                 _with_pct(req.get("memory", zero), alloc.get("memory", zero)),
                 _with_pct(lim.get("memory", zero), alloc.get("memory", zero))]
        w.write(1, f"{meta.get('namespace', '')}\t{meta.get('name', '')}\t\t"
                   + "\t".join(cells) + f"\t{since(meta.get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., "
               "overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    reqs, limits = sums
    for name in ("cpu", "memory", "ephemeral-storage"):
        w.write(1, f"{name}\t{_with_pct(reqs.get(name, zero), alloc.get(name, zero))}\t"
                   f"{_with_pct(limits.get(name, zero), alloc.get(name, zero))}\n")
    standard = {"cpu", "memory", "ephemeral-storage", "pods", "storage"}
    for name in sorted(k for k in alloc if k.startswith("hugepages-")):
        w.write(1, f"{name}\t{_with_pct(reqs.get(name, zero), alloc[name])}\t"
                   f"{_with_pct(limits.get(name, zero), alloc[name])}\n")
    for name in sorted(k for k in alloc if k not in standard and not k.startswith("hugepages-")
                       and "/" in k):
        w.write(1, f"{name}\t{reqs.get(name, zero)}\t{limits.get(name, zero)}\n")


def node(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    name = meta.get("name", "")
    w.write(0, f"Name:\t{name}\n")
    w.write(0, f"Roles:\t{_roles(meta.get('labels') or {})}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{go_time(meta.get('creationTimestamp'))}\n")
    taints = sorted(spec.get("taints") or [], key=lambda t: f"{t.get('effect', '')},"
                                                          f"{t.get('key', '')}")
    w.write(0, "Taints:\t")
    if not taints:
        w.line("<none>")
    for i, t in enumerate(taints):
        w.write(0, ("\t" if i else "") + _taint(t) + "\n")
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    try:
        lease = json.loads(ctx.conn.get(
            f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}"))
    except ApiError:
        lease = None
    if lease is not None:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        for key, title in (("acquireTime", "AcquireTime"), ("renewTime", "RenewTime")):
            w.write(1, f"{title}:\t{go_time(ls[key]) if ls.get(key) else '<unset>'}\n")
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason"
                   "\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t"
                       f"{_zero(c.get('lastHeartbeatTime'))} \t"
                       f"{_zero(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t"
                       f"{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in status.get("addresses") or []:
        w.write(1, f"{a.get('type', '')}:\t{a.get('address', '')}\n")
    for key, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        values = status.get(key) or {}
        if values:
            w.write(0, f"{title}:\n")
            for res in sorted(values):
                w.write(0, f"  {res}:\t{Quantity.parse(values[res])}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for key, title in (("machineID", "Machine ID"), ("systemUUID", "System UUID"),
                       ("bootID", "Boot ID"), ("kernelVersion", "Kernel Version"),
                       ("osImage", "OS Image"), ("operatingSystem", "Operating System"),
                       ("architecture", "Architecture"),
                       ("containerRuntimeVersion", "Container Runtime Version"),
                       ("kubeletVersion", "Kubelet Version"),
                       ("kubeProxyVersion", "Kube-Proxy Version")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    try:
        pods = json.loads(ctx.conn.get("/api/v1/pods", {
            "fieldSelector": f"spec.nodeName={name},status.phase!=Failed,"
                             "status.phase!=Succeeded"})).get("items") or []
    except ApiError:
        w.write(0, "Pods:\tnot authorized\n")
        return
    _node_resources(w, pods, obj, ctx.now)


def _zero(stamp: str | None) -> str:
    return go_time(stamp) if stamp else "Mon, 01 Jan 0001 00:00:00 +0000"


def namespace(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    name = meta.get("name", "")
    w.write(0, f"Name:\t{name}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t"
                       f"{_zero(c.get('lastTransitionTime'))}\t{c.get('reason', '')}\t"
                       f"{c.get('message', '')}\n")
    w.write(0, "\n")
    quotas = sorted(ctx.items(f"/api/v1/namespaces/{name}/resourcequotas"),
                    key=lambda q: q["metadata"]["name"])
    if not quotas:
        w.write(0, "No resource quota.\n")
    else:
        w.write(0, "Resource Quotas\n")
        for q in quotas:
            w.write(1, f"Name:\t{q['metadata']['name']}\n")
            scopes = sorted((q.get("spec") or {}).get("scopes") or [])
            if scopes:
                w.write(1, f"Scopes:\t{', '.join(scopes)}\n")
            w.write(1, "Resource\tUsed\tHard\n")
            w.write(1, "--------\t---\t---\n")
            qs = q.get("status") or {}
            hard, used = qs.get("hard") or {}, qs.get("used") or {}
            for res in sorted(hard):
                w.write(1, f"{res}\t{Quantity.parse(used.get(res, 0))}\t"
                           f"{Quantity.parse(hard[res])}\n")
    w.write(0, "\n")
    ranges = ctx.items(f"/api/v1/namespaces/{name}/limitranges")
    if not ranges:
        w.write(0, "No LimitRange resource.\n")
        return
    w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\t"
               "Max Limit/Request Ratio\n")
    w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t"
               "-----------------------\n")
    for lr in ranges:
        for item in (lr.get("spec") or {}).get("limits") or []:
            maps = [item.get(k) or {} for k in ("min", "max", "defaultRequest", "default",
                                                 "maxLimitRequestRatio")]
            for res in sorted(set().union(*maps)):
                cells = [str(Quantity.parse(m[res])) if res in m else "-" for m in maps]
                w.write(0, f" {item.get('type', '')}\t{res}\t" + "\t".join(cells) + "\n")


def configmap(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, "\nData\n====\n")
    data = obj.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{data[key]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = obj.get("binaryData") or {}
    for key in sorted(binary):
        w.write(0, f"{key}: {len(_b64len(binary[key]))} bytes\n")
    w.write(0, "\n")


def _b64len(text: str) -> bytes:
    import base64

    return base64.b64decode(text or "")


def secret(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"\nType:\t{obj.get('type', '')}\n")
    w.write(0, "\nData\n====\n")
    data = obj.get("data") or {}
    for key in sorted(data):
        raw = _b64len(data[key])
        if key == "token" and obj.get("type") == "kubernetes.io/service-account-token":
            w.write(0, f"{key}:\t{raw.decode('utf-8', 'replace')}\n")
        else:
            w.write(0, f"{key}:\t{len(raw)} bytes\n")


def _backend(ctx: Context, namespace: str, backend: dict | None) -> str:
    if not backend:
        return ""
    svc = backend.get("service")
    if svc is not None:
        port = svc.get("port") or {}
        text = f"{svc.get('name', '')}:{port.get('name') or port.get('number', 0)}"
        try:
            service_obj = json.loads(ctx.conn.get(
                f"/api/v1/namespaces/{namespace}/services/{svc.get('name', '')}"))
            slices = json.loads(ctx.conn.get(
                f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices",
                {"labelSelector": f"kubernetes.io/service-name={svc.get('name', '')}"}
            )).get("items") or []
        except ApiError as exc:
            return f"{text} (<error: {exc.message.removeprefix('Error from server ')}>)"
        port_name = ""
        for sp in (service_obj.get("spec") or {}).get("ports") or []:
            if (port.get("number") and port["number"] == sp.get("port")) or \
                    (port.get("name") and port["name"] == sp.get("name")):
                port_name = sp.get("name") or ""
        return f"{text} ({_endpoints(slices, port_name)})"
    res = backend.get("resource")
    if res is not None:
        return (f"APIGroup: {res.get('apiGroup') or '<none>'}, Kind: {res.get('kind', '')}, "
                f"Name: {res.get('name', '')}")
    return ""


def ingress(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    ns = meta.get("namespace", "")
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    w.write(0, f"Namespace:\t{ns}\n")
    lb = (status.get("loadBalancer") or {}).get("ingress") or []
    w.write(0, f"Address:\t{','.join(i.get('ip') or i.get('hostname') or '' for i in lb)}\n")
    w.write(0, f"Ingress Class:\t{spec.get('ingressClassName') or '<none>'}\n")
    default = spec.get("defaultBackend")
    w.write(0, "Default backend:\t"
               f"{_backend(ctx, ns, default) if default else '<default>'}\n")
    if spec.get("tls"):
        w.write(0, "TLS:\n")
        for t in spec["tls"]:
            hosts = ",".join(t.get("hosts") or [])
            w.write(1, f"{t['secretName']} terminates {hosts}\n" if t.get("secretName")
                    else f"SNI routes {hosts}\n")
    w.write(0, "Rules:\n  Host\tPath\tBackends\n")
    w.write(1, "----\t----\t--------\n")
    count = 0
    for rule in spec.get("rules") or []:
        if rule.get("http") is None:
            continue
        count += 1
        w.write(1, f"{rule.get('host') or '*'}\t\n")
        for path in rule["http"].get("paths") or []:
            w.write(2, f"\t{path.get('path', '')} \t{_backend(ctx, ns, path.get('backend'))}\n")
    if count == 0:
        w.write(1, f"*\t*\t{_backend(ctx, ns, default)}\n")
    annotations_block(w, "Annotations", meta.get("annotations"))


def _claim_class(pvc: dict) -> str:
    annotations = (pvc.get("metadata") or {}).get("annotations") or {}
    return annotations.get("volume.beta.kubernetes.io/storage-class") or \
        (pvc.get("spec") or {}).get("storageClassName") or ""


def pvc(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"StorageClass:\t{_claim_class(obj)}\n")
    if meta.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], ctx.now)})\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Finalizers:\t{_go_list(meta.get('finalizers'))}\n")
    capacity, modes = "", ""
    if spec.get("volumeName"):
        modes = _access_modes(status.get("accessModes"))
        capacity = str(Quantity.parse((status.get("capacity") or {}).get("storage", 0)))
    w.write(0, f"Capacity:\t{capacity}\n")
    w.write(0, f"Access Modes:\t{modes}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    source = spec.get("dataSource")
    if source:
        w.write(0, "DataSource:\n")
        if source.get("apiGroup"):
            w.write(1, f"APIGroup:\t{source['apiGroup']}\n")
        w.write(1, f"Kind:\t{source.get('kind', '')}\n")
        w.write(1, f"Name:\t{source.get('name', '')}\n")
    claim = meta.get("name", "")
    users = sorted(p["metadata"]["name"] for p in
                   ctx.items(f"/api/v1/namespaces/{meta.get('namespace', '')}/pods")
                   if any((v.get("persistentVolumeClaim") or {}).get("claimName") == claim
                          for v in (p.get("spec") or {}).get("volumes") or []))
    w.write(0, "Used By:\t")
    if not users:
        w.line("<none>")
    for i, name in enumerate(users):
        w.write(0, ("\t" if i else "") + f"{name}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t"
                       f"{_zero(c.get('lastProbeTime'))} \t{_zero(c.get('lastTransitionTime'))} "
                       f"\t{c.get('reason', '')} \t{c.get('message', '')}\n")


def pv(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Finalizers:\t{_go_list(meta.get('finalizers'))}\n")
    storage_class = (meta.get("annotations") or {}).get(
        "volume.beta.kubernetes.io/storage-class") or spec.get("storageClassName") or ""
    w.write(0, f"StorageClass:\t{storage_class}\n")
    if meta.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], ctx.now)})\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    claim = spec.get("claimRef")
    w.write(0, f"Claim:\t{claim.get('namespace', '')}/{claim.get('name', '')}\n" if claim
            else "Claim:\t\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{_access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, f"Capacity:\t{Quantity.parse((spec.get('capacity') or {}).get('storage', 0))}\n")
    required = (spec.get("nodeAffinity") or {}).get("required")
    w.write(0, "Node Affinity:\t")
    if required is None:
        w.line("<none>")
    else:
        w.line("")
        terms = required.get("nodeSelectorTerms") or []
        w.write(1, "Required Terms:\t")
        if not terms:
            w.line("<none>")
        else:
            w.line("")
        for i, term in enumerate(terms):
            exprs = term.get("matchExpressions") or []
            w.write(2, f"Term {i}:\t")
            if not exprs:
                w.line("<none>")
            for j, e in enumerate(exprs):
                if j:
                    w.write(2, "\t")
                text = f"{e.get('key', '')} {str(e.get('operator', '')).lower()}"
                if e.get("values"):
                    text += f" [{', '.join(e['values'])}]"
                w.write(0, text + "\n")
    w.write(0, f"Message:\t{status.get('message', '')}\n")
    w.write(0, "Source:\n")
    if "hostPath" in spec:
        hp = spec["hostPath"] or {}
        w.write(2, "Type:\tHostPath (bare host directory volume)\n"
                   f"    Path:\t{hp.get('path', '')}\n    HostPathType:\t{hp.get('type', '')}\n")
    elif "nfs" in spec:
        nfs = spec["nfs"] or {}
        w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n"
                   f"    Server:\t{nfs.get('server', '')}\n    Path:\t{nfs.get('path', '')}\n"
                   f"    ReadOnly:\t{'true' if nfs.get('readOnly') else 'false'}\n")
    elif "local" in spec:
        w.write(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a "
                   f"node)\n    Path:\t{(spec['local'] or {}).get('path', '')}\n")
    elif "csi" in spec:
        csi = spec["csi"] or {}
        w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
                   f"    Driver:\t{csi.get('driver', '')}\n    FSType:\t{csi.get('fsType', '')}\n"
                   f"    VolumeHandle:\t{csi.get('volumeHandle', '')}\n"
                   f"    ReadOnly:\t{'true' if csi.get('readOnly') else 'false'}\n")
        labels_block(w, "VolumeAttributes", csi.get("volumeAttributes"), initial="    ")


def _metric(w: PrefixWriter, i: int, metric: dict, current: list[dict]) -> None:
    kind = metric.get("type", "")
    cur = current[i] if len(current) > i else {}
    if kind in ("Resource", "ContainerResource"):
        key = "resource" if kind == "Resource" else "containerResource"
        m = metric.get(key) or {}
        if kind == "Resource":
            w.write(1, f"resource {m.get('name', '')} on pods")
        else:
            w.write(1, f"resource {m.get('name', '')} of container \"{m.get('container', '')}\" "
                       "on pods")
        target = m.get("target") or {}
        now = (cur.get(key) or {}).get("current") or {}
        if target.get("averageValue") is not None:
            value = now.get("averageValue") if cur.get(key) else None
            w.write(0, f":\t{value if value is not None else '<unknown>'} / "
                       f"{target['averageValue']}\n")
        else:
            util = now.get("averageUtilization")
            shown = f"{util}% ({now.get('averageValue', '0')})" if cur.get(key) and \
                util is not None else "<unknown>"
            want = f"{target['averageUtilization']}%" \
                if target.get("averageUtilization") is not None else "<auto>"
            w.write(1, f"(as a percentage of request):\t{shown} / {want}\n")
    elif kind == "Pods":
        m = metric.get("pods") or {}
        now = ((cur.get("pods") or {}).get("current") or {}).get("averageValue")
        w.write(1, f"\"{(m.get('metric') or {}).get('name', '')}\" on pods:\t"
                   f"{now if now is not None else '<unknown>'} / "
                   f"{(m.get('target') or {}).get('averageValue', '0')}\n")
    elif kind in ("External", "Object"):
        key = kind.lower()
        m = metric.get(key) or {}
        target = m.get("target") or {}
        now = (cur.get(key) or {}).get("current") or {}
        name = (m.get("metric") or {}).get("name", "")
        average = target.get("averageValue") is not None if kind == "External" \
            else target.get("type") == "AverageValue"
        field = "averageValue" if average else "value"
        label = "(target average value)" if average else "(target value)"
        shown = now.get(field) if cur.get(key) and now.get(field) is not None else "<unknown>"
        if kind == "External":
            w.write(1, f"\"{name}\" {label}:\t{shown} / {target.get(field, '0')}\n")
        else:
            described = m.get("describedObject") or {}
            w.write(1, f"\"{name}\" on {described.get('kind', '')}/{described.get('name', '')} ")
            w.write(0, f"{label}:\t{shown} / {target.get(field, '0')}\n")
    else:
        w.write(1, f"<unknown metric type \"{kind}\">\n")


def hpa(w: PrefixWriter, obj: dict, ctx: Context) -> None:
    meta, spec, status = (obj.get(k) or {} for k in ("metadata", "spec", "status"))
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_block(w, "Labels", meta.get("labels"))
    annotations_block(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{go_time(meta.get('creationTimestamp'))}\n")
    target = spec.get("scaleTargetRef") or {}
    w.write(0, f"Reference:\t{target.get('kind', '')}/{target.get('name', '')}\n")
    w.write(0, "Metrics:\t( current / target )\n")
    for i, metric in enumerate(spec.get("metrics") or []):
        _metric(w, i, metric, status.get("currentMetrics") or [])
    w.write(0, "Min replicas:\t"
               f"{spec['minReplicas'] if spec.get('minReplicas') is not None else '<unset>'}\n")
    w.write(0, f"Max replicas:\t{spec.get('maxReplicas', 0)}\n")
    behavior = spec.get("behavior")
    if behavior:
        w.write(0, "Behavior:\n")
        for key, title in (("scaleUp", "Scale Up"), ("scaleDown", "Scale Down")):
            rules = behavior.get(key)
            if rules is None:
                continue
            w.write(1, f"{title}:\n")
            if rules.get("stabilizationWindowSeconds") is not None:
                w.write(2, f"Stabilization Window: {rules['stabilizationWindowSeconds']} "
                           "seconds\n")
            if rules.get("policies"):
                w.write(2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
                w.write(2, "Policies:\n")
                for p in rules["policies"]:
                    w.write(3, f"- Type: {p.get('type', '')}\tValue: {p.get('value', 0)}\t"
                               f"Period: {p.get('periodSeconds', 0)} seconds\n")
    w.write(0, f"{target.get('kind', '')} pods:\t")
    w.write(0, f"{status.get('currentReplicas', 0)} current / "
               f"{status.get('desiredReplicas', 0)} desired\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\tMessage\n")
        w.write(1, "----\t------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t{c.get('reason', '')}\t"
                       f"{c.get('message', '')}\n")



MISC_DESCRIBERS = {
    ("", "Service"): service,
    ("", "Node"): node,
    ("", "Namespace"): namespace,
    ("", "ConfigMap"): configmap,
    ("", "Secret"): secret,
    ("networking.k8s.io", "Ingress"): ingress,
    ("", "PersistentVolumeClaim"): pvc,
    ("", "PersistentVolume"): pv,
    ("autoscaling", "HorizontalPodAutoscaler"): hpa,
}
