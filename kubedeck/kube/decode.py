"""Raw list/watch bytes -> compact typed records, with msgspec partial schemas.

Each schema names only the fields kubectl's printers read (plus the metadata a store and a
drill-down need); msgspec skips everything else while parsing, which is what makes 10,000
pods decode in tens of milliseconds. Two fields are rewritten right after decoding, in
`__post_init__`:

- RFC 3339 timestamps are parsed by msgspec into datetimes (in C) and turned into epoch
  seconds once, so AGE columns are one subtraction.
- ConfigMap and Secret `data`/`binaryData` are reduced to their key count, so a listed
  Secret never keeps a value.

The same schemas accept plain dicts through `msgspec.convert` (see `convert`), which is how
the simulated API server builds its server-side tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

import msgspec
from msgspec.structs import force_setattr

Timestamp = float | datetime | None
"""Decoded as a datetime, held as epoch seconds after `__post_init__` (None when unset)."""

CountedMap = dict[str, str] | int | None
"""Decoded as a map, held as its number of keys after `__post_init__`."""


def _to_epoch(struct: msgspec.Struct, *names: str) -> None:
    for name in names:
        value = getattr(struct, name)
        if value.__class__ is datetime:
            force_setattr(struct, name, value.timestamp())


def _to_count(struct: msgspec.Struct, *names: str) -> None:
    for name in names:
        value = getattr(struct, name)
        if value.__class__ is not int:
            force_setattr(struct, name, len(value) if value else 0)


class _S(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Immutable, untracked by the cycle collector (records are trees), keyword-built."""


class _Counted(_S):
    """An element whose fields no printer reads: only the length of its list matters."""


# --- metadata ------------------------------------------------------------------------------


class OwnerReference(_S):
    apiVersion: str = ""
    kind: str = ""
    name: str = ""
    uid: str = ""
    controller: bool = False


class ObjectMeta(_S):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    resourceVersion: str = ""
    creationTimestamp: Timestamp = None
    deletionTimestamp: Timestamp = None
    labels: dict[str, str] = {}
    ownerReferences: tuple[OwnerReference, ...] = ()

    def __post_init__(self) -> None:
        # Inlined (rather than _to_epoch) because it runs once for every decoded object.
        created = self.creationTimestamp
        if created.__class__ is datetime:
            force_setattr(self, "creationTimestamp", created.timestamp())
        if self.deletionTimestamp is not None:
            _to_epoch(self, "deletionTimestamp")


class Record(_S):
    """Any object reduced to its metadata; every schema below extends it."""

    metadata: ObjectMeta = ObjectMeta()

    @property
    def uid(self) -> str:
        return self.metadata.uid

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace

    @property
    def resourceVersion(self) -> str:
        return self.metadata.resourceVersion

    @property
    def creationTimestamp(self) -> float | None:
        return self.metadata.creationTimestamp

    @property
    def deletionTimestamp(self) -> float | None:
        return self.metadata.deletionTimestamp

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.labels

    @property
    def ownerReferences(self) -> tuple[OwnerReference, ...]:
        return self.metadata.ownerReferences


class Condition(_S):
    type: str = ""
    status: str = ""
    reason: str = ""


class LabelSelectorRequirement(_S):
    key: str = ""
    operator: str = ""
    values: tuple[str, ...] = ()


class LabelSelector(_S):
    matchLabels: dict[str, str] = {}
    matchExpressions: tuple[LabelSelectorRequirement, ...] = ()


class Container(_S):
    name: str = ""
    image: str = ""


class TemplateSpec(_S):
    containers: tuple[Container, ...] = ()


class PodTemplate(_S):
    spec: TemplateSpec = TemplateSpec()


# --- pods ----------------------------------------------------------------------------------


class InitContainer(_S):
    name: str = ""
    restartPolicy: str = ""


class ReadinessGate(_S):
    conditionType: str = ""


class PodSpec(_S):
    nodeName: str = ""
    containers: tuple[_Counted, ...] = ()
    initContainers: tuple[InitContainer, ...] = ()
    readinessGates: tuple[ReadinessGate, ...] = ()


class Waiting(_S):
    reason: str = ""


