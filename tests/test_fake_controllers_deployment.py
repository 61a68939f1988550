"""Deployment and ReplicaSet controllers of the simulated cluster, stepped on a ManualClock,
checked against what the real controllers write."""

from __future__ import annotations

from fake_controllers_support import (
    condition,
    create_deployment,
    get_deployment,
    is_ready,
    make_cluster,
    pods,
    reasons,
    replicasets,
    set_image,
)

from kubedeck.fake.controllers.deployment import (
    max_surge,
    max_unavailable,
    template_hash,
)
from kubedeck.fake.store import clone, rfc3339

T0 = 1_790_000_000.0


def _cond(type_: str, status: str, reason: str, message: str, updated: float,
          transitioned: float) -> dict:
    return {"type": type_, "status": status, "lastUpdateTime": rfc3339(updated),
            "lastTransitionTime": rfc3339(transitioned), "reason": reason, "message": message}


def _by_revision(cluster, app: str) -> dict[str, dict]:
    return {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
            for rs in replicasets(cluster, app)}


def test_rollout_to_completion_status_exactly_as_the_controller_writes_it() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "web", replicas=3)
    cluster.step(0)
    (rs,) = replicasets(cluster, "web")
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    name = f"web-{pod_hash}"
    assert rs["metadata"]["name"] == name
    assert set(pod_hash) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == pod_hash
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4"}
    (owner,) = rs["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"], owner["blockOwnerDeletion"]) == (
        "Deployment", "web", True, True)
    d = get_deployment(cluster, "web")
    assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    assert d["status"] == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "unavailableReplicas": 3,
        "conditions": [
            _cond("Available", "False", "MinimumReplicasUnavailable",
                  "Deployment does not have minimum availability.", T0, T0),
            _cond("Progressing", "True", "ReplicaSetUpdated",
                  f'ReplicaSet "{name}" is progressing.', T0, T0)]}
    for p in pods(cluster, "web"):
        assert p["metadata"]["name"].startswith(f"{name}-")
        assert p["metadata"]["generateName"] == f"{name}-"
        assert p["metadata"]["labels"]["pod-template-hash"] == pod_hash
        assert p["metadata"]["ownerReferences"][0]["name"] == name
    cluster.step(2.0)
    d = get_deployment(cluster, "web")
    assert d["status"] == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3,
        "conditions": [
            _cond("Available", "True", "MinimumReplicasAvailable",
                  "Deployment has minimum availability.", T0 + 2, T0 + 2),
            _cond("Progressing", "True", "NewReplicaSetAvailable",
                  f'ReplicaSet "{name}" has successfully progressed.', T0 + 2, T0)]}
    rs = replicasets(cluster, "web")[0]
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3,
                            "availableReplicas": 3, "observedGeneration": 1}
    assert ("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} to 3") in reasons(
        cluster, "web")
    assert sorted(m for _, r, m in reasons(cluster, name) if r == "SuccessfulCreate") == sorted(
        f"Created pod: {p['metadata']['name']}" for p in pods(cluster, "web"))


def test_fenceposts_round_surge_up_and_unavailable_down() -> None:
    d = {"spec": {"replicas": 10, "strategy": {"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": "25%", "maxUnavailable": "25%"}}}}
    assert (max_surge(d), max_unavailable(d)) == (3, 2)
    d["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": 0, "maxUnavailable": "10%"}
    assert (max_surge(d), max_unavailable(d)) == (0, 1)
    d["spec"]["strategy"] = {"type": "Recreate"}
    assert (max_surge(d), max_unavailable(d)) == (0, 0)


def test_first_step_of_a_rolling_update_uses_the_rounded_budgets() -> None:
    cluster = make_cluster(nodes=4)
    create_deployment(cluster, "big", replicas=10)
    cluster.step(3)
    set_image(cluster, "big", "nginx:1.26")
    cluster.step(0)
    revs = _by_revision(cluster, "big")
    new, old = revs["2"]["metadata"]["name"], revs["1"]["metadata"]["name"]
    messages = [m for _, r, m in reasons(cluster, "big") if r == "ScalingReplicaSet"]
    assert f"Scaled up replica set {new} to 3" in messages
    assert f"Scaled down replica set {old} to 8 from 10" in messages
    assert revs["2"]["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "13"


def test_rolling_update_respects_max_surge_and_max_unavailable_at_every_step() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "roll", replicas=4, strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}})
    cluster.step(3)
    set_image(cluster, "roll", "nginx:1.26")
    seen_new = 0
    for _ in range(80):
        cluster.step(0.25)
        rss = replicasets(cluster, "roll")
        assert sum(rs["spec"]["replicas"] for rs in rss) <= 5
        live = [p for p in pods(cluster, "roll") if "deletionTimestamp" not in p["metadata"]]
        assert len(live) <= 5
        assert sum(1 for p in live if is_ready(p)) >= 3
        seen_new = max(seen_new, len(rss))
    d = get_deployment(cluster, "roll")
    revs = _by_revision(cluster, "roll")
    assert seen_new == 2
    assert (revs["1"]["spec"]["replicas"], revs["2"]["spec"]["replicas"]) == (0, 4)
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert d["status"]["updatedReplicas"] == 4 and d["status"]["availableReplicas"] == 4
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    old_name = revs["1"]["metadata"]["name"]
    scaled_down = [m for _, r, m in reasons(cluster, "roll")
                   if r == "ScalingReplicaSet" and old_name in m and "down" in m]
    assert scaled_down[0] == f"Scaled down replica set {old_name} to 3 from 4"
    assert scaled_down[-1].startswith(f"Scaled down replica set {old_name} to 0 from ")


