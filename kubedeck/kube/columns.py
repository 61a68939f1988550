"""kubectl-identical columns: the API server's printers (pkg/printers/internalversion), in Python.

`kubectl get` prints the Table the API server generates, and the server always generates the
wide row (then kubectl hides priority-1 columns). So every row here is computed the wide
way: load balancer addresses are never clipped, events keep the server's column order.

`values()` gives the typed row the server would send (ints where it sends ints); `cells()`
gives the strings kubectl prints. Each `Column` carries the Table column definition and a
sort key that orders by meaning (AGE by timestamp, counts and RESTARTS as numbers).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kubedeck.kube import decode as d
from kubedeck.kube.humanize import human_duration, since

SortKey = Callable[[Any, Any, float], Any]
"""(record, typed cell value, now) -> a value that sorts the column by meaning."""


def by_text(record: Any, value: Any, now: float) -> Any:
    return str(value)


@dataclass(frozen=True, slots=True)
class Column:
    """One column, as the API server defines it in a Table's columnDefinitions."""

    name: str
    type: str
    description: str
    priority: int = 0
    format: str = ""
    sort_key: SortKey = by_text

    @property
    def header(self) -> str:
        """The header kubectl prints: the name in upper case."""
        return self.name.upper()

    def definition(self) -> dict:
        return {"name": self.name, "type": self.type, "format": self.format,
                "description": self.description, "priority": self.priority}


# Column descriptions are the API field docs the server's printers quote (SwaggerDoc).
_DOC = {
    'meta.name': 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
    'meta.creationTimestamp': 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    'podstatus.podIP': 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    'podstatus.nominatedNodeName': 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    'podspec.nodeName': 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
    'podspec.readinessGates': 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    'podspec.nodeSelector': "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    'rsspec.replicas': 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset',
    'rsspec.selector': 'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    'rsstatus.replicas': 'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset',
    'rsstatus.readyReplicas': 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.',
    'ds.desired': 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
    'ds.current': 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
    'ds.ready': 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
    'ds.updated': 'The total number of nodes that are running updated daemon pod',
    'ds.available': 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    'dsspec.selector': 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    'jobstatus.succeeded': 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
    'jobspec.selector': 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    'cj.schedule': 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.',
    'cj.timeZone': 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    'cj.suspend': 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.',
    'cj.active': 'A list of pointers to currently running jobs.',
    'cj.lastScheduleTime': 'Information when was the last time the job was successfully scheduled.',
    'svc.type': 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
    'svc.clusterIP': 'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
    'svc.externalIPs': 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
    'svc.ports': 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
    'svc.selector': 'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
    'node.kubeletVersion': 'Kubelet Version reported by the node.',
    'node.osImage': 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
    'node.kernelVersion': "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    'node.containerRuntimeVersion': 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
    'node.addresses': "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
    'ev.lastTimestamp': 'The time at which the most recent occurrence of this event was recorded.',
    'ev.type': 'Type of this event (Normal, Warning), new types could be added in the future',
    'ev.reason': "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    'ev.involvedObject': 'The object that this event is about.',
    'ev.source': 'The component reporting this event. Should be a short machine understandable string.',
    'ev.message': 'A human-readable description of the status of this operation.',
    'ev.firstTimestamp': 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    'ev.count': 'The number of times this event has occurred.',
    'objref.fieldPath': 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    'secret.type': 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
    'secret.data': "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    'cm.data': "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    'pv.capacity': "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
    'pv.accessModes': 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
    'pv.reclaim': 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
    'pv.claimRef': 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
    'pv.volumeMode': 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
    'pvstatus.phase': 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
    'pvstatus.reason': 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
    'pvcstatus.phase': 'phase represents the current phase of PersistentVolumeClaim.',
    'pvcstatus.capacity': 'capacity represents the actual resources of the underlying volume.',
    'pvcstatus.accessModes': 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
    'pvcspec.volumeName': 'volumeName is the binding reference to the PersistentVolume backing this claim.',
    'pvcspec.volumeMode': 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.',
    'deploy.updated': 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.',
    'deploy.available': 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.',
    'deployspec.selector': 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    'hpa.scaleTargetRef': 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
    'hpa.metrics': 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.',
    'hpa.minReplicas': 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.',
    'hpa.maxReplicas': 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.',
    'hpa.currentReplicas': 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
}


# --- sort keys -----------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[a-zA-Z]*)$")
_SUFFIX = {"": 1.0, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "P": 1e15, "E": 1e18, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
           "Pi": 2.0**50, "Ei": 2.0**60}


