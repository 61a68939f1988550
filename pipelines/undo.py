"""`kubectl rollout undo` for a Deployment, as kubectl's DeploymentRollbacker does it: the
template of the ReplicaSet holding the wanted revision (its pod-template-hash label removed)
and that ReplicaSet's annotations are patched back onto the Deployment with one JSON patch;
the controller then rolls back to it like to any new template.
"""

from __future__ import annotations

import copy

import msgspec

from kubedeck.kube.connect import Connection
from kubedeck.kube.discovery import Discovery
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.rollout_status import REVISION_ANNOTATION
from kubedeck.kube.selectors import selector_string
from pipelines.apply import JSON_PATCH, patch
from pipelines.rollout import HASH_LABEL, template_without_hash

# Annotations that describe a ReplicaSet's own history, not its template (kubectl's
# annotationsToSkip): kept from the Deployment, never copied from the ReplicaSet.
SKIP_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"})


def revision_of(obj: dict) -> int:
    raw = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION, "")
    return int(raw) if str(raw).isdigit() else 0


def owned_replicasets(conn: Connection, discovery: Discovery, deployment: dict) -> list[dict]:
    meta, spec = deployment.get("metadata") or {}, deployment.get("spec") or {}
    rs = discovery.resolve("replicasets.apps")
    listed = msgspec.json.decode(conn.get(rs.path(meta.get("namespace")), {
        "labelSelector": selector_string(spec.get("selector"))}))
    uid = meta.get("uid")
    return [item for item in listed.get("items") or ()
            if any(ref.get("uid") == uid and ref.get("controller")
                   for ref in (item.get("metadata") or {}).get("ownerReferences") or ())]


def undo(conn: Connection, discovery: Discovery, namespace: str, name: str,
         to_revision: int) -> str:
    """Roll Deployment `name` back to `to_revision`; kubectl's message for what happened
    ("rolled back" or "skipped rollback (…)"). Raises KubedeckError when that revision is
    no longer kept (revisionHistoryLimit) or the Deployment is paused."""
    resource = discovery.resolve("deployments.apps")
    deployment = msgspec.json.decode(conn.get(resource.path(namespace, name)))
    if (deployment.get("spec") or {}).get("paused"):
        raise KubedeckError(f'you cannot rollback a paused deployment; resume it first with '
                            f'"kubectl rollout resume deployment/{name}" and try again')
    match = [rs for rs in owned_replicasets(conn, discovery, deployment)
             if revision_of(rs) == to_revision]
    if not match:
        raise KubedeckError(f'unable to find the previous revision {to_revision} of deployment '
                            f'"{name}" (its ReplicaSet is gone: revisionHistoryLimit)')
    rs = match[0]
    template = copy.deepcopy((rs.get("spec") or {}).get("template") or {})
    if template_without_hash(template) == template_without_hash(
            (deployment.get("spec") or {}).get("template") or {}):
        return f"skipped rollback (current template already matches revision {to_revision})"
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    current = (deployment.get("metadata") or {}).get("annotations") or {}
    annotations = {k: v for k, v in current.items() if k in SKIP_ANNOTATIONS}
    annotations.update({k: v for k, v in ((rs.get("metadata") or {}).get("annotations")
                                          or {}).items() if k not in SKIP_ANNOTATIONS})
    ops = [{"op": "replace", "path": "/spec/template", "value": template},
           {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
    patch(conn, resource.path(namespace, name), ops, JSON_PATCH)
    return f"deployment.apps/{name} rolled back to revision {to_revision}"
