"""The deploy lock (a coordination.k8s.io/v1 Lease) over HTTP against the simulated cluster."""

from __future__ import annotations

import threading

import pytest
from pipe_deploy_support import (
    Recorder,
    fresh_namespace,
    get,
    make_spec,
    start_sim,
    target_of,
    wait_for,
)

from kubedeck.kube.actions.ref import send
from kubedeck.kube.errors import KubedeckError
from pipelines.apply import ensure_namespace
from pipelines.events import CancelToken
from pipelines.lock import DeployLock, LockHeld, deploy_lock, holding


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    world = start_sim(tmp_path_factory.mktemp("lock"))
    yield world
    world.stop()


def namespace(sim) -> str:
    ns = fresh_namespace("lock")
    ensure_namespace(sim.conn, ns, Recorder(), "deploy")
    return ns


def lease(sim, ns, app="web") -> dict:
    return get(sim.conn, f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/kubedeck-{app}")


def in_thread(fn):
    """Run fn in another thread (another run), return what it returned or raised."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = fn()
        except Exception as exc:  # handed back to the test
            out["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join(30)
    if "error" in out:
        raise out["error"]
    return out.get("value")


def test_acquire_writes_the_holder_and_release_clears_it(sim):
    ns = namespace(sim)
    with DeployLock(sim.conn, ns, "web", holder="me@here") as lock:
        live = lease(sim, ns)
        assert live["spec"]["holderIdentity"] == "me@here"
        assert live["spec"]["leaseDurationSeconds"] == 30
        assert live["spec"]["acquireTime"].endswith("Z")
        assert live["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "kubedeck"}
        assert lock.held
    assert "holderIdentity" not in lease(sim, ns)["spec"]


def test_a_second_run_is_refused_naming_the_holder_and_since_when(sim):
    ns = namespace(sim)
    with DeployLock(sim.conn, ns, "web", holder="alice@laptop pid 7"):
        since = lease(sim, ns)["spec"]["acquireTime"]
        with pytest.raises(LockHeld) as info:
            DeployLock(sim.conn, ns, "web", holder="bob@ci").acquire()
    message = info.value.message
    assert message.startswith(f'app "web" is already being deployed by alice@laptop pid 7 '
                              f"since {since} (lease \"kubedeck-web\" in namespace \"{ns}\"")
    assert "wait for that run to finish" in message and info.value.exit_code == 1
    DeployLock(sim.conn, ns, "web", holder="bob@ci").acquire().release()  # free again


def test_an_expired_lock_is_taken_over(sim):
    ns = namespace(sim)
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "kubedeck-web", "namespace": ns},
            "spec": {"holderIdentity": "dead@box", "leaseDurationSeconds": 30,
                     "acquireTime": "2020-01-01T00:00:00.000000Z",
                     "renewTime": "2020-01-01T00:00:10.000000Z", "leaseTransitions": 4}}
    send(sim.conn, "POST", f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", body)
    with DeployLock(sim.conn, ns, "web", holder="new@box"):
        spec = lease(sim, ns)["spec"]
        assert spec["holderIdentity"] == "new@box" and spec["leaseTransitions"] == 5


def test_the_holder_renews_while_it_runs(sim):
    ns = namespace(sim)
    with DeployLock(sim.conn, ns, "web", holder="me", lease_seconds=1):
        first = lease(sim, ns)["spec"]["renewTime"]
        wait_for(lambda: lease(sim, ns)["spec"]["renewTime"] != first, 10, "a renewal")


def test_a_stolen_lock_is_noticed(sim):
    ns = namespace(sim)
    lock = DeployLock(sim.conn, ns, "web", holder="me", lease_seconds=1).acquire()
    try:
        live = lease(sim, ns)
        live["spec"]["holderIdentity"] = "thief"
        send(sim.conn, "PUT", f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/"
             "kubedeck-web", live)
        wait_for(lambda: lock.lost, 10, "the loss to be noticed")
        with pytest.raises(KubedeckError, match="lost the deploy lock"):
            lock.check()
    finally:
        lock.release()
    assert lease(sim, ns)["spec"]["holderIdentity"] == "thief"  # not cleared by the loser


def test_holding_is_reentrant_in_one_thread_only(sim):
    ns = namespace(sim)
    with holding(sim.conn, ns, "web") as outer:
        assert outer is not None
        with holding(sim.conn, ns, "web") as inner:
            assert inner is outer
        with pytest.raises(LockHeld):
            in_thread(lambda: DeployLock(sim.conn, ns, "web").acquire())
    assert "holderIdentity" not in lease(sim, ns)["spec"]


def test_dry_run_takes_no_lock(sim):
    ns = namespace(sim)
    with holding(sim.conn, ns, "web", dry_run=True) as lock:
        assert lock is None
    with pytest.raises(KubedeckError):
        lease(sim, ns)


def test_the_runners_lock_creates_the_namespace_and_covers_the_deploy(sim):
    ns = fresh_namespace("lock")
    spec = make_spec()
    rec = Recorder()
    with deploy_lock(sim.conn, spec, target_of(spec, ns), rec, CancelToken()) as lock:
        assert f"namespace/{ns} serverside-applied (created)" in rec.logs("deploy")
        assert any(line.startswith('deploy lock taken (lease "kubedeck-web"')
                   for line in rec.logs("deploy"))
        with holding(sim.conn, ns, "web") as again:  # what the strategy asks for
            assert again is lock
    assert "holderIdentity" not in lease(sim, ns)["spec"]