def by_number(record: Any, value: Any, now: float) -> Any:
    """Integer cells, and cells that start with a count ("3 (5m ago)"); "<unset>" sorts first."""
    if isinstance(value, int):
        return value
    head = str(value).split(" ", 1)[0]
    return int(head) if head.isdigit() else -1


def by_numbers(record: Any, value: Any, now: float) -> Any:
    """Ratios and fractions such as READY "1/2" or COMPLETIONS "0/1 of 3", number by number."""
    return tuple(int(n) for n in _DIGITS.findall(str(value)))


def by_age(record: Any, value: Any, now: float) -> Any:
    """Youngest first; objects without a creation time last."""
    ts = record.creationTimestamp
    return math.inf if ts is None else -ts


def _by_time(moment: Callable[[Any], float | None]) -> SortKey:
    def key(record: Any, value: Any, now: float) -> Any:
        ts = moment(record)
        return math.inf if ts is None else -ts
    return key


def quantity(text: str) -> float | None:
    """A resource quantity ("1Gi", "500m", "1e3") as a number; None when it is not one."""
    m = _QUANTITY.match(text.strip())
    if not m:
        return None
    number, suffix = m.groups()
    try:
        base = float(number)
    except ValueError:
        return None
    if suffix[:1] in ("e", "E"):
        return base * 10.0 ** int(suffix[1:])
    scale = _SUFFIX.get(suffix)
    return None if scale is None else base * scale


def by_quantity(record: Any, value: Any, now: float) -> Any:
    amount = quantity(str(value))
    return -1.0 if amount is None else amount


def by_ip(record: Any, value: Any, now: float) -> Any:
    """Addresses in numeric order, IPv4 before IPv6, placeholders ("<none>") last."""
    try:
        ip = ipaddress.ip_address(str(value))
    except ValueError:
        return (1, 0, str(value))
    return (0, ip.version, int(ip))


# --- shared formatting (apimachinery labels, metav1 selectors) ------------------------------


def format_labels(labels: dict[str, str]) -> str:
    """labels.FormatLabels: sorted k=v pairs, "<none>" when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


_OPERATORS = {"In": " in ", "NotIn": " notin ", "Exists": "", "DoesNotExist": ""}


def selector_string(selector: d.LabelSelector | None) -> str | None:
    """LabelSelectorAsSelector(...).String(); None when the selector is invalid."""
    if selector is None:
        return ""
    reqs: list[tuple[str, str]] = []
    for key, value in selector.matchLabels.items():
        reqs.append((key, f"{key}={value}"))
    for expr in selector.matchExpressions:
        op = expr.operator
        if op not in _OPERATORS:
            return None
        if op in ("Exists", "DoesNotExist"):
            if expr.values:
                return None
            reqs.append((expr.key, expr.key if op == "Exists" else f"!{expr.key}"))
            continue
        if not expr.values:
            return None
        reqs.append((expr.key, f"{expr.key}{_OPERATORS[op]}({','.join(sorted(expr.values))})"))
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def format_label_selector(selector: d.LabelSelector | None) -> str:
    """metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid."""
    text = selector_string(selector)
    if text is None:
        return "<error>"
    return text or "<none>"


def _containers(containers: Sequence[d.Container]) -> tuple[str, str]:
    """layoutContainerCells: names and images, comma separated."""
    return ",".join(c.name for c in containers), ",".join(c.image for c in containers)


def _load_balancer(status: d.LoadBalancerStatus) -> str:
    """loadBalancerStatusStringer as the server calls it (wide): sorted unique IPs/hostnames."""
    found = {i.ip or i.hostname for i in status.ingress if i.ip or i.hostname}
    return ",".join(sorted(found))


# --- pods ----------------------------------------------------------------------------------


def _pod_ready_condition(status: d.PodStatus) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in status.conditions)


def _pod_initialized(status: d.PodStatus) -> bool:
    for c in status.conditions:
        if c.type == "Initialized":
            return c.status == "True"
    return False


def pod_status(pod: d.Pod) -> tuple[int, int, str, int, float | None]:
    """printPod's aggregate: (ready, total, STATUS, restarts, last restart time)."""
    spec, st = pod.spec, pod.status
    reason = st.reason or st.phase
    for c in st.conditions:
        if c.type == "PodScheduled" and c.reason == "SchedulingGated":
            reason = "SchedulingGated"

    sidecars = {c.name for c in spec.initContainers if c.restartPolicy == "Always"}
    total = len(spec.containers) + sum(1 for c in spec.initContainers if c.restartPolicy == "Always")
    ready = 0
    restarts = sidecar_restarts = 0
    last: float | None = None
    sidecar_last: float | None = None

    initializing = False
    for i, c in enumerate(st.initContainerStatuses):
        restarts += c.restartCount
        finished = c.lastState.terminated.finishedAt if c.lastState.terminated else None
        if finished is not None and (last is None or last < finished):
            last = finished
        sidecar = c.name in sidecars
        if sidecar:
            sidecar_restarts += c.restartCount
            if finished is not None and (sidecar_last is None or sidecar_last < finished):
                sidecar_last = finished
        term, waiting = c.state.terminated, c.state.waiting
        if term is not None and term.exitCode == 0:
            continue
        if sidecar and c.started:
            if c.ready:
                ready += 1
            continue
        if term is not None:
            if term.reason:
                reason = "Init:" + term.reason
            elif term.signal:
                reason = f"Init:Signal:{term.signal}"
            else:
                reason = f"Init:ExitCode:{term.exitCode}"
        elif waiting is not None and waiting.reason and waiting.reason != "PodInitializing":
            reason = "Init:" + waiting.reason
        else:
            reason = f"Init:{i}/{len(spec.initContainers)}"
        initializing = True
        break

    if not initializing or _pod_initialized(st):
        restarts, last = sidecar_restarts, sidecar_last
        has_running = False
        for c in reversed(st.containerStatuses):
            restarts += c.restartCount
            lt = c.lastState.terminated
            if lt is not None and lt.finishedAt is not None and (last is None or last < lt.finishedAt):
                last = lt.finishedAt
            state = c.state
            if state.waiting is not None and state.waiting.reason:
                reason = state.waiting.reason
            elif state.terminated is not None:
                term = state.terminated
                if term.reason:
                    reason = term.reason
                elif term.signal:
                    reason = f"Signal:{term.signal}"
                else:
                    reason = f"ExitCode:{term.exitCode}"
            elif c.ready and state.running is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _pod_ready_condition(st) else "NotReady"

    if pod.metadata.deletionTimestamp is not None:
        if st.reason == "NodeLost":
            reason = "Unknown"
        elif st.phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return ready, total, reason, restarts, last


