"""kubectl's rollout status viewers: the same decision and the same line for each status."""

from __future__ import annotations

import pytest

from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.rollout_status import (
    RolloutError,
    daemonset_status,
    deployment_status,
    statefulset_status,
    status_viewer_for,
)


def deploy(gen=2, observed=2, replicas=3, updated=3, total=3, available=3, conditions=(),
           revision=None):
    meta = {"name": "web", "generation": gen}
    if revision is not None:
        meta["annotations"] = {"deployment.kubernetes.io/revision": revision}
    spec = {} if replicas is None else {"replicas": replicas}
    status = {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total,
              "availableReplicas": available, "conditions": list(conditions)}
    return {"metadata": meta, "spec": spec, "status": status}


@pytest.mark.parametrize(("obj", "line", "done"), [
    (deploy(gen=3, observed=2), "Waiting for deployment spec update to be observed...\n", False),
    (deploy(updated=1), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas '
                        "have been updated...\n", False),
    (deploy(total=5), 'Waiting for deployment "web" rollout to finish: 2 old replicas are '
                      "pending termination...\n", False),
    (deploy(available=1), 'Waiting for deployment "web" rollout to finish: 1 of 3 updated '
                          "replicas are available...\n", False),
    (deploy(), 'deployment "web" successfully rolled out\n', True),
    (deploy(replicas=None, updated=0, total=0, available=0),
     'deployment "web" successfully rolled out\n', True),
    (deploy(conditions=[{"type": "Progressing", "reason": "NewReplicaSetAvailable"}]),
     'deployment "web" successfully rolled out\n', True),
])
def test_deployment_viewer(obj, line, done):
    assert deployment_status(obj, 0) == (line, done)


def test_deployment_progress_deadline_exceeded():
    obj = deploy(updated=1, conditions=[
        {"type": "Available", "reason": "ProgressDeadlineExceeded"},
        {"type": "Progressing", "reason": "ProgressDeadlineExceeded"}])
    with pytest.raises(RolloutError) as err:
        deployment_status(obj, 0)
    assert str(err.value) == 'error: deployment "web" exceeded its progress deadline'
    # not yet observed: the deadline condition belongs to an older generation
    assert deployment_status({**obj, "metadata": {"name": "web", "generation": 9}}, 0)[1] is False


def test_deployment_revision_pin():
    assert deployment_status(deploy(revision="4"), 4)[1] is True
    with pytest.raises(RolloutError) as err:
        deployment_status(deploy(revision="5"), 4)
    assert str(err.value) == "error: desired revision (4) is different from the running revision (5)"
    with pytest.raises(RolloutError, match=r"running revision \(0\)"):
        deployment_status(deploy(), 2)
    with pytest.raises(RolloutError) as err:
        deployment_status(deploy(revision="x1"), 2)
    assert str(err.value) == ('error: cannot get the revision of deployment "web": '
                              'strconv.ParseInt: parsing "x1": invalid syntax')


def ds(strategy="RollingUpdate", gen=1, observed=1, desired=3, updated=3, available=3):
    return {"metadata": {"name": "agent", "generation": gen},
            "spec": {"updateStrategy": {"type": strategy}},
            "status": {"observedGeneration": observed, "desiredNumberScheduled": desired,
                       "updatedNumberScheduled": updated, "numberAvailable": available}}


@pytest.mark.parametrize(("obj", "line", "done"), [
    (ds(gen=2), "Waiting for daemon set spec update to be observed...\n", False),
    (ds(updated=1), 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have '
                    "been updated...\n", False),
    (ds(available=2), 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are '
                      "available...\n", False),
    (ds(), 'daemon set "agent" successfully rolled out\n', True),
])
def test_daemonset_viewer(obj, line, done):
    assert daemonset_status(obj, 7) == (line, done)


def test_daemonset_on_delete_strategy():
    with pytest.raises(RolloutError) as err:
        daemonset_status(ds(strategy="OnDelete"))
    assert str(err.value) == "error: rollout status is only available for RollingUpdate strategy type"


def sts(gen=1, observed=1, replicas=3, ready=3, updated=3, current=3, partition=None,
        rolling=False, update_rev="db-2", current_rev="db-2", strategy="RollingUpdate"):
    strat: dict = {"type": strategy}
    if rolling or partition is not None:
        strat["rollingUpdate"] = {} if partition is None else {"partition": partition}
    return {"metadata": {"name": "db", "generation": gen},
            "spec": {"replicas": replicas, "updateStrategy": strat},
            "status": {"observedGeneration": observed, "readyReplicas": ready,
                       "updatedReplicas": updated, "currentReplicas": current,
                       "updateRevision": update_rev, "currentRevision": current_rev}}


@pytest.mark.parametrize(("obj", "line", "done"), [
    (sts(observed=0), "Waiting for statefulset spec update to be observed...\n", False),
    (sts(gen=2), "Waiting for statefulset spec update to be observed...\n", False),
    (sts(ready=1), "Waiting for 2 pods to be ready...\n", False),
    (sts(partition=1, updated=1), "Waiting for partitioned roll out to finish: 1 out of 2 new "
                                  "pods have been updated...\n", False),
    (sts(partition=1, updated=2), "partitioned roll out complete: 2 new pods have been "
                                  "updated...\n", True),
    (sts(rolling=True, updated=1), "partitioned roll out complete: 1 new pods have been "
                                   "updated...\n", True),
    (sts(updated=1, current=2, current_rev="db-1"),
     "waiting for statefulset rolling update to complete 1 pods at revision db-2...\n", False),
    (sts(), "statefulset rolling update complete 3 pods at revision db-2...\n", True),
])
def test_statefulset_viewer(obj, line, done):
    assert statefulset_status(obj, 0) == (line, done)


def test_viewer_lookup():
    assert status_viewer_for("apps", "Deployment") is deployment_status
    assert status_viewer_for("apps", "StatefulSet") is statefulset_status
    with pytest.raises(KubedeckError) as err:
        status_viewer_for("", "Pod")
    assert str(err.value) == "error: no status viewer has been implemented for Pod"
    with pytest.raises(KubedeckError, match="for ReplicaSet.apps$"):
        status_viewer_for("apps", "ReplicaSet")