class Running(_S):
    pass


class Terminated(_S):
    reason: str = ""
    exitCode: int = 0
    signal: int = 0


class ContainerState(_S):
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None


class Finished(_S):
    finishedAt: Timestamp = None

    def __post_init__(self) -> None:
        _to_epoch(self, "finishedAt")


class LastState(_S):
    terminated: Finished | None = None


class ContainerStatus(_S):
    name: str = ""
    ready: bool = False
    started: bool | None = None
    restartCount: int = 0
    state: ContainerState = ContainerState()
    lastState: LastState = LastState()


class PodIP(_S):
    ip: str = ""


class PodStatus(_S):
    phase: str = ""
    reason: str = ""
    nominatedNodeName: str = ""
    podIP: str = ""
    podIPs: tuple[PodIP, ...] = ()
    conditions: tuple[Condition, ...] = ()
    initContainerStatuses: tuple[ContainerStatus, ...] = ()
    containerStatuses: tuple[ContainerStatus, ...] = ()


class Pod(Record):
    spec: PodSpec = PodSpec()
    status: PodStatus = PodStatus()


# --- workloads -----------------------------------------------------------------------------


class DeploymentSpec(_S):
    replicas: int = 1
    selector: LabelSelector | None = None
    template: PodTemplate = PodTemplate()


class DeploymentStatus(_S):
    readyReplicas: int = 0
    updatedReplicas: int = 0
    availableReplicas: int = 0
    conditions: tuple[Condition, ...] = ()


class Deployment(Record):
    spec: DeploymentSpec = DeploymentSpec()
    status: DeploymentStatus = DeploymentStatus()


class ReplicaSetSpec(_S):
    replicas: int = 1
    selector: LabelSelector | None = None
    template: PodTemplate = PodTemplate()


class ReplicaSetStatus(_S):
    replicas: int = 0
    readyReplicas: int = 0
    conditions: tuple[Condition, ...] = ()


class ReplicaSet(Record):
    spec: ReplicaSetSpec = ReplicaSetSpec()
    status: ReplicaSetStatus = ReplicaSetStatus()


class StatefulSetSpec(_S):
    replicas: int = 1
    template: PodTemplate = PodTemplate()


class StatefulSetStatus(_S):
    readyReplicas: int = 0


class StatefulSet(Record):
    spec: StatefulSetSpec = StatefulSetSpec()
    status: StatefulSetStatus = StatefulSetStatus()


class DaemonTemplateSpec(_S):
    containers: tuple[Container, ...] = ()
    nodeSelector: dict[str, str] = {}


class DaemonTemplate(_S):
    spec: DaemonTemplateSpec = DaemonTemplateSpec()


class DaemonSetSpec(_S):
    selector: LabelSelector | None = None
    template: DaemonTemplate = DaemonTemplate()


class DaemonSetStatus(_S):
    desiredNumberScheduled: int = 0
    currentNumberScheduled: int = 0
    numberReady: int = 0
    updatedNumberScheduled: int = 0
    numberAvailable: int = 0


class DaemonSet(Record):
    spec: DaemonSetSpec = DaemonSetSpec()
    status: DaemonSetStatus = DaemonSetStatus()


class JobSpec(_S):
    completions: int | None = None
    parallelism: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplate = PodTemplate()


class JobStatus(_S):
    succeeded: int = 0
    startTime: Timestamp = None
    completionTime: Timestamp = None
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        _to_epoch(self, "startTime", "completionTime")


class Job(Record):
    spec: JobSpec = JobSpec()
    status: JobStatus = JobStatus()


class JobTemplateSpec(_S):
    selector: LabelSelector | None = None
    template: PodTemplate = PodTemplate()


class JobTemplate(_S):
    spec: JobTemplateSpec = JobTemplateSpec()


class CronJobSpec(_S):
    schedule: str = ""
    timeZone: str | None = None
    suspend: bool | None = None
    jobTemplate: JobTemplate = JobTemplate()


class CronJobStatus(_S):
    active: tuple[_Counted, ...] = ()
    lastScheduleTime: Timestamp = None

    def __post_init__(self) -> None:
        _to_epoch(self, "lastScheduleTime")


