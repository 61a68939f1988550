"""Rendered manifests checked before anything reaches the cluster: a template mistake should
fail the render stage with the template file and document named, not half-way through an
apply with a 422 for the third object after two were already changed.

The checks are the ones Kubernetes' own validation makes for the kinds the templates produce
(names, labels, a Deployment selector that matches its pod template, container name and image,
ports, Ingress paths, ConfigMap data as strings, an HPA's target and bounds). Kinds we do not
know get the common checks only; the server still has the last word at apply time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from kubedeck.kube.errors import KubedeckError

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
IANA_SVC_NAME = re.compile(r"(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*")
HOST = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

PROTOCOLS = ("TCP", "UDP", "SCTP")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")

# Kinds Kubernetes keeps outside namespaces: never given metadata.namespace.
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole",
    "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "IngressClass",
    "RuntimeClass", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "CSIDriver", "VolumeAttachment",
})

# The apiVersions the checks below understand, per kind.
KNOWN_VERSIONS = {
    "Deployment": ("apps/v1",), "StatefulSet": ("apps/v1",), "DaemonSet": ("apps/v1",),
    "Service": ("v1",), "ConfigMap": ("v1",), "Secret": ("v1",),
    "Ingress": ("networking.k8s.io/v1",),
    "HorizontalPodAutoscaler": ("autoscaling/v2", "autoscaling/v1"),
}

# Names Kubernetes validates as DNS-1035 labels rather than DNS-1123 subdomains.
_DNS1035_NAMED = frozenset({"Service", "Namespace"})


class RenderError(KubedeckError):
    """A template or its output is wrong: a configuration error (exit 2), never applied."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


@dataclass(frozen=True)
class Source:
    """Where a rendered document came from, for messages: `webapp/deployment.yaml.j2`, the
    document's position in that file (from 1)."""

    template: str
    index: int

    def describe(self, doc: Any = None) -> str:
        what = f"document {self.index}"
        if isinstance(doc, dict):
            kind = doc.get("kind")
            name = (doc.get("metadata") or {}).get("name") if isinstance(
                doc.get("metadata"), dict) else None
            if isinstance(kind, str) and isinstance(name, str):
                what += f", {kind} {name!r}"
            elif isinstance(kind, str):
                what += f", {kind}"
        return f"{self.template} ({what})"


