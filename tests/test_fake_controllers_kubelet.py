"""Scheduler and kubelet simulation: pod lifecycle, failure injection by image, init
containers, graceful deletion, unschedulable pods."""

from __future__ import annotations

from fake_controllers_support import (
    condition,
    container_status,
    create_pod,
    events,
    is_ready,
    make_cluster,
    pod,
    reasons,
)

from kubedeck.fake.controllers.kubelet import go_duration, image_id, normalize_image
from kubedeck.fake.nodes import add_nodes
from kubedeck.fake.store import StoreError, rfc3339

T0 = 1_790_000_000.0


def test_pod_goes_pending_running_ready_with_real_status_fields() -> None:
    cluster = make_cluster()
    create_pod(cluster, "web", image="nginx:1.25")
    cluster.step(0)
    p = pod(cluster, "web")
    assert p["spec"]["nodeName"]
    assert p["status"]["phase"] == "Pending"
    assert container_status(p)["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert container_status(p)["image"] == "nginx:1.25" and container_status(p)["imageID"] == ""
    assert "podIP" not in p["status"]
    assert [c["type"] for c in p["status"]["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    ready = condition(p, "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [app]")
    cluster.step(1.0)
    p = pod(cluster, "web")
    assert p["status"]["phase"] == "Running"
    cs = container_status(p)
    assert cs["state"] == {"running": {"startedAt": rfc3339(T0 + 1)}}
    assert (cs["started"], cs["ready"], cs["restartCount"]) == (True, False, 0)
    assert cs["image"] == "docker.io/library/nginx:1.25"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert cs["containerID"].startswith("containerd://")
    assert p["status"]["podIP"].startswith("10.244.")
    assert p["status"]["podIPs"] == [{"ip": p["status"]["podIP"]}]
    assert p["status"]["hostIP"].startswith("192.168.49.")
    assert p["status"]["startTime"] == rfc3339(T0)
    assert not is_ready(p)
    cluster.step(1.0)
    p = pod(cluster, "web")
    assert is_ready(p) and container_status(p)["ready"]
    assert condition(p, "Ready")["lastTransitionTime"] == rfc3339(T0 + 2)
    assert condition(p, "PodScheduled")["lastTransitionTime"] == rfc3339(T0)
    node = p["spec"]["nodeName"]
    assert reasons(cluster, "web") == [
        ("Normal", "Scheduled", f"Successfully assigned default/web to {node}"),
        ("Normal", "Pulling", 'Pulling image "nginx:1.25"'),
        ("Normal", "Pulled", 'Successfully pulled image "nginx:1.25" in 500ms (500ms including '
                             f'waiting). Image size: {_size(cluster, "web")} bytes.'),
        ("Normal", "Created", "Created container app"),
        ("Normal", "Started", "Started container app"),
    ]
    kubelet_event = events(cluster, "web")[1]
    assert kubelet_event["source"] == {"component": "kubelet", "host": node}
    assert kubelet_event["involvedObject"]["fieldPath"] == "spec.containers{app}"
    scheduled = events(cluster, "web")[0]
    assert scheduled["reportingComponent"] == "default-scheduler"
    assert scheduled["action"] == "Binding" and scheduled["lastTimestamp"] is None


def _size(cluster, name: str) -> str:
    msg = next(m for _, r, m in reasons(cluster, name) if r == "Pulled")
    return msg.rsplit("Image size: ", 1)[1].split(" ")[0]


def test_pods_spread_over_nodes_and_second_pull_is_already_present() -> None:
    cluster = make_cluster(nodes=2)
    for i in range(4):
        create_pod(cluster, f"p{i}", image="redis:7")
        cluster.step(3 if i == 1 else 0)
    cluster.step(3)
    nodes = [pod(cluster, f"p{i}")["spec"]["nodeName"] for i in range(4)]
    assert sorted(nodes).count(nodes[0]) == 2
    later = [m for i in range(2, 4) for _, r, m in reasons(cluster, f"p{i}") if r == "Pulled"]
    assert later == ['Container image "redis:7" already present on machine'] * 2


def test_fail_pull_alternates_err_image_pull_and_back_off() -> None:
    cluster = make_cluster()
    image = "registry.example.com/team/app:fail-pull"
    ref = "registry.example.com/team/app:fail-pull"
    err = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
           f'failed to resolve reference "{ref}": {ref}: not found')
    create_pod(cluster, "pull", image=image)
    cluster.step(1.0)
    cs = container_status(pod(cluster, "pull"))
    assert cs["state"] == {"waiting": {"reason": "ErrImagePull", "message": err}}
    cluster.step(1.0)
    p = pod(cluster, "pull")
    assert p["status"]["phase"] == "Pending"
    assert container_status(p)["state"]["waiting"] == {
        "reason": "ImagePullBackOff",
        "message": f'Back-off pulling image "{image}": ErrImagePull: failed to pull and unpack '
                   f'image "{ref}": failed to resolve reference "{ref}": {ref}: not found'}
    assert reasons(cluster, "pull")[1:] == [
        ("Normal", "Pulling", f'Pulling image "{image}"'),
        ("Warning", "Failed", f'Failed to pull image "{image}": {err}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
        ("Normal", "BackOff", f'Back-off pulling image "{image}"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]
    cluster.step(60)
    counts = {e["reason"] + e["message"][:12]: e["count"] for e in events(cluster, "pull")
              if e["reason"] == "Pulling"}
    assert list(counts.values())[0] >= 3


def test_crashloop_restarts_with_growing_back_off_and_keeps_previous_logs() -> None:
    cluster = make_cluster()
    create_pod(cluster, "crash", image="example/app:crashloop")
    cluster.step(1.0)
    assert container_status(pod(cluster, "crash"))["state"]["running"]
    cluster.step(3.0)
    cs = container_status(pod(cluster, "crash"))
    assert cs["state"]["terminated"]["reason"] == "Error"
    assert cs["state"]["terminated"]["exitCode"] == 1
    cluster.step(1.0)
    cs = container_status(pod(cluster, "crash"))
    assert cs["restartCount"] == 1 and "running" in cs["state"]
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    cluster.step(3.0)
    p = pod(cluster, "crash")
    cs = container_status(p)
    uid = p["metadata"]["uid"]
    assert p["status"]["phase"] == "Running" and not is_ready(p)
    assert cs["state"] == {"waiting": {
        "reason": "CrashLoopBackOff",
        "message": f"back-off 10s restarting failed container=app pod=crash_default({uid})"}}
    last = cs["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("Error", 1)
    assert last["finishedAt"] == rfc3339(T0 + 8)
    restarts = []
    for _ in range(120):
        cluster.step(5)
        restarts.append(container_status(pod(cluster, "crash"))["restartCount"])
    assert restarts == sorted(restarts) and restarts[-1] >= 5
    waiting = container_status(pod(cluster, "crash"))["state"].get("waiting")
    backoffs = {e["message"] for e in events(cluster, "crash") if e["reason"] == "BackOff"}
    assert backoffs == {f"Back-off restarting failed container app in pod crash_default({uid})"}
    assert waiting is None or waiting["message"].startswith(("back-off 2m40s", "back-off 5m0s"))
    current = cluster.logs("default", "crash")
    previous = cluster.logs("default", "crash", previous=True)
    assert current[0] == "Starting application (pid 1)"
    assert previous[-1] == "Application exited with error (exit code 1)"
    stamped_now = cluster.logs("default", "crash", timestamps=True)[0].split(" ")[0]
    stamped_before = cluster.logs("default", "crash", previous=True,
                                  timestamps=True)[0].split(" ")[0]
    assert stamped_before < stamped_now


def test_never_ready_runs_but_never_becomes_ready() -> None:
    cluster = make_cluster()
    create_pod(cluster, "nr", image="example/app:never-ready")
    cluster.step(45)
    p = pod(cluster, "nr")
    assert p["status"]["phase"] == "Running"
    assert not is_ready(p) and container_status(p)["started"]
    (unhealthy,) = [e for e in events(cluster, "nr") if e["reason"] == "Unhealthy"]
    assert unhealthy["type"] == "Warning"
    assert unhealthy["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    assert unhealthy["count"] == 4


def test_unschedulable_without_nodes_then_scheduled_when_a_node_appears() -> None:
    cluster = make_cluster(nodes=0)
    create_pod(cluster, "lonely")
    cluster.step(1)
    p = pod(cluster, "lonely")
    assert "nodeName" not in p["spec"]
    scheduled = condition(p, "PodScheduled")
    assert (scheduled["status"], scheduled["reason"], scheduled["message"]) == (
        "False", "Unschedulable", "no nodes available to schedule pods")
    (failed,) = events(cluster, "lonely")
    assert (failed["type"], failed["reason"]) == ("Warning", "FailedScheduling")
    add_nodes(cluster, 1)
    cluster.step(3)
    p = pod(cluster, "lonely")
    assert p["spec"]["nodeName"] == "kubedeck" and is_ready(p)


def test_node_selector_mismatch_message() -> None:
    cluster = make_cluster(nodes=2)
    create_pod(cluster, "picky", nodeSelector={"disk": "ssd"})
    cluster.step(1)
    msg = condition(pod(cluster, "picky"), "PodScheduled")["message"]
    assert msg == ("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
                   " preemption: 0/2 nodes are available: 2 Preemption is not helpful for "
                   "scheduling.")


def test_init_containers_run_first() -> None:
    cluster = make_cluster()
    cluster.create(cluster.type_for("pods"), {"metadata": {"name": "init"}, "spec": {
        "initContainers": [{"name": "setup", "image": "busybox:1.36",
                            "command": ["sh", "-c", "sleep 4"]}],
        "containers": [{"name": "app", "image": "nginx:1.25"}]}})
    cluster.step(2)
    p = pod(cluster, "init")
    assert p["status"]["phase"] == "Pending"
    init = condition(p, "Initialized")
    assert (init["status"], init["message"]) == ("False", "containers with incomplete status: [setup]")
    assert container_status(p)["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert "running" in p["status"]["initContainerStatuses"][0]["state"]
    cluster.step(6)
    p = pod(cluster, "init")
    done = p["status"]["initContainerStatuses"][0]
    assert done["state"]["terminated"]["reason"] == "Completed"
    assert done["ready"] is True and done["started"] is False
    assert p["status"]["phase"] == "Running" and is_ready(p)


def test_job_like_pods_succeed_or_fail() -> None:
    cluster = make_cluster()
    create_pod(cluster, "ok", image="busybox:1.36", restartPolicy="Never")
    create_pod(cluster, "bad", image="example/app:crashloop", restartPolicy="Never")
    cluster.step(10)
    ok, bad = pod(cluster, "ok"), pod(cluster, "bad")
    assert ok["status"]["phase"] == "Succeeded"
    assert condition(ok, "Ready")["reason"] == "PodCompleted"
    assert container_status(ok)["state"]["terminated"]["reason"] == "Completed"
    assert bad["status"]["phase"] == "Failed"
    assert container_status(bad)["state"]["terminated"]["exitCode"] == 1
    assert container_status(bad)["restartCount"] == 0


def test_graceful_deletion_then_removal_and_force_delete() -> None:
    cluster = make_cluster()
    pods_rt = cluster.type_for("pods")
    create_pod(cluster, "slow")
    create_pod(cluster, "fast")
    cluster.step(3)
    deleting = cluster.delete(pods_rt, "default", "slow")
    assert deleting["metadata"]["deletionGracePeriodSeconds"] == 30
    assert deleting["metadata"]["deletionTimestamp"] == rfc3339(T0 + 3 + 30)
    cluster.step(0.5)
    assert "deletionTimestamp" in pod(cluster, "slow")["metadata"]
    cluster.step(0.6)
    try:
        pod(cluster, "slow")
        raise AssertionError("pod still there")
    except StoreError as exc:
        assert exc.code == 404
    assert ("Normal", "Killing", "Stopping container app") in reasons(cluster, "slow")
    cluster.delete(pods_rt, "default", "fast", grace_seconds=0)
    assert cluster.store.get(pods_rt, "default", "fast") is None


def test_unscheduled_pods_are_deleted_at_once() -> None:
    cluster = make_cluster(nodes=0)
    create_pod(cluster, "nowhere")
    cluster.step(0)
    cluster.delete(cluster.type_for("pods"), "default", "nowhere")
    assert cluster.store.get(cluster.type_for("pods"), "default", "nowhere") is None


def test_image_reference_helpers() -> None:
    assert normalize_image("nginx") == "docker.io/library/nginx:latest"
    assert normalize_image("bitnami/redis:7") == "docker.io/bitnami/redis:7"
    assert normalize_image("gcr.io/p/app:1") == "gcr.io/p/app:1"
    assert normalize_image("localhost:5000/app") == "localhost:5000/app:latest"
    assert image_id("nginx:1.25").startswith("docker.io/library/nginx@sha256:")
    assert [go_duration(s) for s in (0.5, 10, 80, 300, 1.25)] == [
        "500ms", "10s", "1m20s", "5m0s", "1.25s"]