def _pod(pod: d.Pod, now: float) -> list[Any]:
    ready, total, reason, restarts, last = pod_status(pod)
    restart_text = str(restarts)
    if restarts and last is not None:
        restart_text = f"{restarts} ({since(last, now)} ago)"
    st, spec = pod.status, pod.spec
    ip = st.podIPs[0].ip if st.podIPs else st.podIP
    gates = "<none>"
    if spec.readinessGates:
        true = 0
        for gate in spec.readinessGates:
            for c in st.conditions:
                if c.type == gate.conditionType:
                    true += c.status == "True"
                    break
        gates = f"{true}/{len(spec.readinessGates)}"
    return [pod.metadata.name, f"{ready}/{total}", reason, restart_text,
            since(pod.metadata.creationTimestamp, now), ip or "<none>", spec.nodeName or "<none>",
            st.nominatedNodeName or "<none>", gates]


# --- workloads -----------------------------------------------------------------------------


def _deployment(o: d.Deployment, now: float) -> list[Any]:
    names, images = _containers(o.spec.template.spec.containers)
    selector = selector_string(o.spec.selector)
    return [o.metadata.name, f"{o.status.readyReplicas}/{o.spec.replicas}",
            o.status.updatedReplicas, o.status.availableReplicas,
            since(o.metadata.creationTimestamp, now), names, images,
            "<invalid>" if selector is None else selector]


def _replicaset(o: d.ReplicaSet, now: float) -> list[Any]:
    names, images = _containers(o.spec.template.spec.containers)
    return [o.metadata.name, o.spec.replicas, o.status.replicas, o.status.readyReplicas,
            since(o.metadata.creationTimestamp, now), names, images,
            format_label_selector(o.spec.selector)]


def _statefulset(o: d.StatefulSet, now: float) -> list[Any]:
    names, images = _containers(o.spec.template.spec.containers)
    return [o.metadata.name, f"{o.status.readyReplicas}/{o.spec.replicas}",
            since(o.metadata.creationTimestamp, now), names, images]


