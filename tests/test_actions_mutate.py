"""delete / kill / scale / restart / cordon / drain against the live demo cluster, checked
through kubectl where the effect is visible there."""

from __future__ import annotations

import json
import time

import pytest

from kubedeck.fake.serve import serve, write_kubeconfig
from kubedeck.kube.actions import ObjectRef, cordon, delete, drain, kill, restart, scale
from kubedeck.kube.actions.mutate import RESTARTED_AT
from kubedeck.kube.actions.ref import send
from kubedeck.kube.connect import connect
from kubedeck.kube.errors import KubedeckError

pytestmark = pytest.mark.integration


def ref(live, kind: str, name: str, namespace: str | None) -> ObjectRef:
    return ObjectRef(live.discovery.resolve(kind), name, namespace)


def get(live, path: str, **query) -> dict:
    return json.loads(live.conn.get(path, query or None))


def wait_for(check, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def kubectl(live, *args: str) -> str:
    if live.kubectl is None:
        pytest.skip("kubectl is not installed")
    done = live.kubectl(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_scale_patches_the_scale_subresource(live_demo):
    scale(live_demo.conn, ref(live_demo, "deploy", "frontend", "guestbook"), 5)
    out = kubectl(live_demo, "get", "deploy", "frontend", "-n", "guestbook",
                  "-o", "jsonpath={.spec.replicas}")
    assert out == "5"
    scale(live_demo.conn, ref(live_demo, "sts", "prometheus", "monitoring"), 1)
    assert kubectl(live_demo, "get", "sts", "prometheus", "-n", "monitoring",
                   "-o", "jsonpath={.spec.replicas}") == "1"


def test_scale_refuses_negative_and_missing(live_demo):
    with pytest.raises(KubedeckError, match="replicas must be 0 or more"):
        scale(live_demo.conn, ref(live_demo, "deploy", "frontend", "guestbook"), -1)
    with pytest.raises(KubedeckError) as err:
        scale(live_demo.conn, ref(live_demo, "deploy", "nope", "guestbook"), 1)
    assert str(err.value) == 'Deployment "nope" not found in namespace "guestbook" (it was deleted)'


def test_restart_stamps_the_template_and_rolls(live_demo):
    target = ref(live_demo, "deploy", "redis-follower", "guestbook")
    before = get(live_demo, target.path())["metadata"]["generation"]
    restart(live_demo.conn, target, clock=lambda: 1_800_000_000.0)
    stamp = kubectl(live_demo, "get", "deploy", "redis-follower", "-n", "guestbook", "-o",
                    "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/"
                    "restartedAt}")
    assert stamp == "2027-01-15T08:00:00Z"
    after = get(live_demo, target.path())
    assert after["metadata"]["generation"] == before + 1
    assert RESTARTED_AT in after["spec"]["template"]["metadata"]["annotations"]


def test_restart_refuses_other_kinds(live_demo):
    with pytest.raises(KubedeckError, match="only deployments, statefulsets and daemonsets"):
        restart(live_demo.conn, ref(live_demo, "cronjob", "metrics-rollup", "batch"))


def test_delete_and_kill_pods(live_demo):
    pods = get(live_demo, "/api/v1/namespaces/guestbook/pods",
               labelSelector="app=guestbook,tier=frontend")["items"]
    first, second = (p["metadata"]["name"] for p in pods[:2])
    kill(live_demo.conn, ref(live_demo, "po", first, "guestbook"))
    # grace 0: gone at once, not terminating
    out = live_demo.kubectl("get", "pod", first, "-n", "guestbook") if live_demo.kubectl else None
    if out is not None:
        assert out.returncode == 1 and "NotFound" in out.stderr
    delete(live_demo.conn, ref(live_demo, "po", second, "guestbook"))
    wait_for(lambda: second not in {p["metadata"]["name"] for p in get(
        live_demo, "/api/v1/namespaces/guestbook/pods")["items"]}, "the deleted pod to go")
    with pytest.raises(KubedeckError) as err:
        delete(live_demo.conn, ref(live_demo, "po", second, "guestbook"))
    assert "(it was deleted)" in str(err.value)


def test_kill_is_for_pods_only(live_demo):
    with pytest.raises(KubedeckError, match="only pods can be killed"):
        kill(live_demo.conn, ref(live_demo, "deploy", "frontend", "guestbook"))


def test_delete_deployment_propagates_in_background(live_demo):
    target = ref(live_demo, "deploy", "legacy-api", "default")
    delete(live_demo.conn, target)
    wait_for(lambda: not get(live_demo, "/apis/apps/v1/namespaces/default/replicasets",
                             labelSelector="app=legacy-api")["items"],
             "the ReplicaSets to be garbage collected")


def test_cordon_and_uncordon(live_demo):
    assert cordon(live_demo.conn, "kubedeck-m03") is True
    assert cordon(live_demo.conn, "kubedeck-m03") is False
    line = next(ln for ln in kubectl(live_demo, "get", "nodes").splitlines()
                if ln.startswith("kubedeck-m03 "))
    assert "SchedulingDisabled" in line
    assert cordon(live_demo.conn, "kubedeck-m03", unschedulable=False) is True
    line = next(ln for ln in kubectl(live_demo, "get", "nodes").splitlines()
                if ln.startswith("kubedeck-m03 "))
    assert "SchedulingDisabled" not in line
    node = get(live_demo, "/api/v1/nodes/kubedeck-m03")
    assert "unschedulable" not in node["spec"]


def test_cordon_missing_node(live_demo):
    with pytest.raises(KubedeckError, match='node "ghost" not found'):
        cordon(live_demo.conn, "ghost")


def pods_on(live, node: str) -> list[dict]:
    return get(live, "/api/v1/pods", fieldSelector=f"spec.nodeName={node}")["items"]


def test_drain_evicts_all_but_daemonset_pods(live_demo):
    node = "kubedeck-m02"
    before = pods_on(live_demo, node)
    evictable = [p for p in before if not any(o.get("kind") == "DaemonSet" for o in
                                               p["metadata"].get("ownerReferences", []))]
    assert evictable, "the demo should run workload pods on the node"
    lines: list[str] = []
    drain(live_demo.conn, node, progress=lines.append, timeout=30)
    assert lines[0] == f"node/{node} cordoned"
    assert lines[1].startswith("Warning: ignoring DaemonSet-managed Pods: ")
    for pod in evictable:
        meta = pod["metadata"]
        assert f"evicting pod {meta['namespace']}/{meta['name']}" in lines
        assert f"pod/{meta['name']} evicted" in lines
    assert lines[-1] == f"node/{node} drained"
    left = pods_on(live_demo, node)
    assert left and all(o["kind"] == "DaemonSet" for p in left
                        for o in p["metadata"]["ownerReferences"])
    assert "SchedulingDisabled" in kubectl(live_demo, "get", "node", node)
    cordon(live_demo.conn, node, unschedulable=False)


def test_drain_refuses_unmanaged_pods_without_force(live_demo):
    node = "kubedeck"
    body = {"metadata": {"name": "bare", "namespace": "default"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}}
    scratch = {"metadata": {"name": "scratch", "namespace": "default"},
               "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}],
                        "volumes": [{"name": "tmp", "emptyDir": {}}]}}
    send(live_demo.conn, "POST", "/api/v1/namespaces/default/pods", scratch)
    with pytest.raises(KubedeckError) as err:  # local storage is checked before the owner
        drain(live_demo.conn, node, force=True)
    assert str(err.value) == (
        f'error: unable to drain node "{node}" due to error: cannot delete Pods with local '
        "storage (use --delete-emptydir-data to override): default/scratch - the node stays "
        "cordoned")
    send(live_demo.conn, "POST", "/api/v1/namespaces/default/pods", body)
    with pytest.raises(KubedeckError) as err:
        drain(live_demo.conn, node, ignore_daemonsets=False, delete_emptydir_data=True)
    text = str(err.value)
    assert text.startswith(f'error: unable to drain node "{node}" due to error: [cannot delete '
                           "Pods declare no controller (use --force to override): default/bare, "
                           "default/scratch, "
                           "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to "
                           "ignore): kube-system/kube-proxy-")
    assert text.endswith("] - the node stays cordoned")
    assert any(p["metadata"]["name"] == "bare" for p in pods_on(live_demo, node))
    lines: list[str] = []
    drain(live_demo.conn, node, force=True, delete_emptydir_data=True, timeout=30,
          progress=lines.append)
    assert lines[0] == f"node/{node} already cordoned"
    # as in kubectl, a later filter's warning replaces an earlier one for the same pod
    assert "deleting Pods that declare no controller: default/bare, default/scratch" \
        in lines[1] and "local storage" not in lines[1]
    assert not {"bare", "scratch"} & {p["metadata"]["name"] for p in pods_on(live_demo, node)}
    cordon(live_demo.conn, node, unschedulable=False)


@pytest.fixture(scope="module")
def denied(live_demo, tmp_path_factory):
    """The same cluster through a second server that refuses deleting pods and patching
    deployments' scale."""
    running = serve(live_demo.cluster,
                    deny=[("delete", "pods"), ("patch", "deployments/scale")])
    path = write_kubeconfig(tmp_path_factory.mktemp("denied") / "kubeconfig", running)
    conn = connect(str(path))
    yield conn
    conn.close()
    running.stop()


def test_forbidden_names_the_verb_and_resource(live_demo, denied):
    pod = get(live_demo, "/api/v1/namespaces/web/pods")["items"][0]["metadata"]["name"]
    with pytest.raises(KubedeckError) as err:
        delete(denied, ref(live_demo, "po", pod, "web"))
    assert str(err.value) == (
        f'Error from server (Forbidden): pods "{pod}" is forbidden: User "kubedeck-user" '
        'cannot delete resource "pods" in API group "" in the namespace "web"')
    with pytest.raises(KubedeckError, match='cannot patch resource "deployments/scale" in '
                                            'API group "apps" in the namespace "web"'):
        scale(denied, ref(live_demo, "deploy", "storefront", "web"), 2)


def test_drain_retries_evictions_the_server_refuses_with_429(live_demo):
    from kubedeck.fake.faults import Fault

    node = "kubedeck-m03"
    fault = live_demo.cluster.faults.add(Fault("status", path="/eviction", methods=("POST",),
                                               code=429, times=2))
    lines: list[str] = []
    drain(live_demo.conn, node, progress=lines.append, timeout=30, retry_seconds=0.05)
    retries = [ln for ln in lines if ln.startswith("error when evicting pods/")]
    assert len(retries) == 2 and fault.hits == 2
    assert "(will retry after 0.05s): " in retries[0]
    assert lines[-1] == f"node/{node} drained"
    cordon(live_demo.conn, node, unschedulable=False)


def test_drain_gives_up_at_the_timeout(live_demo):
    from kubedeck.fake.faults import Fault

    node = "kubedeck-m03"
    live_demo.cluster.faults.add(Fault("status", path="/eviction", methods=("POST",),
                                       code=429, times=1000))
    pinned = {"metadata": {"name": "pinned", "namespace": "default"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "pinned"}},
                       "template": {"metadata": {"labels": {"app": "pinned"}}, "spec": {
                           "nodeSelector": {"kubernetes.io/hostname": node},
                           "containers": [{"name": "c", "image": "busybox"}]}}}}
    send(live_demo.conn, "POST", "/apis/apps/v1/namespaces/default/deployments", pinned)
    try:
        wait_for(lambda: any(p["metadata"]["name"].startswith("pinned-")
                             for p in pods_on(live_demo, node)), "the pinned pod")
        with pytest.raises(KubedeckError, match="global timeout reached"):
            drain(live_demo.conn, node, timeout=0.3, retry_seconds=0.05)
    finally:
        live_demo.cluster.faults.clear()
        cordon(live_demo.conn, node, unschedulable=False)