class CronJob(Record):
    spec: CronJobSpec = CronJobSpec()
    status: CronJobStatus = CronJobStatus()


# --- networking ----------------------------------------------------------------------------


class LoadBalancerIngress(_S):
    ip: str = ""
    hostname: str = ""


class LoadBalancerStatus(_S):
    ingress: tuple[LoadBalancerIngress, ...] = ()


class ServicePort(_S):
    port: int = 0
    nodePort: int = 0
    protocol: str = "TCP"


class ServiceSpec(_S):
    type: str = ""
    clusterIP: str = ""
    clusterIPs: tuple[str, ...] = ()
    externalIPs: tuple[str, ...] = ()
    externalName: str = ""
    ports: tuple[ServicePort, ...] = ()
    selector: dict[str, str] = {}


class ServiceStatus(_S):
    loadBalancer: LoadBalancerStatus = LoadBalancerStatus()


class Service(Record):
    spec: ServiceSpec = ServiceSpec()
    status: ServiceStatus = ServiceStatus()


class IngressRule(_S):
    host: str = ""


class IngressSpec(_S):
    ingressClassName: str | None = None
    rules: tuple[IngressRule, ...] = ()
    tls: tuple[_Counted, ...] = ()


class IngressStatus(_S):
    loadBalancer: LoadBalancerStatus = LoadBalancerStatus()


class Ingress(Record):
    spec: IngressSpec = IngressSpec()
    status: IngressStatus = IngressStatus()


# --- configuration -------------------------------------------------------------------------


class ConfigMap(Record):
    data: CountedMap = 0
    binaryData: CountedMap = 0

    def __post_init__(self) -> None:
        _to_count(self, "data", "binaryData")


class Secret(Record):
    type: str = ""
    data: CountedMap = 0

    def __post_init__(self) -> None:
        _to_count(self, "data")


# --- cluster -------------------------------------------------------------------------------


class NamespaceStatus(_S):
    phase: str = ""


class Namespace(Record):
    status: NamespaceStatus = NamespaceStatus()


class NodeSpec(_S):
    unschedulable: bool = False


class NodeAddress(_S):
    type: str = ""
    address: str = ""


class NodeSystemInfo(_S):
    kubeletVersion: str = ""
    osImage: str = ""
    kernelVersion: str = ""
    containerRuntimeVersion: str = ""


class NodeStatus(_S):
    conditions: tuple[Condition, ...] = ()
    addresses: tuple[NodeAddress, ...] = ()
    nodeInfo: NodeSystemInfo = NodeSystemInfo()


class Node(Record):
    spec: NodeSpec = NodeSpec()
    status: NodeStatus = NodeStatus()


# --- events --------------------------------------------------------------------------------


class InvolvedObject(_S):
    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    fieldPath: str = ""


class EventSource(_S):
    component: str = ""
    host: str = ""


class EventSeries(_S):
    count: int = 0
    lastObservedTime: Timestamp = None

    def __post_init__(self) -> None:
        _to_epoch(self, "lastObservedTime")


class Event(Record):
    """core/v1 Event."""

    type: str = ""
    reason: str = ""
    message: str = ""
    involvedObject: InvolvedObject = InvolvedObject()
    source: EventSource = EventSource()
    firstTimestamp: Timestamp = None
    lastTimestamp: Timestamp = None
    eventTime: Timestamp = None
    count: int = 0
    series: EventSeries | None = None
    reportingComponent: str = ""
    reportingInstance: str = ""

    def __post_init__(self) -> None:
        _to_epoch(self, "firstTimestamp", "lastTimestamp", "eventTime")


class EventsV1Event(Event):
    """events.k8s.io/v1 Event, read under core/v1 names as the API server converts it."""

    message: str = msgspec.field(default="", name="note")
    involvedObject: InvolvedObject = msgspec.field(default=InvolvedObject(), name="regarding")
    source: EventSource = msgspec.field(default=EventSource(), name="deprecatedSource")
    firstTimestamp: Timestamp = msgspec.field(default=None, name="deprecatedFirstTimestamp")
    lastTimestamp: Timestamp = msgspec.field(default=None, name="deprecatedLastTimestamp")
    count: int = msgspec.field(default=0, name="deprecatedCount")
    reportingComponent: str = msgspec.field(default="", name="reportingController")


