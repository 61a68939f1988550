"""Defaulting, admission and validation the API server applies before storing an object.

Objects read back from the simulated cluster look like a real cluster's: a Deployment gets
its strategy and revisionHistoryLimit, a Pod its service-account volume and tolerations, a
Service its clusterIP. Validation covers what users (and kubectl) actually run into, with
the API server's wording, so error lines read the same as against a real cluster.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from kubedeck.fake.resources import BUILTIN, ResourceType
from kubedeck.fake.store import StoreError, new_uid
from kubedeck.kube.selectors import selector_from_match_labels

if TYPE_CHECKING:
    from kubedeck.fake.store import Store

_SAFE = "bcdfghjklmnpqrstvwxz2456789"
_SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
_NODE_PORTS = range(30000, 32768)
_SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_SERVICES = next(t for t in BUILTIN if t.key == "services")
_rng = random.Random()


# -- defaulting -------------------------------------------------------------------------------


def apply_defaults(rt: ResourceType, obj: dict, now: float, store: Store | None = None,
                   live: dict | None = None) -> None:
    """Fill what the API server fills. `live` is the stored object on update: values the
    server allocated (clusterIP, nodePorts, generated selectors) are carried over, and
    admission (service account, tolerations) runs on create only."""
    fn = _DEFAULTERS.get((rt.group, rt.kind))
    if fn is not None:
        fn(obj, store, live)


def image_pull_policy(image: str) -> str:
    """Always for `:latest` or untagged images, IfNotPresent otherwise (digests included)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _probe(probe: dict) -> None:
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        probe.setdefault(key, value)
    if "httpGet" in probe:
        probe["httpGet"].setdefault("scheme", "HTTP")


def _container(c: dict) -> None:
    c.setdefault("imagePullPolicy", image_pull_policy(c.get("image") or ""))
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    resources = c.setdefault("resources", {})
    limits = resources.get("limits") or {}
    if limits:
        requests = resources.setdefault("requests", {})
        for name, value in limits.items():
            requests.setdefault(name, value)
    for port in c.get("ports") or ():
        port.setdefault("protocol", "TCP")
    for env in c.get("env") or ():
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")
    for key in _PROBES:
        if key in c:
            _probe(c[key])


def _volume(v: dict) -> None:
    for kind in ("configMap", "secret", "projected", "downwardAPI"):
        if kind in v:
            v[kind].setdefault("defaultMode", 420)
    if "hostPath" in v:
        v["hostPath"].setdefault("type", "")


def _pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        _container(c)
    for v in spec.get("volumes") or ():
        _volume(v)


def _template(template: dict | None) -> None:
    if template is None:
        return
    template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    _pod_spec(template.setdefault("spec", {}))


