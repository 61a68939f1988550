"""The rendered documents turned into blue-green's parts: a Deployment per colour, the live
Service selecting one colour, the preview Service selecting the other.

The templates render one app (`<app>` Deployment, `<app>` Service); the colour is added here,
so every template set — built-in or the user's — works with every strategy. The workloads that
take a colour are the Deployments the `<app>` Service selects; anything else (a redis the app
uses, ConfigMaps, an Ingress pointing at the Service) is applied as rendered.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.bluegreen_state import APP_LABEL, COLOR_LABEL
from pipelines.staged import Failure

# Fields of a Service the API server allocates; a copy must not carry them.
_ALLOCATED = ("clusterIP", "clusterIPs", "loadBalancerIP", "healthCheckNodePort",
              "externalTrafficPolicy", "loadBalancerSourceRanges", "externalIPs")


@dataclass(frozen=True)
class Parts:
    service: dict  # the live Service as rendered (its selector without a colour)
    workloads: tuple[dict, ...]  # the Deployments it selects, as rendered
    others: tuple[dict, ...]

    @property
    def selector(self) -> dict:
        return dict((self.service.get("spec") or {}).get("selector") or {})


def _is(doc: dict, kind: str, group: str) -> bool:
    api = str(doc.get("apiVersion", ""))
    return doc.get("kind") == kind and (api.rpartition("/")[0] == group)


def split(app: str, docs: Sequence[dict]) -> Parts:
    """Find the app's Service and the Deployments behind it; Failure when there are none."""
    services = [d for d in docs if _is(d, "Service", "")]
    service = next((s for s in services if (s.get("metadata") or {}).get("name") == app), None)
    if service is None:
        names = ", ".join((s.get("metadata") or {}).get("name", "?") for s in services) or "none"
        raise Failure(f'blue-green needs a Service named "{app}" among the manifests (found: '
                      f"{names})", "render the app's Service under the app's name", exit_code=2)
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        raise Failure(f'blue-green: Service "{app}" has no selector, so there is nothing to '
                      "switch", "give the Service a selector matching the app's pods",
                      exit_code=2)
    workloads, others = [], []
    for doc in docs:
        if doc is service:
            continue
        labels = ((((doc.get("spec") or {}).get("template") or {}).get("metadata") or {})
                  .get("labels") or {})
        if _is(doc, "Deployment", "apps") and all(labels.get(k) == v
                                                  for k, v in selector.items()):
            workloads.append(doc)
        else:
            others.append(doc)
    if not workloads:
        raise Failure(f'blue-green: no Deployment\'s pods match Service "{app}"\'s selector '
                      f"{selector}", "render the app's Deployment with the Service's labels",
                      exit_code=2)
    return Parts(service, tuple(workloads), tuple(others))


def colored_name(name: str, color: str) -> str:
    return f"{name}-{color}"


def colored(deployment: dict, color: str, app: str) -> dict:
    """The Deployment as `<name>-<color>`, its selector, pods and itself labelled with the
    colour (and itself with the app, so promote/abort find it without the manifests)."""
    doc = copy.deepcopy(deployment)
    meta = doc.setdefault("metadata", {})
    meta["name"] = colored_name(meta.get("name", ""), color)
    meta["labels"] = {**(meta.get("labels") or {}), COLOR_LABEL: color, APP_LABEL: app}
    spec = doc.setdefault("spec", {})
    selector = spec.setdefault("selector", {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), COLOR_LABEL: color}
    template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), COLOR_LABEL: color}
    return doc


def live_service(parts: Parts, selector: dict | None, annotations: dict[str, str]) -> dict:
    """The app's Service with `selector` (None before the first colour is live: no selector,
    no endpoints, as when there was no Service) and the state annotations."""
    doc = copy.deepcopy(parts.service)
    meta = doc.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
    spec = doc.setdefault("spec", {})
    if selector:
        spec["selector"] = dict(selector)
    else:
        spec.pop("selector", None)
    return doc


def color_selector(parts: Parts, color: str) -> dict:
    return {**parts.selector, COLOR_LABEL: color}


def preview_service(parts: Parts, name: str, color: str) -> dict:
    """A ClusterIP copy of the app's Service named `name`, selecting `color`: what checks and
    testers reach the new colour through before it goes live."""
    doc = copy.deepcopy(parts.service)
    meta = doc.setdefault("metadata", {})
    meta["name"] = name
    meta.pop("annotations", None)
    spec = doc.setdefault("spec", {})
    for key in _ALLOCATED:
        spec.pop(key, None)
    spec["type"] = "ClusterIP"
    spec["selector"] = color_selector(parts, color)
    spec["ports"] = [{k: v for k, v in p.items() if k != "nodePort"}
                     for p in spec.get("ports") or ()]
    return doc


def retarget(others: Sequence[dict], renames: dict[str, str]) -> list[dict]:
    """Objects that name a coloured Deployment (an HPA's scaleTargetRef) pointed at the new
    colour's."""
    out = []
    for doc in others:
        ref = (doc.get("spec") or {}).get("scaleTargetRef") or {}
        if doc.get("kind") == "HorizontalPodAutoscaler" and ref.get("kind") == "Deployment" \
                and ref.get("name") in renames:
            doc = copy.deepcopy(doc)
            doc["spec"]["scaleTargetRef"]["name"] = renames[ref["name"]]
        out.append(doc)
    return out