# --- storage -------------------------------------------------------------------------------

BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


class ClassMeta(ObjectMeta):
    """Metadata that keeps one annotation: the beta storage class, which wins over the spec."""

    annotations: dict[str, str] = {}

    def __post_init__(self) -> None:
        super().__post_init__()
        keep = self.annotations.get(BETA_STORAGE_CLASS)
        force_setattr(self, "annotations", {} if keep is None else {BETA_STORAGE_CLASS: keep})


class ObjectRef(_S):
    namespace: str = ""
    name: str = ""


class PersistentVolumeSpec(_S):
    capacity: dict[str, str] = {}
    accessModes: tuple[str, ...] = ()
    persistentVolumeReclaimPolicy: str = ""
    claimRef: ObjectRef | None = None
    storageClassName: str = ""
    volumeAttributesClassName: str | None = None
    volumeMode: str | None = None


class PersistentVolumeStatus(_S):
    phase: str = ""
    reason: str = ""


class PersistentVolume(Record):
    metadata: ClassMeta = ClassMeta()
    spec: PersistentVolumeSpec = PersistentVolumeSpec()
    status: PersistentVolumeStatus = PersistentVolumeStatus()


class ResourceRequirements(_S):
    requests: dict[str, str] = {}


class PersistentVolumeClaimSpec(_S):
    volumeName: str = ""
    storageClassName: str | None = None
    volumeAttributesClassName: str | None = None
    volumeMode: str | None = None
    resources: ResourceRequirements = ResourceRequirements()


class PersistentVolumeClaimStatus(_S):
    phase: str = ""
    accessModes: tuple[str, ...] = ()
    capacity: dict[str, str] = {}


class PersistentVolumeClaim(Record):
    metadata: ClassMeta = ClassMeta()
    spec: PersistentVolumeClaimSpec = PersistentVolumeClaimSpec()
    status: PersistentVolumeClaimStatus = PersistentVolumeClaimStatus()


# --- autoscaling ---------------------------------------------------------------------------

Quantity = str | int | float
"""A resource quantity; the API server sends the canonical string, hand-made objects may not."""


class MetricTarget(_S):
    type: str = ""
    value: Quantity | None = None
    averageValue: Quantity | None = None
    averageUtilization: int | None = None


class MetricValueStatus(_S):
    value: Quantity | None = None
    averageValue: Quantity | None = None
    averageUtilization: int | None = None


class MetricSource(_S):
    """Any metric source of a v2 MetricSpec: the printer reads only a name and the target."""

    name: str = ""
    target: MetricTarget = MetricTarget()


class MetricSourceStatus(_S):
    name: str = ""
    current: MetricValueStatus = MetricValueStatus()


class MetricSpec(_S):
    type: str = ""
    resource: MetricSource | None = None
    containerResource: MetricSource | None = None
    pods: MetricSource | None = None
    object: MetricSource | None = None
    external: MetricSource | None = None


class MetricStatus(_S):
    type: str = ""
    resource: MetricSourceStatus | None = None
    containerResource: MetricSourceStatus | None = None
    pods: MetricSourceStatus | None = None
    object: MetricSourceStatus | None = None
    external: MetricSourceStatus | None = None


class ScaleTargetRef(_S):
    kind: str = ""
    name: str = ""


class HPASpec(_S):
    """autoscaling/v2 fields, plus v1's single CPU target (the printer converts it to v2)."""

    scaleTargetRef: ScaleTargetRef = ScaleTargetRef()
    minReplicas: int | None = None
    maxReplicas: int = 0
    metrics: tuple[MetricSpec, ...] = ()
    targetCPUUtilizationPercentage: int | None = None


class HPAStatus(_S):
    currentReplicas: int = 0
    currentMetrics: tuple[MetricStatus, ...] = ()
    currentCPUUtilizationPercentage: int | None = None


class HorizontalPodAutoscaler(Record):
    spec: HPASpec = HPASpec()
    status: HPAStatus = HPAStatus()