def test_recreate_starts_no_new_pod_before_the_old_ones_are_gone() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "rec", replicas=3, strategy={"type": "Recreate"})
    cluster.step(3)
    old_hash = replicasets(cluster, "rec")[0]["metadata"]["labels"]["pod-template-hash"]
    set_image(cluster, "rec", "nginx:1.26")
    saw_only_terminating = False
    for _ in range(40):
        cluster.step(0.25)
        live = pods(cluster, "rec")
        hashes = {p["metadata"]["labels"]["pod-template-hash"] for p in live}
        assert not (old_hash in hashes and len(hashes) > 1)
        saw_only_terminating = saw_only_terminating or (
            bool(live) and all("deletionTimestamp" in p["metadata"] for p in live))
    assert saw_only_terminating
    live = pods(cluster, "rec")
    assert len(live) == 3 and all(is_ready(p) for p in live)
    assert old_hash not in {p["metadata"]["labels"]["pod-template-hash"] for p in live}
    d = get_deployment(cluster, "rec")
    assert d["spec"]["strategy"] == {"type": "Recreate"}
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_progress_deadline_exceeded() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "stuck", replicas=2, image="registry.example/app:fail-pull",
                      progressDeadlineSeconds=30)
    cluster.step(29)
    assert condition(get_deployment(cluster, "stuck"), "Progressing")["status"] == "True"
    cluster.step(10)
    d = get_deployment(cluster, "stuck")
    rs_name = replicasets(cluster, "stuck")[0]["metadata"]["name"]
    prog = condition(d, "Progressing")
    assert (prog["status"], prog["reason"], prog["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{rs_name}" has timed out progressing.')
    assert parse_seconds(prog["lastTransitionTime"]) - T0 in (31, 32)
    avail = condition(d, "Available")
    assert (avail["status"], avail["reason"]) == ("False", "MinimumReplicasUnavailable")
    assert d["status"]["unavailableReplicas"] == 2


def parse_seconds(stamp: str) -> float:
    from kubedeck.fake.controllers.base import parse_time

    return parse_time(stamp)


def _undo_to(cluster, name: str, revision: str) -> None:
    """What `kubectl rollout undo --to-revision` does: copy the RS template, minus the
    pod-template-hash label, into the Deployment."""
    rs = _by_revision(cluster, name)[revision]
    template = clone(rs["spec"]["template"])
    del template["metadata"]["labels"]["pod-template-hash"]
    d = clone(get_deployment(cluster, name))
    d["spec"]["template"] = template
    cluster.update(cluster.type_for("deployments"), d)


def test_rollback_reuses_the_old_replicaset_with_a_new_revision() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "undo", replicas=2)
    cluster.step(3)
    v1 = _by_revision(cluster, "undo")["1"]["metadata"]["name"]
    set_image(cluster, "undo", "nginx:1.26")
    cluster.step(10)
    v2 = _by_revision(cluster, "undo")["2"]["metadata"]["name"]
    _undo_to(cluster, "undo", "1")
    cluster.step(10)
    revs = _by_revision(cluster, "undo")
    assert set(revs) == {"2", "3"}
    assert revs["3"]["metadata"]["name"] == v1
    assert revs["3"]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert revs["3"]["spec"]["replicas"] == 2 and revs["2"]["spec"]["replicas"] == 0
    assert revs["2"]["metadata"]["name"] == v2
    d = get_deployment(cluster, "undo")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert condition(d, "Progressing")["message"] == f'ReplicaSet "{v1}" has successfully progressed.'


def test_revision_history_limit_deletes_the_oldest_idle_replicasets() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "hist", replicas=1, revisionHistoryLimit=2)
    cluster.step(3)
    for tag in ("1.26", "1.27", "1.28", "1.29"):
        set_image(cluster, "hist", f"nginx:{tag}")
        cluster.step(10)
    assert sorted(_by_revision(cluster, "hist"), key=int) == ["3", "4", "5"]
    assert [rs["spec"]["replicas"] for rs in sorted(
        replicasets(cluster, "hist"), key=lambda rs: int(
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))] == [0, 0, 1]


