"""Discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>) computed from the live catalogue,
so CRDs appear and disappear as they are created and deleted."""

from __future__ import annotations

import re

from kubedeck.fake.resources import GROUP_ORDER, PREFERRED_VERSION, ResourceType

_STATUS_VERBS = ("get", "patch", "update")

# subresource -> (group, version, kind, verbs); None group/kind means "the parent's".
_SUBRESOURCES: dict[str, tuple[str | None, str | None, str | None, tuple[str, ...]]] = {
    "status": (None, None, None, _STATUS_VERBS),
    "scale": ("autoscaling", "v1", "Scale", _STATUS_VERBS),
    "log": (None, None, None, ("get",)),
    "exec": (None, None, "PodExecOptions", ("create", "get")),
    "attach": (None, None, "PodAttachOptions", ("create", "get")),
    "portforward": (None, None, "PodPortForwardOptions", ("create", "get")),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "binding": (None, None, "Binding", ("create",)),
    "proxy": (None, None, "NodeProxyOptions", ("create", "delete", "get", "patch", "update")),
    "finalize": (None, None, None, ("update",)),
}

def _subresource(rt: ResourceType, sub: str
                 ) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """(group, version, kind, verbs) of one subresource; proxy's kind names its parent
    (NodeProxyOptions, ServiceProxyOptions, PodProxyOptions)."""
    group, version, kind, verbs = _SUBRESOURCES.get(sub, (None, None, None, ("get",)))
    if sub == "proxy":
        kind = f"{rt.kind}ProxyOptions"
    return group, version, kind, verbs


_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple:
    """Sort key putting versions in Kubernetes order: v2 > v1 > v1beta2 > v1beta1 > v1alpha1."""
    m = _VERSION.match(version)
    if not m:
        return (3, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (stage, -int(m.group(1)), -int(m.group(3) or 0))


def _groups(types: list[ResourceType]) -> list[tuple[str, list[str]]]:
    """Groups in discovery order, each with its versions, preferred version first."""
    versions: dict[str, list[str]] = {}
    for rt in types:
        vs = versions.setdefault(rt.group, [])
        if rt.version not in vs:
            vs.append(rt.version)
    order = [g for g in GROUP_ORDER if g in versions]
    order += sorted(g for g in versions if g not in GROUP_ORDER)
    out = []
    for g in order:
        vs = sorted(versions[g], key=version_priority)
        preferred = PREFERRED_VERSION.get(g)
        if preferred in vs:
            vs.remove(preferred)
            vs.insert(0, preferred)
        out.append((g, vs))
    return out


def _group_entry(group: str, versions: list[str]) -> dict:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def group_list(types: list[ResourceType]) -> dict:
    groups = [_group_entry(g, vs) for g, vs in _groups(types) if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(types: list[ResourceType], name: str) -> dict | None:
    for g, vs in _groups(types):
        if g == name and g:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(g, vs)}
    return None


def _resource_entries(rt: ResourceType) -> list[dict]:
    main: dict = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                  "kind": rt.kind, "verbs": list(rt.verbs)}
    if rt.short_names:
        main["shortNames"] = list(rt.short_names)
    if rt.categories:
        main["categories"] = list(rt.categories)
    out = [main]
    for sub in rt.subresources:
        group, version, kind, verbs = _subresource(rt, sub)
        entry: dict = {"name": f"{rt.plural}/{sub}", "singularName": "",
                       "namespaced": rt.namespaced}
        if group is not None:
            entry["group"], entry["version"] = group, version
        entry["kind"] = kind or rt.kind
        entry["verbs"] = list(verbs)
        out.append(entry)
    return out


def resource_list(types: list[ResourceType], group: str, version: str) -> dict | None:
    """The APIResourceList of one group version, or None when nothing serves it."""
    served = [rt for rt in types if rt.group == group and rt.version == version]
    if not served:
        return None
    resources = [e for rt in served for e in _resource_entries(rt)]
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": resources}


AGGREGATED = "APIGroupDiscoveryList"


def negotiate_aggregated(accept: str) -> str | None:
    """The aggregated discovery version ("v2" or "v2beta1") an Accept header asks for first."""
    for media in accept.split(","):
        params = dict(p.strip().split("=", 1) for p in media.split(";")[1:] if "=" in p)
        if params.get("as") == AGGREGATED and params.get("g") == "apidiscovery.k8s.io" and (
                params.get("v") in ("v2", "v2beta1")):
            return params["v"]
    return None


def _aggregated_resource(rt: ResourceType) -> dict:
    out: dict = {
        "resource": rt.plural,
        "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        out["shortNames"] = list(rt.short_names)
    if rt.categories:
        out["categories"] = list(rt.categories)
    subs = []
    for sub in rt.subresources:
        group, version, kind, verbs = _subresource(rt, sub)
        subs.append({"subresource": sub,
                     "responseKind": {"group": rt.group if group is None else group,
                                      "version": rt.version if version is None else version,
                                      "kind": kind or rt.kind},
                     "verbs": list(verbs)})
    if subs:
        out["subresources"] = subs
    return out


def aggregated(types: list[ResourceType], core: bool, version: str) -> dict:
    """The aggregated discovery document of /api (core) or /apis (every named group)."""
    items = []
    for group, versions in _groups(types):
        if (group == "") != core:
            continue
        entries = [{"version": v,
                    "resources": [_aggregated_resource(rt) for rt in types
                                  if rt.group == group and rt.version == v],
                    "freshness": "Current"} for v in versions]
        meta: dict = {"creationTimestamp": None}
        if group:
            meta["name"] = group
        items.append({"metadata": meta, "versions": entries})
    return {"kind": AGGREGATED, "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {}, "items": items}


def aggregated_content_type(version: str) -> str:
    return f"application/json;g=apidiscovery.k8s.io;v={version};as={AGGREGATED}"