def _daemonset(o: d.DaemonSet, now: float) -> list[Any]:
    s = o.status
    names, images = _containers(o.spec.template.spec.containers)
    return [o.metadata.name, s.desiredNumberScheduled, s.currentNumberScheduled, s.numberReady,
            s.updatedNumberScheduled, s.numberAvailable,
            format_labels(o.spec.template.spec.nodeSelector),
            since(o.metadata.creationTimestamp, now), names, images,
            format_label_selector(o.spec.selector)]


def _job_condition(conditions: Sequence[d.Condition], kind: str) -> bool:
    for c in conditions:
        if c.type == kind:
            return c.status == "True"
    return False


def job_status(job: d.Job) -> str:
    conditions = job.status.conditions
    if _job_condition(conditions, "Complete"):
        return "Complete"
    if _job_condition(conditions, "Failed"):
        return "Failed"
    if job.metadata.deletionTimestamp is not None:
        return "Terminating"
    if _job_condition(conditions, "Suspended"):
        return "Suspended"
    if _job_condition(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_seconds(job: d.Job, now: float) -> float | None:
    start, end = job.status.startTime, job.status.completionTime
    if start is None:
        return None
    return (now if end is None else end) - start


def _by_job_duration(record: Any, value: Any, now: float) -> Any:
    seconds = _job_seconds(record, now)
    return -1.0 if seconds is None else seconds


def _job(o: d.Job, now: float) -> list[Any]:
    succeeded = o.status.succeeded
    if o.spec.completions is not None:
        completions = f"{succeeded}/{o.spec.completions}"
    elif (o.spec.parallelism or 0) > 1:
        completions = f"{succeeded}/1 of {o.spec.parallelism}"
    else:
        completions = f"{succeeded}/1"
    seconds = _job_seconds(o, now)
    names, images = _containers(o.spec.template.spec.containers)
    return [o.metadata.name, job_status(o), completions,
            "" if seconds is None else human_duration(seconds),
            since(o.metadata.creationTimestamp, now), names, images,
            format_label_selector(o.spec.selector)]


def _bool_pointer(value: bool | None) -> str:
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def _cronjob(o: d.CronJob, now: float) -> list[Any]:
    last = o.status.lastScheduleTime
    job = o.spec.jobTemplate.spec
    names, images = _containers(job.template.spec.containers)
    return [o.metadata.name, o.spec.schedule,
            "<none>" if o.spec.timeZone is None else o.spec.timeZone,
            _bool_pointer(o.spec.suspend), len(o.status.active),
            "<none>" if last is None else since(last, now),
            since(o.metadata.creationTimestamp, now), names, images,
            format_label_selector(job.selector)]


# --- networking ----------------------------------------------------------------------------


def _external_ip(spec: d.ServiceSpec, status: d.ServiceStatus) -> str:
    kind = spec.type
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(spec.externalIPs) if spec.externalIPs else "<none>"
    if kind == "LoadBalancer":
        lb = _load_balancer(status.loadBalancer)
        if spec.externalIPs:
            return ",".join([*(lb.split(",") if lb else ()), *spec.externalIPs])
        return lb or "<pending>"
    if kind == "ExternalName":
        return spec.externalName
    return "<unknown>"


def _ports(ports: Sequence[d.ServicePort]) -> str:
    return ",".join(f"{p.port}:{p.nodePort}/{p.protocol}" if p.nodePort > 0
                    else f"{p.port}/{p.protocol}" for p in ports)


def _service(o: d.Service, now: float) -> list[Any]:
    spec = o.spec
    cluster_ip = spec.clusterIPs[0] if spec.clusterIPs else spec.clusterIP
    return [o.metadata.name, spec.type, cluster_ip or "<none>", _external_ip(spec, o.status),
            _ports(spec.ports) or "<none>", since(o.metadata.creationTimestamp, now),
            format_labels(spec.selector)]


def _hosts(rules: Sequence[d.IngressRule]) -> str:
    """formatHosts: the first three hosts, then "+ N more..." counting every rule."""
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.host:
            hosts.append(rule.host)
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - 3} more..." if more else text


def _ingress(o: d.Ingress, now: float) -> list[Any]:
    spec = o.spec
    return [o.metadata.name,
            "<none>" if spec.ingressClassName is None else spec.ingressClassName,
            _hosts(spec.rules), _load_balancer(o.status.loadBalancer),
            "80, 443" if spec.tls else "80", since(o.metadata.creationTimestamp, now)]


# --- configuration and cluster -------------------------------------------------------------


