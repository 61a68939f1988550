"""Does a pod fit a node by labels and taints: nodeSelector, required node affinity and
tolerations, as the scheduler's NodeAffinity and TaintToleration plugins decide."""

from __future__ import annotations

from collections.abc import Mapping


def _expression_matches(expr: Mapping, value: str | None) -> bool:
    op = expr.get("operator")
    values = list(expr.get("values") or ())
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            lhs, rhs = int(value), int(values[0])
        except ValueError:
            return False
        return lhs > rhs if op == "Gt" else lhs < rhs
    return False


def _term_matches(term: Mapping, node: Mapping) -> bool:
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    exprs = term.get("matchExpressions") or ()
    fields = term.get("matchFields") or ()
    if not exprs and not fields:
        return False
    for expr in exprs:
        if not _expression_matches(expr, labels.get(expr.get("key", ""))):
            return False
    for expr in fields:
        value = meta.get("name") if expr.get("key") == "metadata.name" else None
        if not _expression_matches(expr, value):
            return False
    return True


def matches_node_selector(pod_spec: Mapping, node: Mapping) -> bool:
    """nodeSelector labels and requiredDuringScheduling node affinity (any term)."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if terms:
        return any(_term_matches(term, node) for term in terms)
    return True


def tolerates(toleration: Mapping, taint: Mapping) -> bool:
    effect = toleration.get("effect")
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key", "")
    if toleration.get("operator") == "Exists":
        return not key or key == taint.get("key")
    return key == taint.get("key") and toleration.get("value", "") == taint.get("value", "")


def untolerated_taint(pod_spec: Mapping, node: Mapping,
                      effects: tuple[str, ...] = ("NoSchedule", "NoExecute")) -> dict | None:
    """The first taint with one of `effects` that none of the pod's tolerations tolerates."""
    tolerations = pod_spec.get("tolerations") or ()
    for taint in (node.get("spec") or {}).get("taints") or ():
        if taint.get("effect") not in effects:
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None
