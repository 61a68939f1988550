"""Workload rows turn red only on the controller's own verdict, not on a short replica count."""

from __future__ import annotations

import msgspec

from kubedeck.kube.decode import schema_for
from tui.row_status import FAILING, OK, PENDING, classifier_for


def _classify(group: str, kind: str, obj: dict) -> str:
    record = msgspec.json.decode(msgspec.json.encode(obj), type=schema_for(group, kind))
    return classifier_for(group, kind)(record, [])


def _deployment(ready: int, conditions: list[dict]) -> dict:
    return {"metadata": {"name": "web", "uid": "u1"}, "spec": {"replicas": 3},
            "status": {"readyReplicas": ready, "conditions": conditions}}


def test_deployment_short_of_replicas_is_pending_while_progressing() -> None:
    progressing = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}
    assert _classify("apps", "Deployment", _deployment(1, [progressing])) == PENDING
    assert _classify("apps", "Deployment", _deployment(3, [progressing])) == OK


def test_deployment_past_its_progress_deadline_is_failing() -> None:
    stalled = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    assert _classify("apps", "Deployment", _deployment(1, [stalled])) == FAILING


def test_replica_failure_is_failing_for_deployments_and_replicasets() -> None:
    failure = {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}
    assert _classify("apps", "Deployment", _deployment(0, [failure])) == FAILING
    rs = {"metadata": {"name": "web-1", "uid": "u2"}, "spec": {"replicas": 2},
          "status": {"readyReplicas": 0, "conditions": [failure]}}
    assert _classify("apps", "ReplicaSet", rs) == FAILING
    resolved = dict(failure, status="False")
    rs["status"]["conditions"] = [resolved]
    assert _classify("apps", "ReplicaSet", rs) == PENDING