def _configmap(o: d.ConfigMap, now: float) -> list[Any]:
    return [o.metadata.name, o.data + o.binaryData, since(o.metadata.creationTimestamp, now)]


def _secret(o: d.Secret, now: float) -> list[Any]:
    return [o.metadata.name, o.type, o.data, since(o.metadata.creationTimestamp, now)]


def _namespace(o: d.Namespace, now: float) -> list[Any]:
    return [o.metadata.name, o.status.phase, since(o.metadata.creationTimestamp, now)]


_ROLE_PREFIX = "node-role.kubernetes.io/"


def node_status(node: d.Node) -> str:
    ready = None
    for c in node.status.conditions:
        if c.type == "Ready":
            ready = c
    parts = ["Unknown" if ready is None else "Ready" if ready.status == "True" else "NotReady"]
    if node.spec.unschedulable:
        parts.append("SchedulingDisabled")
    return ",".join(parts)


def node_roles(labels: dict[str, str]) -> str:
    roles = set()
    for key, value in labels.items():
        if key.startswith(_ROLE_PREFIX):
            if key[len(_ROLE_PREFIX):]:
                roles.add(key[len(_ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node: d.Node, kind: str) -> str:
    for a in node.status.addresses:
        if a.type == kind:
            return a.address
    return "<none>"


def _node(o: d.Node, now: float) -> list[Any]:
    info = o.status.nodeInfo
    return [o.metadata.name, node_status(o), node_roles(o.metadata.labels),
            since(o.metadata.creationTimestamp, now), info.kubeletVersion,
            _node_address(o, "InternalIP"), _node_address(o, "ExternalIP"),
            info.osImage or "<unknown>", info.kernelVersion or "<unknown>",
            info.containerRuntimeVersion or "<unknown>"]


# --- events --------------------------------------------------------------------------------


def _event_first(e: d.Event) -> float | None:
    return e.eventTime if e.firstTimestamp is None else e.firstTimestamp


def _event_last(e: d.Event) -> float | None:
    if e.series is not None:
        return e.series.lastObservedTime
    return _event_first(e) if e.lastTimestamp is None else e.lastTimestamp


def _event(e: d.Event, now: float) -> list[Any]:
    first = since(_event_first(e), now)
    last = first if e.lastTimestamp is None else since(e.lastTimestamp, now)
    count = e.count
    if e.series is not None:
        last = since(e.series.lastObservedTime, now)
        count = e.series.count
    elif count == 0:
        count = 1
    ref = e.involvedObject
    target = f"{ref.kind.lower()}/{ref.name}" if ref.name else ref.kind.lower()
    component = e.source.component or e.reportingComponent
    instance = e.source.host or e.reportingInstance
    source = f"{component}, {instance}" if instance else component
    return [last, e.type, e.reason, target, ref.fieldPath, source, e.message.strip(), first,
            count, e.metadata.name]


# --- storage -------------------------------------------------------------------------------

_ACCESS_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                 ("ReadWriteOncePod", "RWOP"))


def access_modes(modes: Sequence[str]) -> str:
    """GetAccessModesAsString: always in the order RWO,ROX,RWX,RWOP."""
    return ",".join(short for mode, short in _ACCESS_MODES if mode in modes)


def _quantity_text(value: Any) -> str:
    return "0" if value is None else str(value)


def _storage_class(meta: d.ClassMeta, spec_class: str | None) -> str:
    beta = meta.annotations.get(d.BETA_STORAGE_CLASS)
    if beta is not None:
        return beta
    return spec_class or ""


def _pv(o: d.PersistentVolume, now: float) -> list[Any]:
    spec = o.spec
    claim = f"{spec.claimRef.namespace}/{spec.claimRef.name}" if spec.claimRef else ""
    phase = "Terminating" if o.metadata.deletionTimestamp is not None else o.status.phase
    return [o.metadata.name, _quantity_text(spec.capacity.get("storage")),
            access_modes(spec.accessModes), spec.persistentVolumeReclaimPolicy, phase, claim,
            _storage_class(o.metadata, spec.storageClassName),
            "<unset>" if spec.volumeAttributesClassName is None else spec.volumeAttributesClassName,
            o.status.reason, since(o.metadata.creationTimestamp, now),
            "<unset>" if spec.volumeMode is None else spec.volumeMode]


def _pvc(o: d.PersistentVolumeClaim, now: float) -> list[Any]:
    spec = o.spec
    phase = "Terminating" if o.metadata.deletionTimestamp is not None else o.status.phase
    capacity = modes = ""
    if spec.volumeName:
        modes = access_modes(o.status.accessModes)
        capacity = _quantity_text(o.status.capacity.get("storage"))
    return [o.metadata.name, phase, spec.volumeName, capacity, modes,
            _storage_class(o.metadata, spec.storageClassName),
            "<unset>" if spec.volumeAttributesClassName is None else spec.volumeAttributesClassName,
            since(o.metadata.creationTimestamp, now),
            "<unset>" if spec.volumeMode is None else spec.volumeMode]


# --- autoscaling ---------------------------------------------------------------------------

_NO_SOURCE = d.MetricSource()


def _q(value: Any) -> str:
    """Quantity.String(), "<nil>" for an unset pointer as Go prints it."""
    return "<nil>" if value is None else str(value)


def _v1_metrics(
        hpa: d.HorizontalPodAutoscaler,
) -> tuple[Sequence[d.MetricSpec], Sequence[d.MetricStatus]]:
    """autoscaling/v1's single CPU target, converted to v2 metrics as the API server does."""
    spec, status = hpa.spec, hpa.status
    metrics: Sequence[d.MetricSpec] = spec.metrics
    current: Sequence[d.MetricStatus] = status.currentMetrics
    if not metrics and spec.targetCPUUtilizationPercentage is not None:
        target = d.MetricTarget(type="Utilization",
                                averageUtilization=spec.targetCPUUtilizationPercentage)
        metrics = [d.MetricSpec(type="Resource", resource=d.MetricSource(name="cpu", target=target))]
    if not current and status.currentCPUUtilizationPercentage is not None:
        value = d.MetricValueStatus(averageUtilization=status.currentCPUUtilizationPercentage)
        current = [d.MetricStatus(type="Resource",
                                  resource=d.MetricSourceStatus(name="cpu", current=value))]
    return metrics, current


def _metric(spec: d.MetricSpec, status: d.MetricStatus | None) -> str:
    kind = spec.type
    attr = {"External": "external", "Pods": "pods", "Object": "object", "Resource": "resource",
            "ContainerResource": "containerResource"}.get(kind)
    if attr is None:
        return "<unknown type>"
    source = getattr(spec, attr) or _NO_SOURCE
    seen = getattr(status, attr) if status is not None else None
    target = source.target
    if kind == "Pods":
        current = _q(seen.current.averageValue) if seen else "<unknown>"
        return f"{current}/{_q(target.averageValue)}"
    if kind in ("External", "Object"):
        if target.averageValue is not None:
            current = "<unknown>"
            if seen and seen.current.averageValue is not None:
                current = _q(seen.current.averageValue)
            return f"{current}/{_q(target.averageValue)} (avg)"
        current = _q(seen.current.value) if seen else "<unknown>"
        return f"{current}/{_q(target.value)}"
    if target.averageValue is not None:
        current = _q(seen.current.averageValue) if seen else "<unknown>"
        return f"{source.name}: {current}/{_q(target.averageValue)}"
    current = "<unknown>"
    if seen and seen.current.averageUtilization is not None:
        current = f"{seen.current.averageUtilization}%"
    goal = "<auto>" if target.averageUtilization is None else f"{target.averageUtilization}%"
    return f"{source.name}: {current}/{goal}"


def hpa_targets(hpa: d.HorizontalPodAutoscaler) -> str:
    """formatHPAMetrics: the first two metrics as current/target, then "+ N more..."."""
    metrics, current = _v1_metrics(hpa)
    if not metrics:
        return "<none>"
    texts = [_metric(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics)]
    if len(texts) > 2:
        return f"{', '.join(texts[:2])} + {len(texts) - 2} more..."
    return ", ".join(texts)


def _hpa(o: d.HorizontalPodAutoscaler, now: float) -> list[Any]:
    spec = o.spec
    return [o.metadata.name, f"{spec.scaleTargetRef.kind}/{spec.scaleTargetRef.name}",
            hpa_targets(o), "<unset>" if spec.minReplicas is None else str(spec.minReplicas),
            spec.maxReplicas, o.status.currentReplicas, since(o.metadata.creationTimestamp, now)]


# --- the column tables ---------------------------------------------------------------------


def _name() -> Column:
    return Column("Name", "string", _DOC["meta.name"], format="name")


def _age() -> Column:
    return Column("Age", "string", _DOC["meta.creationTimestamp"], sort_key=by_age)


def _template(selector_doc: str | None) -> list[Column]:
    cols = [Column("Containers", "string", "Names of each container in the template.", 1),
            Column("Images", "string", "Images referenced by each container in the template.", 1)]
    if selector_doc is not None:
        cols.append(Column("Selector", "string", _DOC[selector_doc], 1))
    return cols


def _s(name: str, doc: str, priority: int = 0, sort_key: SortKey = by_text) -> Column:
    return Column(name, "string", _DOC.get(doc, doc), priority, sort_key=sort_key)


def _i(name: str, doc: str) -> Column:
    return Column(name, "integer", _DOC.get(doc, doc), sort_key=by_number)


_READY = "Number of the pod with ready state"


@dataclass(frozen=True, slots=True)
class _Printer:
    columns: tuple[Column, ...]
    row: Callable[[Any, float], list[Any]]
    narrow: tuple[int, ...]


def _printer(columns: list[Column], row: Callable[[Any, float], list[Any]]) -> _Printer:
    return _Printer(tuple(columns), row, tuple(i for i, c in enumerate(columns) if c.priority == 0))


_EVENTS = _printer([
    _s("Last Seen", "ev.lastTimestamp", sort_key=_by_time(_event_last)),
    _s("Type", "ev.type"),
    _s("Reason", "ev.reason"),
    _s("Object", "ev.involvedObject"),
    _s("Subobject", "objref.fieldPath", 1),
    _s("Source", "ev.source", 1),
    _s("Message", "ev.message"),
    _s("First Seen", "ev.firstTimestamp", 1, sort_key=_by_time(_event_first)),
    _s("Count", "ev.count", 1, sort_key=by_number),
    Column("Name", "string", _DOC["meta.name"], 1, "name"),
], _event)

_HPA = _printer([
    _name(),
    _s("Reference", "hpa.scaleTargetRef"),
    _s("Targets", "hpa.metrics"),
    _s("MinPods", "hpa.minReplicas", sort_key=by_number),
    _s("MaxPods", "hpa.maxReplicas", sort_key=by_number),
    _s("Replicas", "hpa.currentReplicas", sort_key=by_number),
    _age(),
], _hpa)

_PRINTERS: dict[tuple[str, str], _Printer] = {
    ("", "Pod"): _printer([
        _name(),
        _s("Ready", "The aggregate readiness state of this pod for accepting traffic.",
           sort_key=by_numbers),
        _s("Status", "The aggregate status of the containers in this pod."),
        _s("Restarts", "The number of times the containers in this pod have been restarted and "
                       "when the last container in this pod has restarted.", sort_key=by_number),
        _age(),
        _s("IP", "podstatus.podIP", 1, sort_key=by_ip),
        _s("Node", "podspec.nodeName", 1),
        _s("Nominated Node", "podstatus.nominatedNodeName", 1),
        _s("Readiness Gates", "podspec.readinessGates", 1, sort_key=by_numbers),
    ], _pod),
    ("apps", "Deployment"): _printer([
        _name(),
        _s("Ready", _READY, sort_key=by_numbers),
        _s("Up-to-date", "deploy.updated", sort_key=by_number),
        _s("Available", "deploy.available", sort_key=by_number),
        _age(),
        *_template("deployspec.selector"),
    ], _deployment),
    ("apps", "ReplicaSet"): _printer([
        _name(),
        _i("Desired", "rsspec.replicas"),
        _i("Current", "rsstatus.replicas"),
        _i("Ready", "rsstatus.readyReplicas"),
        _age(),
        *_template("rsspec.selector"),
    ], _replicaset),
    ("apps", "StatefulSet"): _printer([
        _name(),
        _s("Ready", _READY, sort_key=by_numbers),
        _age(),
        *_template(None),
    ], _statefulset),
    ("apps", "DaemonSet"): _printer([
        _name(),
        _i("Desired", "ds.desired"),
        _i("Current", "ds.current"),
        _i("Ready", "ds.ready"),
        _i("Up-to-date", "ds.updated"),
        _i("Available", "ds.available"),
        _s("Node Selector", "podspec.nodeSelector"),
        _age(),
        *_template("dsspec.selector"),
    ], _daemonset),
    ("batch", "Job"): _printer([
        _name(),
        _s("Status", "Status of the job."),
        _s("Completions", "jobstatus.succeeded", sort_key=by_numbers),
        _s("Duration", "Time required to complete the job.", sort_key=_by_job_duration),
        _age(),
        *_template("jobspec.selector"),
    ], _job),
    ("batch", "CronJob"): _printer([
        _name(),
        _s("Schedule", "cj.schedule"),
        _s("Timezone", "cj.timeZone"),
        Column("Suspend", "boolean", _DOC["cj.suspend"]),
        _i("Active", "cj.active"),
        _s("Last Schedule", "cj.lastScheduleTime",
           sort_key=_by_time(lambda rec: rec.status.lastScheduleTime)),
        _age(),
        *_template("jobspec.selector"),
    ], _cronjob),
    ("", "Service"): _printer([
        _name(),
        _s("Type", "svc.type"),
        _s("Cluster-IP", "svc.clusterIP", sort_key=by_ip),
        _s("External-IP", "svc.externalIPs", sort_key=by_ip),
        _s("Port(s)", "svc.ports", sort_key=by_numbers),
        _age(),
        _s("Selector", "svc.selector", 1),
    ], _service),
    ("networking.k8s.io", "Ingress"): _printer([
        _name(),
        _s("Class", "The name of the IngressClass resource that should be used for additional "
                    "configuration"),
        _s("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        _s("Address", "Address is a list containing ingress points for the load-balancer",
           sort_key=by_ip),
        _s("Ports", "Ports of TLS configurations that open", sort_key=by_numbers),
        _age(),
    ], _ingress),
    ("", "ConfigMap"): _printer([
        _name(),
        _s("Data", "cm.data", sort_key=by_number),
        _age(),
    ], _configmap),
    ("", "Secret"): _printer([
        _name(),
        _s("Type", "secret.type"),
        _s("Data", "secret.data", sort_key=by_number),
        _age(),
    ], _secret),
    ("", "Namespace"): _printer([
        _name(),
        _s("Status", "The status of the namespace"),
        _age(),
    ], _namespace),
    ("", "Node"): _printer([
        _name(),
        _s("Status", "The status of the node"),
        _s("Roles", "The roles of the node"),
        _age(),
        _s("Version", "node.kubeletVersion"),
        _s("Internal-IP", "node.addresses", 1, sort_key=by_ip),
        _s("External-IP", "node.addresses", 1, sort_key=by_ip),
        _s("OS-Image", "node.osImage", 1),
        _s("Kernel-Version", "node.kernelVersion", 1),
        _s("Container-Runtime", "node.containerRuntimeVersion", 1),
    ], _node),
    ("", "Event"): _EVENTS,
    ("events.k8s.io", "Event"): _EVENTS,
    ("", "PersistentVolume"): _printer([
        _name(),
        _s("Capacity", "pv.capacity", sort_key=by_quantity),
        _s("Access Modes", "pv.accessModes"),
        _s("Reclaim Policy", "pv.reclaim"),
        _s("Status", "pvstatus.phase"),
        _s("Claim", "pv.claimRef"),
        _s("StorageClass", "StorageClass of the pv"),
        _s("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        _s("Reason", "pvstatus.reason"),
        _age(),
        _s("VolumeMode", "pv.volumeMode", 1),
    ], _pv),
    ("", "PersistentVolumeClaim"): _printer([
        _name(),
        _s("Status", "pvcstatus.phase"),
        _s("Volume", "pvcspec.volumeName"),
        _s("Capacity", "pvcstatus.capacity", sort_key=by_quantity),
        _s("Access Modes", "pvcstatus.accessModes"),
        _s("StorageClass", "StorageClass of the pvc"),
        _s("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        _age(),
        _s("VolumeMode", "pvcspec.volumeMode", 1),
    ], _pvc),
    ("autoscaling", "HorizontalPodAutoscaler"): _HPA,
}


def columns_for(group: str, kind: str, wide: bool = True) -> list[Column] | None:
    """The kind's columns (only priority 0 unless wide); None for kinds without printers."""
    printer = _PRINTERS.get((group, kind))
    if printer is None:
        return None
    if wide:
        return list(printer.columns)
    return [printer.columns[i] for i in printer.narrow]


def values(group: str, kind: str, record: Any, now: float) -> list[Any]:
    """The full (wide) row with the API server's cell types: ints where it sends ints."""
    return _PRINTERS[(group, kind)].row(record, now)


def cells(group: str, kind: str, record: Any, now: float, wide: bool) -> list[str]:
    """The row as `kubectl get` (or `-o wide`) prints it, one string per column."""
    printer = _PRINTERS[(group, kind)]
    row = printer.row(record, now)
    if not wide:
        row = [row[i] for i in printer.narrow]
    return [v if v.__class__ is str else str(v) for v in row]