# --- meta.k8s.io ---------------------------------------------------------------------------


class ListMeta(_S):
    resourceVersion: str = ""
    continue_: str = msgspec.field(default="", name="continue")
    remainingItemCount: int | None = None


class Status(_S):
    """meta/v1 Status: what watch ERROR events and failed requests carry."""

    status: str = ""
    message: str = ""
    reason: str = ""
    code: int = 0


class TableColumnDefinition(_S):
    name: str = ""
    type: str = ""
    format: str = ""
    description: str = ""
    priority: int = 0


class TableRow(_S):
    cells: list[Any] = []
    object: Record | None = None


class Table(_S):
    metadata: ListMeta = ListMeta()
    columnDefinitions: list[TableColumnDefinition] = []
    rows: list[TableRow] = []


# --- entry points --------------------------------------------------------------------------

SCHEMAS: dict[tuple[str, str], type[Record]] = {
    ("", "Pod"): Pod,
    ("apps", "Deployment"): Deployment,
    ("apps", "ReplicaSet"): ReplicaSet,
    ("apps", "StatefulSet"): StatefulSet,
    ("apps", "DaemonSet"): DaemonSet,
    ("batch", "Job"): Job,
    ("batch", "CronJob"): CronJob,
    ("", "Service"): Service,
    ("networking.k8s.io", "Ingress"): Ingress,
    ("", "ConfigMap"): ConfigMap,
    ("", "Secret"): Secret,
    ("", "Namespace"): Namespace,
    ("", "Node"): Node,
    ("", "Event"): Event,
    ("events.k8s.io", "Event"): EventsV1Event,
    ("", "PersistentVolume"): PersistentVolume,
    ("", "PersistentVolumeClaim"): PersistentVolumeClaim,
    ("autoscaling", "HorizontalPodAutoscaler"): HorizontalPodAutoscaler,
}


def schema_for(group: str, kind: str) -> type[Record] | None:
    """The partial schema for a kind with kubectl columns; None for every other kind."""
    return SCHEMAS.get((group, kind))


T = TypeVar("T")


class _List(msgspec.Struct, Generic[T], gc=False):
    metadata: ListMeta = ListMeta()
    items: list[T] | None = None


class _WatchLine(msgspec.Struct, gc=False):
    type: str = ""
    object: msgspec.Raw = msgspec.Raw(b"null")


@dataclass(frozen=True, slots=True)
class DecodedList:
    """One list response: its records and what paging and a following watch need."""

    items: list[Any]
    resource_version: str
    continue_token: str
    remaining_item_count: int | None


@cache
def _list_decoder(schema: type) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(_List[schema])  # type: ignore[valid-type]


@cache
def _object_decoder(schema: type) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(schema)


_line_decoder = msgspec.json.Decoder(_WatchLine)
_table_decoder = msgspec.json.Decoder(Table)


def decode_list(schema: type[Record], raw: bytes) -> DecodedList:
    """A list response (PodList, …) -> records plus what paging and watching need."""
    page = _list_decoder(schema).decode(raw)
    meta = page.metadata
    return DecodedList(page.items or [], meta.resourceVersion, meta.continue_,
                       meta.remainingItemCount)


def decode_object(schema: type[Record], raw: bytes) -> Record:
    return _object_decoder(schema).decode(raw)


def decode_watch_line(schema: type[Record], raw: bytes) -> tuple[str, Record | Status]:
    """One watch line -> (type, record); ERROR lines carry a Status instead of a record.

    A BOOKMARK's object decodes to a record holding only its resourceVersion.
    """
    line = _line_decoder.decode(raw)
    if line.type == "ERROR":
        return line.type, _object_decoder(Status).decode(line.object)
    return line.type, _object_decoder(schema).decode(line.object)


def decode_table(raw: bytes) -> Table:
    """A meta.k8s.io/v1 Table (server-side printing), row objects reduced to metadata."""
    return _table_decoder.decode(raw)


def convert(schema: type[Record], obj: dict) -> Record:
    """A plain JSON-shaped dict (as the simulated cluster stores it) -> a record."""
    return msgspec.convert(obj, schema)