def test_paused_deployment_does_not_roll_out_until_resumed() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "pause", replicas=2)
    cluster.step(3)
    d = clone(get_deployment(cluster, "pause"))
    d["spec"]["paused"] = True
    cluster.update(cluster.type_for("deployments"), d)
    cluster.step(0)
    set_image(cluster, "pause", "nginx:1.26")
    cluster.step(5)
    assert len(replicasets(cluster, "pause")) == 1
    prog = condition(get_deployment(cluster, "pause"), "Progressing")
    assert (prog["status"], prog["reason"], prog["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")
    d = clone(get_deployment(cluster, "pause"))
    d["spec"]["paused"] = False
    cluster.update(cluster.type_for("deployments"), d)
    cluster.step(0)
    assert len(replicasets(cluster, "pause")) == 2
    cluster.step(10)
    d = get_deployment(cluster, "pause")
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    events = [r for _, r, _ in reasons(cluster, "pause")]
    assert "ScalingReplicaSet" in events


def test_scaling_updates_the_replicaset_and_its_annotations() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "scale", replicas=2)
    cluster.step(3)
    d = clone(get_deployment(cluster, "scale"))
    d["spec"]["replicas"] = 5
    cluster.update(cluster.type_for("deployments"), d)
    cluster.step(3)
    (rs,) = replicasets(cluster, "scale")
    assert rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "7"
    assert len(pods(cluster, "scale")) == 5
    assert get_deployment(cluster, "scale")["status"]["availableReplicas"] == 5
    name = rs["metadata"]["name"]
    assert ("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} to 5 from 2") in \
        reasons(cluster, "scale")


def test_replicaset_replaces_deleted_pods_and_deletes_extra_ones() -> None:
    cluster = make_cluster()
    rs_rt = cluster.type_for("replicasets")
    cluster.create(rs_rt, {"metadata": {"name": "bare"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "bare"}},
        "template": {"metadata": {"labels": {"app": "bare"}},
                     "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}})
    cluster.step(3)
    victim = pods(cluster, "bare")[0]["metadata"]["name"]
    cluster.delete(cluster.type_for("pods"), "default", victim, grace_seconds=0)
    cluster.step(0)
    names = {p["metadata"]["name"] for p in pods(cluster, "bare")}
    assert len(names) == 2 and victim not in names
    scaled = clone(cluster.get(rs_rt, "default", "bare"))
    scaled["spec"]["replicas"] = 1
    cluster.update(rs_rt, scaled)
    cluster.step(0)
    deleted = [m for _, r, m in reasons(cluster, "bare") if r == "SuccessfulDelete"]
    assert len(deleted) == 1
    cluster.step(2)
    assert len(pods(cluster, "bare")) == 1
    assert cluster.get(rs_rt, "default", "bare")["status"]["replicas"] == 1


def test_replicaset_adopts_a_matching_orphan_pod() -> None:
    cluster = make_cluster()
    cluster.create(cluster.type_for("pods"), {
        "metadata": {"name": "stray", "labels": {"app": "adopt"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})
    rs_rt = cluster.type_for("replicasets")
    cluster.create(rs_rt, {"metadata": {"name": "adopt"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "adopt"}},
        "template": {"metadata": {"labels": {"app": "adopt"}},
                     "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}})
    cluster.step(0)
    live = pods(cluster, "adopt")
    assert len(live) == 2
    stray = next(p for p in live if p["metadata"]["name"] == "stray")
    assert stray["metadata"]["ownerReferences"][0]["name"] == "adopt"


def test_min_ready_seconds_delays_availability() -> None:
    cluster = make_cluster()
    create_deployment(cluster, "slow", replicas=1, minReadySeconds=5)
    cluster.step(3)
    d = get_deployment(cluster, "slow")
    assert d["status"].get("readyReplicas") == 1 and "availableReplicas" not in d["status"]
    cluster.step(5)
    d = get_deployment(cluster, "slow")
    assert d["status"]["availableReplicas"] == 1
    assert condition(d, "Available")["status"] == "True"


def test_template_hash_is_stable_and_changes_with_the_template() -> None:
    a = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"image": "a"}]}}
    b = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"image": "b"}]}}
    assert template_hash(a, None) == template_hash(clone(a), None)
    assert template_hash(a, None) != template_hash(b, None)
    assert template_hash(a, None) != template_hash(a, 1)
