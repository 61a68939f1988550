"""The built-in resource catalogue the simulated cluster serves, as a real API server would."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One served resource: where it lives in the API and how it is named."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    printer_columns: tuple[dict, ...] = field(default=(), compare=False)

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """Storage key shared by every version of a resource (as etcd keys are)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _rt(group: str, version: str, kind: str, plural: str, namespaced: bool, *short: str,
        verbs: tuple[str, ...] = ALL_VERBS, categories: tuple[str, ...] = (),
        subresources: tuple[str, ...] = ()) -> ResourceType:
    return ResourceType(group, version, kind, plural, namespaced, tuple(short), verbs,
                        categories, subresources)


_ALL = ("all",)

BUILTIN: tuple[ResourceType, ...] = (
    _rt("", "v1", "Pod", "pods", True, "po", categories=_ALL,
        subresources=("status", "log", "exec", "attach", "portforward", "eviction",
                      "binding")),
    _rt("", "v1", "Service", "services", True, "svc", categories=_ALL,
        subresources=("status", "proxy")),
    _rt("", "v1", "Endpoints", "endpoints", True, "ep"),
    _rt("", "v1", "ConfigMap", "configmaps", True, "cm"),
    _rt("", "v1", "Secret", "secrets", True),
    _rt("", "v1", "Namespace", "namespaces", False, "ns",
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        subresources=("status", "finalize")),
    _rt("", "v1", "Node", "nodes", False, "no", subresources=("status", "proxy")),
    _rt("", "v1", "Event", "events", True, "ev"),
    _rt("", "v1", "PersistentVolume", "persistentvolumes", False, "pv", subresources=("status",)),
    _rt("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, "pvc",
        subresources=("status",)),
    _rt("", "v1", "ServiceAccount", "serviceaccounts", True, "sa"),
    _rt("", "v1", "ReplicationController", "replicationcontrollers", True, "rc",
        categories=_ALL, subresources=("scale", "status")),
    _rt("", "v1", "ResourceQuota", "resourcequotas", True, "quota", subresources=("status",)),
    _rt("", "v1", "LimitRange", "limitranges", True, "limits"),
    _rt("apps", "v1", "Deployment", "deployments", True, "deploy", categories=_ALL,
        subresources=("scale", "status")),
    _rt("apps", "v1", "ReplicaSet", "replicasets", True, "rs", categories=_ALL,
        subresources=("scale", "status")),
    _rt("apps", "v1", "StatefulSet", "statefulsets", True, "sts", categories=_ALL,
        subresources=("scale", "status")),
    _rt("apps", "v1", "DaemonSet", "daemonsets", True, "ds", categories=_ALL,
        subresources=("status",)),
    _rt("apps", "v1", "ControllerRevision", "controllerrevisions", True),
    _rt("batch", "v1", "Job", "jobs", True, categories=_ALL, subresources=("status",)),
    _rt("batch", "v1", "CronJob", "cronjobs", True, "cj", categories=_ALL,
        subresources=("status",)),
    _rt("networking.k8s.io", "v1", "Ingress", "ingresses", True, "ing", subresources=("status",)),
    _rt("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    _rt("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, "netpol"),
    _rt("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, "hpa",
        categories=_ALL, subresources=("status",)),
    _rt("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, "hpa",
        categories=_ALL, subresources=("status",)),
    _rt("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    _rt("events.k8s.io", "v1", "Event", "events", True, "ev"),
    _rt("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, "pdb",
        subresources=("status",)),
    _rt("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    _rt("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    _rt("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _rt("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _rt("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, "sc"),
    _rt("coordination.k8s.io", "v1", "Lease", "leases", True),
    _rt("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        False, "crd", "crds", subresources=("status",)),
)

# Preferred version per group, in the order discovery lists groups.
GROUP_ORDER: tuple[str, ...] = (
    "", "apps", "events.k8s.io", "autoscaling", "batch", "networking.k8s.io", "policy",
    "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io",
)
PREFERRED_VERSION: dict[str, str] = {"autoscaling": "v2"}


def crd_resource_types(crd: dict) -> list[ResourceType]:
    """The resource types a CustomResourceDefinition object serves (one per served version)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    out = []
    for v in spec.get("versions") or []:
        if not v.get("served", True):
            continue
        subs = tuple(sorted((v.get("subresources") or {}).keys()))
        out.append(ResourceType(
            group=spec.get("group", ""),
            version=v["name"],
            kind=names.get("kind", ""),
            plural=names.get("plural", ""),
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            verbs=ALL_VERBS,
            categories=tuple(names.get("categories") or ()),
            subresources=subs,
            printer_columns=tuple(v.get("additionalPrinterColumns") or ()),
        ))
    return out