class _Checker:
    """Checks one document; `fail` names the template, the document and the field."""

    def __init__(self, doc: dict, source: Source) -> None:
        self.doc = doc
        self.source = source

    def fail(self, field: str, message: str) -> NoReturn:
        raise RenderError(f"{self.source.describe(self.doc)}: {field}: {message}")

    def mapping(self, value: Any, field: str, *, required: bool = True) -> dict:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(field, f"must be a mapping (got {_show(value)})")
        return value

    def sequence(self, value: Any, field: str, *, required: bool = True) -> list:
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.fail(field, f"must be a list (got {_show(value)})")
        return value

    def string(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(field, f"must be a non-empty string (got {_show(value)})")
        return value

    def name(self, value: Any, field: str, pattern: re.Pattern[str], rule: str,
             max_length: int) -> str:
        text = self.string(value, field)
        if len(text) > max_length or not pattern.fullmatch(text):
            self.fail(field, f"{text!r} is not {rule}")
        return text

    def integer(self, value: Any, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"must be an integer (got {_show(value)})")
        if not low <= value <= high:
            self.fail(field, f"must be from {low} to {high} (got {value})")
        return value

    def port(self, value: Any, field: str) -> int:
        return self.integer(value, field, 1, 65535)

    def port_or_name(self, value: Any, field: str) -> None:
        if isinstance(value, str):
            self.name(value, field, IANA_SVC_NAME, "a port name (at most 15 lowercase letters, "
                      "digits and '-', with a letter)", 15)
        else:
            self.port(value, field)

    def choice(self, value: Any, field: str, choices: Iterable[str]) -> None:
        choices = tuple(choices)
        if value not in choices:
            self.fail(field, f"must be one of {', '.join(choices)} (got {_show(value)})")

    def string_map(self, value: Any, field: str) -> dict:
        mapping = self.mapping(value, field, required=False)
        for key, item in mapping.items():
            if not isinstance(key, str):
                self.fail(field, f"keys must be strings (got {_show(key)})")
            if not isinstance(item, str):
                self.fail(f"{field}.{key}", f"must be a string (got {_show(item)}); quote it "
                          "or use `| string` in the template")
        return mapping

    def labels(self, value: Any, field: str) -> dict:
        labels = self.string_map(value, field)
        for key, item in labels.items():
            prefix, _, name = key.rpartition("/")
            if prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
                self.fail(f"{field}.{key}", f"label prefix {prefix!r} is not a DNS subdomain")
            if len(name) > 63 or not LABEL_NAME.fullmatch(name):
                self.fail(f"{field}.{key}", "label names are letters, digits, '-', '_' and "
                          "'.', at most 63 characters, starting and ending alphanumeric")
            if item and (len(item) > 63 or not LABEL_NAME.fullmatch(item)):
                self.fail(f"{field}.{key}", f"label value {item!r} must be empty or letters, "
                          "digits, '-', '_' and '.', at most 63 characters, starting and "
                          "ending alphanumeric")
        return labels


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    return repr(value)


def validate_document(doc: Any, source: Source) -> None:
    """Raise RenderError if `doc` is not an object Kubernetes would accept."""
    if not isinstance(doc, dict):
        raise RenderError(f"{source.describe()}: must be a Kubernetes object (a mapping with "
                          f"apiVersion, kind and metadata), got {_show(doc)}")
    c = _Checker(doc, source)
    api_version = c.string(doc.get("apiVersion"), "apiVersion")
    kind = c.string(doc.get("kind"), "kind")
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", kind):
        c.fail("kind", f"{kind!r} is not a kind (CamelCase, like Deployment)")
    known = KNOWN_VERSIONS.get(kind)
    if known and api_version not in known:
        c.fail("apiVersion", f"{kind} is served as {' or '.join(known)} (got {api_version!r})")
    meta = c.mapping(doc.get("metadata"), "metadata")
    if kind in _DNS1035_NAMED:
        c.name(meta.get("name"), "metadata.name", DNS1035_LABEL, "a DNS-1035 name (lowercase "
               "letters, digits and '-', starting with a letter, at most 63 characters)", 63)
    else:
        c.name(meta.get("name"), "metadata.name", DNS1123_SUBDOMAIN, "a DNS-1123 name "
               "(lowercase letters, digits, '-' and '.', at most 253 characters)", 253)
    if "namespace" in meta:
        c.name(meta["namespace"], "metadata.namespace", DNS1123_LABEL, "a namespace name", 63)
    c.labels(meta.get("labels"), "metadata.labels")
    c.string_map(meta.get("annotations"), "metadata.annotations")
    check = _KIND_CHECKS.get(kind)
    if check:
        check(c, doc)


def _pod_template_owner(c: _Checker, doc: dict) -> None:
    """Deployment, StatefulSet, DaemonSet: a selector that selects the pods it creates."""
    spec = c.mapping(doc.get("spec"), "spec")
    if "replicas" in spec:
        c.integer(spec["replicas"], "spec.replicas", 0, 2**31 - 1)
    selector = c.mapping(spec.get("selector"), "spec.selector")
    match = c.labels(selector.get("matchLabels"), "spec.selector.matchLabels")
    if not match and not selector.get("matchExpressions"):
        c.fail("spec.selector", "needs matchLabels (or matchExpressions) selecting the pod "
               "template's labels")
    template = c.mapping(spec.get("template"), "spec.template")
    tmeta = c.mapping(template.get("metadata"), "spec.template.metadata")
    labels = c.labels(tmeta.get("labels"), "spec.template.metadata.labels")
    for key, value in match.items():
        if labels.get(key) != value:
            c.fail("spec.selector.matchLabels", f"{key}={value} does not match the pod "
                   f"template's labels ({_pairs(labels) or 'none'}); the selector must select "
                   "the pods the template creates")
    if doc.get("kind") == "Deployment" and "strategy" in spec:
        strategy = c.mapping(spec["strategy"], "spec.strategy")
        if "type" in strategy:
            c.choice(strategy["type"], "spec.strategy.type", ("RollingUpdate", "Recreate"))
    _pod_spec(c, template.get("spec"), "spec.template.spec")


def _pairs(labels: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items())


def _pod_spec(c: _Checker, value: Any, field: str) -> None:
    spec = c.mapping(value, field)
    containers = c.sequence(spec.get("containers"), f"{field}.containers")
    if not containers:
        c.fail(f"{field}.containers", "needs at least one container")
    seen: set[str] = set()
    for group in ("initContainers", "containers"):
        for i, item in enumerate(c.sequence(spec.get(group), f"{field}.{group}",
                                            required=False)):
            where = f"{field}.{group}[{i}]"
            container = c.mapping(item, where)
            name = c.name(container.get("name"), f"{where}.name", DNS1123_LABEL,
                          "a DNS-1123 label (lowercase letters, digits and '-', at most 63 "
                          "characters)", 63)
            if name in seen:
                c.fail(f"{where}.name", f"{name!r} is used by another container")
            seen.add(name)
            c.string(container.get("image"), f"{where}.image")
            _container_ports(c, container.get("ports"), f"{where}.ports")
            for j, env in enumerate(c.sequence(container.get("env"), f"{where}.env",
                                               required=False)):
                entry = c.mapping(env, f"{where}.env[{j}]")
                c.string(entry.get("name"), f"{where}.env[{j}].name")
                if "value" in entry and not isinstance(entry["value"], str):
                    c.fail(f"{where}.env[{j}].value", f"must be a string (got "
                           f"{_show(entry['value'])}); use `| string` in the template")


def _container_ports(c: _Checker, value: Any, field: str) -> None:
    names: set[str] = set()
    for i, item in enumerate(c.sequence(value, field, required=False)):
        port = c.mapping(item, f"{field}[{i}]")
        c.port(port.get("containerPort"), f"{field}[{i}].containerPort")
        if "protocol" in port:
            c.choice(port["protocol"], f"{field}[{i}].protocol", PROTOCOLS)
        if "name" in port:
            c.port_or_name(port["name"], f"{field}[{i}].name")
            if port["name"] in names:
                c.fail(f"{field}[{i}].name", f"{port['name']!r} names another port")
            names.add(port["name"])


def _service(c: _Checker, doc: dict) -> None:
    spec = c.mapping(doc.get("spec"), "spec")
    kind = spec.get("type", "ClusterIP")
    c.choice(kind, "spec.type", SERVICE_TYPES)
    c.labels(spec.get("selector"), "spec.selector")
    headless = spec.get("clusterIP") == "None"
    ports = c.sequence(spec.get("ports"), "spec.ports", required=False)
    if not ports and kind != "ExternalName" and not headless:
        c.fail("spec.ports", "needs at least one port")
    names: set[str] = set()
    for i, item in enumerate(ports):
        where = f"spec.ports[{i}]"
        port = c.mapping(item, where)
        c.port(port.get("port"), f"{where}.port")
        if "targetPort" in port:
            c.port_or_name(port["targetPort"], f"{where}.targetPort")
        if "nodePort" in port:
            c.integer(port["nodePort"], f"{where}.nodePort", 1, 65535)
        if "protocol" in port:
            c.choice(port["protocol"], f"{where}.protocol", PROTOCOLS)
        if len(ports) > 1 and "name" not in port:
            c.fail(f"{where}.name", "is required when a Service has more than one port")
        if "name" in port:
            c.port_or_name(port["name"], f"{where}.name")
            if port["name"] in names:
                c.fail(f"{where}.name", f"{port['name']!r} names another port")
            names.add(port["name"])


def _ingress(c: _Checker, doc: dict) -> None:
    spec = c.mapping(doc.get("spec"), "spec")
    rules = c.sequence(spec.get("rules"), "spec.rules", required=False)
    if "defaultBackend" in spec:
        _ingress_backend(c, spec["defaultBackend"], "spec.defaultBackend")
    elif not rules:
        c.fail("spec", "needs rules or a defaultBackend")
    for i, item in enumerate(rules):
        where = f"spec.rules[{i}]"
        rule = c.mapping(item, where)
        if "host" in rule:
            host = c.string(rule["host"], f"{where}.host")
            if not HOST.fullmatch(host):
                c.fail(f"{where}.host", f"{host!r} is not a DNS host name (lowercase, no port "
                       "or scheme; a leading *. wildcard is allowed)")
        http = c.mapping(rule.get("http"), f"{where}.http")
        paths = c.sequence(http.get("paths"), f"{where}.http.paths")
        if not paths:
            c.fail(f"{where}.http.paths", "needs at least one path")
        for j, entry in enumerate(paths):
            pwhere = f"{where}.http.paths[{j}]"
            path = c.mapping(entry, pwhere)
            if not isinstance(path.get("path"), str) or not path["path"].startswith("/"):
                c.fail(f"{pwhere}.path", f"must start with / (got {_show(path.get('path'))})")
            c.choice(path.get("pathType"), f"{pwhere}.pathType", PATH_TYPES)
            _ingress_backend(c, path.get("backend"), f"{pwhere}.backend")
    for i, item in enumerate(c.sequence(spec.get("tls"), "spec.tls", required=False)):
        tls = c.mapping(item, f"spec.tls[{i}]")
        for j, host in enumerate(c.sequence(tls.get("hosts"), f"spec.tls[{i}].hosts",
                                            required=False)):
            c.string(host, f"spec.tls[{i}].hosts[{j}]")
        if "secretName" in tls:
            c.name(tls["secretName"], f"spec.tls[{i}].secretName", DNS1123_SUBDOMAIN,
                   "a Secret name", 253)


def _ingress_backend(c: _Checker, value: Any, field: str) -> None:
    backend = c.mapping(value, field)
    if "resource" in backend:
        return
    service = c.mapping(backend.get("service"), f"{field}.service")
    c.name(service.get("name"), f"{field}.service.name", DNS1035_LABEL, "a Service name", 63)
    port = c.mapping(service.get("port"), f"{field}.service.port")
    if "number" in port:
        c.port(port["number"], f"{field}.service.port.number")
    elif "name" in port:
        c.port_or_name(port["name"], f"{field}.service.port.name")
    else:
        c.fail(f"{field}.service.port", "needs a number or a name")


def _config_data(c: _Checker, doc: dict) -> None:
    """ConfigMap and Secret: keys as Kubernetes allows them, values strings."""
    seen: set[str] = set()
    fields = ("data", "binaryData") if doc["kind"] == "ConfigMap" else ("data", "stringData")
    for field in fields:
        for key in c.string_map(doc.get(field), field):
            if len(key) > 253 or not CONFIG_KEY.fullmatch(key):
                c.fail(f"{field}.{key}", "keys are letters, digits, '-', '_' and '.'")
            if key in seen and doc["kind"] == "ConfigMap":
                c.fail(f"{field}.{key}", "is both in data and binaryData")
            seen.add(key)


def _hpa(c: _Checker, doc: dict) -> None:
    spec = c.mapping(doc.get("spec"), "spec")
    ref = c.mapping(spec.get("scaleTargetRef"), "spec.scaleTargetRef")
    c.string(ref.get("kind"), "spec.scaleTargetRef.kind")
    c.name(ref.get("name"), "spec.scaleTargetRef.name", DNS1123_SUBDOMAIN, "a name", 253)
    top = c.integer(spec.get("maxReplicas"), "spec.maxReplicas", 1, 2**31 - 1)
    if "minReplicas" in spec:
        c.integer(spec["minReplicas"], "spec.minReplicas", 1, top)
    if doc.get("apiVersion") == "autoscaling/v2":
        for i, item in enumerate(c.sequence(spec.get("metrics"), "spec.metrics",
                                            required=False)):
            metric = c.mapping(item, f"spec.metrics[{i}]")
            c.choice(metric.get("type"), f"spec.metrics[{i}].type",
                     ("Resource", "Pods", "Object", "External", "ContainerResource"))


_KIND_CHECKS = {
    "Deployment": _pod_template_owner, "StatefulSet": _pod_template_owner,
    "DaemonSet": _pod_template_owner, "Service": _service, "Ingress": _ingress,
    "ConfigMap": _config_data, "Secret": _config_data, "HorizontalPodAutoscaler": _hpa,
}


def validate_set(docs: Iterable[tuple[dict, Source]]) -> None:
    """Each document on its own, then across them: one object per kind and name."""
    seen: dict[tuple[str, str, str], Source] = {}
    for doc, source in docs:
        validate_document(doc, source)
        meta = doc["metadata"]
        key = (doc["kind"], meta.get("namespace", ""), meta["name"])
        if key in seen:
            raise RenderError(f"{source.describe(doc)}: metadata.name: {doc['kind']} "
                              f"{meta['name']!r} is also rendered by "
                              f"{seen[key].describe(doc)}")
        seen[key] = source