def qos_class(spec: dict) -> str:
    """Guaranteed, Burstable or BestEffort, from requests and limits (after defaulting)."""
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        requests, limits = res.get("requests") or {}, res.get("limits") or {}
        if requests or limits:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _pod(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    _pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    if live is None:
        _pod_admission(spec)
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", qos_class(spec))


def _pod_admission(spec: dict) -> None:
    """ServiceAccount and DefaultTolerationSeconds admission, as on every real cluster."""
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = spec["serviceAccount"] = sa
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == key and t.get("effect") in ("NoExecute", None, "")
                   for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": 300})
    if spec.get("automountServiceAccountToken") is False:
        return
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    if any(m.get("mountPath") == _SA_MOUNT for c in containers
           for m in c.get("volumeMounts") or ()):
        return
    name = "kube-api-access-" + "".join(_rng.choice(_SAFE) for _ in range(5))
    spec.setdefault("volumes", []).append({"name": name, "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ]}})
    for c in containers:
        c.setdefault("volumeMounts", []).append(
            {"name": name, "mountPath": _SA_MOUNT, "readOnly": True})


def _deployment(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    _template(spec.get("template"))


def _replicaset(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _template(spec.get("template"))


def _statefulset(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    update = spec.setdefault("updateStrategy", {})
    update.setdefault("type", "RollingUpdate")
    if update["type"] == "RollingUpdate":
        update.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    for claim in spec.get("volumeClaimTemplates") or ():
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        claim.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        claim.setdefault("status", {}).setdefault("phase", "Pending")
    _template(spec.get("template"))


def _daemonset(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("revisionHistoryLimit", 10)
    update = spec.setdefault("updateStrategy", {})
    update.setdefault("type", "RollingUpdate")
    if update["type"] == "RollingUpdate":
        rolling = update.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    _template(spec.get("template"))


def _job(obj: dict, store: Store | None, live: dict | None) -> None:
    """Job defaults, including the selector and labels generated from the Job's uid."""
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if "podFailurePolicy" not in spec:
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    template = spec.setdefault("template", {})
    _template(template)
    if spec.get("manualSelector"):
        return
    if live is not None:
        live_spec = live.get("spec") or {}
        if live_spec.get("selector") is not None:
            spec.setdefault("selector", live_spec["selector"])
        labels = template["metadata"].setdefault("labels", {})
        for key, value in (((live_spec.get("template") or {}).get("metadata") or {})
                           .get("labels") or {}).items():
            labels.setdefault(key, value)
        return
    meta = obj.setdefault("metadata", {})
    uid = meta.setdefault("uid", new_uid())
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = template["metadata"].setdefault("labels", {})
    labels.update({"batch.kubernetes.io/controller-uid": uid,
                   "batch.kubernetes.io/job-name": meta.get("name", ""),
                   "controller-uid": uid, "job-name": meta.get("name", "")})


def _cronjob(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.setdefault("jobTemplate", {})
    job_template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    _template(job_template.setdefault("spec", {}).setdefault("template", {}))


def _replicationcontroller(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    template = spec.get("template")
    _template(template)
    if template is not None and not spec.get("selector"):
        spec["selector"] = dict((template.get("metadata") or {}).get("labels") or {})


def _used_service_values(store: Store | None) -> tuple[set, set]:
    """clusterIPs and nodePorts in use (services are few: a scan is fine)."""
    ips: set[str] = set()
    ports: set[int] = set()
    if store is None:
        return ips, ports
    for svc in store.list(_SERVICES)[0]:
        spec = svc.get("spec") or {}
        ips.update(spec.get("clusterIPs") or [spec.get("clusterIP") or ""])
        ports.update(p["nodePort"] for p in spec.get("ports") or () if p.get("nodePort"))
    return ips, ports


def _allocate_ip(used: set[str]) -> str:
    size = _SERVICE_CIDR.num_addresses
    while True:
        ip = str(_SERVICE_CIDR[_rng.randrange(2, size - 1)])
        if ip not in used:
            return ip


def _service(obj: dict, store: Store | None, live: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    live_spec = (live or {}).get("spec") or {}
    svc_type = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    used_ips, used_ports = (set(), set()) if live is not None else _used_service_values(store)
    if svc_type != "ExternalName":
        if not spec.get("clusterIP") and live_spec.get("clusterIP"):
            spec["clusterIP"] = live_spec["clusterIP"]
            spec.setdefault("clusterIPs", live_spec.get("clusterIPs") or [spec["clusterIP"]])
        if not spec.get("clusterIP"):
            spec["clusterIP"] = _allocate_ip(used_ips)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", live_spec.get("ipFamilies") or ["IPv4"])
        spec.setdefault("ipFamilyPolicy", live_spec.get("ipFamilyPolicy") or "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if svc_type in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if svc_type == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    live_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                  for p in live_spec.get("ports") or ()}
    for port in spec.get("ports") or ():
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if svc_type in ("NodePort", "LoadBalancer") and not port.get("nodePort"):
            kept = live_ports.get((port.get("port"), port["protocol"]))
            if kept:
                port["nodePort"] = kept
            else:
                free = [p for p in _NODE_PORTS if p not in used_ports]
                port["nodePort"] = _rng.choice(free)
                used_ports.add(port["nodePort"])
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _namespace(obj: dict, store: Store | None, live: dict | None) -> None:
    meta = obj.setdefault("metadata", {})
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name", "")
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def _secret(obj: dict, store: Store | None, live: dict | None) -> None:
    obj.setdefault("type", "Opaque")


def _pvc(obj: dict, store: Store | None, live: dict | None) -> None:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")


_Defaulter = Callable[[dict, "Store | None", "dict | None"], None]
_DEFAULTERS: dict[tuple[str, str], _Defaulter] = {
    ("", "Pod"): _pod,
    ("", "Service"): _service,
    ("", "Namespace"): _namespace,
    ("", "Secret"): _secret,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "ReplicationController"): _replicationcontroller,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicaset,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cronjob,
}


# -- validation -------------------------------------------------------------------------------


def go_value(value: object) -> str:
    """A value as Go's %#v prints it in field errors (maps, strings, ints, selectors)."""
    if isinstance(value, dict):
        if not value:
            return "map[string]string(nil)"
        inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
        return "map[string]string{" + inner + "}"
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    return str(value)


def _go_selector(selector: dict | None) -> str:
    selector = selector or {}
    labels = selector.get("matchLabels") or {}
    ml = ("map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
          + "}") if labels else "map[string]string(nil)"
    exprs = selector.get("matchExpressions") or []
    if exprs:
        parts = []
        for e in exprs:
            vals = ", ".join(f'"{v}"' for v in e.get("values") or ())
            parts.append(f'v1.LabelSelectorRequirement{{Key:"{e.get("key", "")}", '
                         f'Operator:"{e.get("operator", "")}", Values:[]string{{{vals}}}}}')
        me = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    else:
        me = "[]v1.LabelSelectorRequirement(nil)"
    return f"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{me}}}"


class _Errors:
    """Collects field errors and raises them as one 422 Invalid, as the API server does."""

    def __init__(self) -> None:
        self.causes: list[dict] = []

    def required(self, field: str, detail: str = "") -> None:
        msg = "Required value" + (f": {detail}" if detail else "")
        self.causes.append({"reason": "FieldValueRequired", "message": msg, "field": field})

    def invalid(self, field: str, value: str, detail: str) -> None:
        self.causes.append({"reason": "FieldValueInvalid",
                            "message": f"Invalid value: {value}: {detail}", "field": field})

    def unsupported(self, field: str, value: str, supported: tuple[str, ...]) -> None:
        allowed = ", ".join(f'"{s}"' for s in supported)
        self.causes.append({"reason": "FieldValueNotSupported",
                            "message": f'Unsupported value: "{value}": supported values: {allowed}',
                            "field": field})

    def forbidden(self, field: str, detail: str) -> None:
        self.causes.append({"reason": "FieldValueForbidden", "message": f"Forbidden: {detail}",
                            "field": field})

    def raise_for(self, rt: ResourceType, obj: dict) -> None:
        if not self.causes:
            return
        name = (obj.get("metadata") or {}).get("name", "")
        kind = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
        lines = [f"{c['field']}: {c['message']}" for c in self.causes]
        body = lines[0] if len(lines) == 1 else "[" + ", ".join(lines) + "]"
        raise StoreError(422, "Invalid", f'{kind} "{name}" is invalid: {body}',
                         {"name": name, "group": rt.group, "kind": rt.kind,
                          "causes": self.causes})


def validate(rt: ResourceType, obj: dict, live: dict | None = None) -> None:
    """Raise StoreError(422) for what the API server would reject."""
    errors = _Errors()
    fn = _VALIDATORS.get((rt.group, rt.kind))
    if fn is not None:
        fn(obj, live, errors)
    errors.raise_for(rt, obj)


def _validate_containers(spec: dict, path: str, errors: _Errors) -> None:
    containers = spec.get("containers") or []
    if not containers:
        errors.required(f"{path}.containers")
    for field in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(field) or ()):
            if not c.get("name"):
                errors.required(f"{path}.{field}[{i}].name")
            if not c.get("image"):
                errors.required(f"{path}.{field}[{i}].image")
    policy = spec.get("restartPolicy", "Always")
    if policy not in ("Always", "OnFailure", "Never"):
        errors.unsupported(f"{path}.restartPolicy", policy, ("Always", "OnFailure", "Never"))


def _validate_pod(obj: dict, live: dict | None, errors: _Errors) -> None:
    _validate_containers(obj.get("spec") or {}, "spec", errors)


def _validate_selector_and_template(obj: dict, live: dict | None, errors: _Errors,
                                    empty_message: str, immutable_selector: bool) -> None:
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    old = (live.get("spec") or {}).get("selector") if live is not None else selector
    if immutable_selector and old != selector:
        errors.invalid("spec.selector", _go_selector(selector), "field is immutable")
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.invalid("spec.replicas", str(replicas), "must be greater than or equal to 0")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if selector is None:
        errors.required("spec.selector")
    elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
        errors.invalid("spec.selector", _go_selector(selector), empty_message)
    if not selector_from_match_labels(selector)(labels):
        errors.invalid("spec.template.metadata.labels", go_value(labels),
                       "`selector` does not match template `labels`")
    _validate_containers(template.get("spec") or {}, "spec.template.spec", errors)


def _percent_or_int(value: object, field: str, errors: _Errors) -> int | None:
    """The integer or percentage (as a negative-free int) of an IntOrString, checked."""
    if isinstance(value, int):
        if value < 0:
            errors.invalid(field, str(value), "must be greater than or equal to 0")
        return value
    text = str(value)
    if not text.endswith("%") or not text[:-1].isdigit():
        errors.invalid(field, f'"{text}"', "a valid percent string must be a numeric string "
                       "followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
                       "validation is '[0-9]+%')")
        return None
    pct = int(text[:-1])
    if pct > 100:
        errors.invalid(field, f'"{text}"', "must not be greater than 100%")
    return pct


def _validate_deployment(obj: dict, live: dict | None, errors: _Errors) -> None:
    _validate_selector_and_template(obj, live, errors, "empty selector is invalid for deployment",
                                    immutable_selector=True)
    spec = obj.get("spec") or {}
    strategy = spec.get("strategy") or {}
    kind = strategy.get("type", "RollingUpdate")
    if kind not in ("RollingUpdate", "Recreate"):
        errors.unsupported("spec.strategy.type", kind, ("Recreate", "RollingUpdate"))
    if kind == "Recreate" and strategy.get("rollingUpdate") is not None:
        errors.forbidden("spec.strategy.rollingUpdate",
                         "may not be specified when strategy `type` is 'Recreate'")
    rolling = strategy.get("rollingUpdate") or {}
    if kind == "RollingUpdate" and rolling:
        surge = _percent_or_int(rolling.get("maxSurge", "25%"),
                                "spec.strategy.rollingUpdate.maxSurge", errors)
        unavailable = _percent_or_int(rolling.get("maxUnavailable", "25%"),
                                      "spec.strategy.rollingUpdate.maxUnavailable", errors)
        if surge == 0 and unavailable == 0:
            value = rolling.get("maxUnavailable")
            shown = (f"intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:\"\"}}"
                     if isinstance(value, int) else
                     f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:\"{value}\"}}")
            errors.invalid("spec.strategy.rollingUpdate.maxUnavailable", shown,
                           "may not be 0 when `maxSurge` is 0")
    deadline = spec.get("progressDeadlineSeconds")
    min_ready = spec.get("minReadySeconds", 0)
    if isinstance(deadline, int) and deadline <= min_ready:
        errors.invalid("spec.progressDeadlineSeconds", str(deadline),
                       "must be greater than minReadySeconds")


def _validate_replicaset(obj: dict, live: dict | None, errors: _Errors) -> None:
    _validate_selector_and_template(obj, live, errors, "empty selector is invalid for deployment",
                                    immutable_selector=False)


def _validate_statefulset(obj: dict, live: dict | None, errors: _Errors) -> None:
    _validate_selector_and_template(obj, live, errors,
                                    "empty selector is invalid for statefulset",
                                    immutable_selector=True)


def _validate_daemonset(obj: dict, live: dict | None, errors: _Errors) -> None:
    _validate_selector_and_template(obj, live, errors, "empty selector is invalid for daemonset",
                                    immutable_selector=True)


def _validate_job(obj: dict, live: dict | None, errors: _Errors) -> None:
    template = (obj.get("spec") or {}).get("template") or {}
    tspec = template.get("spec") or {}
    _validate_containers(tspec, "spec.template.spec", errors)
    policy = tspec.get("restartPolicy", "Always")
    if policy not in ("OnFailure", "Never"):
        errors.unsupported("spec.template.spec.restartPolicy", policy, ("OnFailure", "Never"))


_Validator = Callable[[dict, "dict | None", _Errors], None]
_VALIDATORS: dict[tuple[str, str], _Validator] = {
    ("", "Pod"): _validate_pod,
    ("apps", "Deployment"): _validate_deployment,
    ("apps", "ReplicaSet"): _validate_replicaset,
    ("apps", "StatefulSet"): _validate_statefulset,
    ("apps", "DaemonSet"): _validate_daemonset,
    ("batch", "Job"): _validate_job,
}
