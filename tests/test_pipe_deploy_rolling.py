"""The rolling strategy against the simulated cluster over HTTP: apply, rollout watch, early
failure from the pods, rollback to the previous revision, cancel, dry run. Every failure test
checks the message AND that the live Service still selects ready pods."""

from __future__ import annotations

import copy
import threading

import pytest
from pipe_deploy_support import (
    Recorder,
    assert_service_healthy,
    fresh_namespace,
    get,
    make_spec,
    start_sim,
    target_of,
    wait_for,
    web_docs,
)

from kubedeck.kube.errors import KubedeckError
from pipelines.events import Cancelled, CancelToken, LogLine, StageStarted
from pipelines.staged import StageError
from pipelines.strategies import deploy

V1, V2 = "nginx:1.25", "nginx:1.27"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    world = start_sim(tmp_path_factory.mktemp("rolling"))
    yield world
    world.stop()


def run(sim, namespace, docs, **kw):
    spec = make_spec(**kw)
    rec = Recorder()
    outcome = deploy(sim.conn, sim.discovery, spec, target_of(spec, namespace), docs, rec,
                     CancelToken())
    return outcome, rec


def fail(sim, namespace, docs, **kw) -> tuple[StageError, Recorder]:
    spec = make_spec(**kw)
    rec = Recorder()
    with pytest.raises(StageError) as info:
        deploy(sim.conn, sim.discovery, spec, target_of(spec, namespace), docs, rec,
               CancelToken())
    assert info.value.exit_code == 1
    return info.value, rec


def deployed(sim, image=V1, **kw) -> str:
    """A namespace where `web` runs `image` healthily behind its Service."""
    ns = fresh_namespace("roll")
    run(sim, ns, web_docs(image), **kw)
    assert_service_healthy(sim.conn, ns, "web", image)
    return ns


def test_first_deploy_then_update_roll_out(sim):
    ns = fresh_namespace("roll")
    outcome, rec = run(sim, ns, web_docs(V1))
    assert outcome.strategy == "rolling" and outcome.deployments == ("web",)
    assert "deployment.apps/web" in outcome.applied and "service/web" in outcome.applied
    assert f"namespace/{ns} serverside-applied (created)" in rec.logs("deploy")
    assert 'deployment "web" successfully rolled out' in rec.logs("rollout")
    assert rec.stages() == [("StageStarted", "deploy"), ("StageFinished", "deploy"),
                            ("StageStarted", "rollout"), ("StageFinished", "rollout")]
    assert_service_healthy(sim.conn, ns, "web", V1)

    _, rec = run(sim, ns, web_docs(V2))
    assert any(line.startswith('Waiting for deployment "web" rollout to finish')
               for line in rec.logs("rollout"))
    assert rec.logs("rollout")[-1] == 'deployment "web" successfully rolled out'
    dep = get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == V2
    managers = {m["manager"] for m in dep["metadata"]["managedFields"]}
    assert "kubedeck" in managers
    assert_service_healthy(sim.conn, ns, "web", V2)


def test_crash_loop_fails_early_with_logs_and_rolls_back(sim):
    ns = deployed(sim)
    err, rec = fail(sim, ns, web_docs("example/app:crashloop"))
    assert 'deployment "web" rollout failed: pod "web-' in err.reason
    assert 'container "web"' in err.reason and "exit" in err.reason
    assert err.logs and all(line.startswith("web-") for line in err.logs)
    assert any("exited with error" in line or "Error" in line for line in err.logs)
    assert "rolled back (web to revision 1)" in err.hint
    assert any("rolled back to revision 1" in line for line in rec.logs("rollout"))
    failed = rec.failed()
    assert [f.stage for f in failed] == ["rollout"] and failed[0].logs == err.logs
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_image_pull_failure_fails_early_without_waiting_for_the_timeout(sim):
    ns = deployed(sim)
    err, _ = fail(sim, ns, web_docs("registry.invalid/app:fail-pull"), timeout=120)
    assert "ErrImagePull" in err.reason or "ImagePullBackOff" in err.reason
    assert "did not finish" not in err.reason
    assert "check the image name" in err.hint
    assert err.logs == ()
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_unschedulable_pod_fails_the_rollout(sim):
    ns = deployed(sim)
    docs = web_docs(V2)
    docs[0]["spec"]["template"]["spec"]["nodeSelector"] = {"disktype": "none-such"}
    err, _ = fail(sim, ns, docs)
    assert "Unschedulable" in err.reason
    assert "didn't match Pod's node affinity/selector" in err.reason
    assert "no node can run the pod" in err.hint
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_progress_deadline_exceeded_is_kubectls_verdict(sim):
    ns = deployed(sim)
    docs = web_docs("example/app:never-ready")
    docs[0]["spec"]["progressDeadlineSeconds"] = 1
    err, _ = fail(sim, ns, docs, timeout=60)
    assert 'deployment "web" exceeded its progress deadline' in err.reason
    assert "not ready: web-" in err.reason
    assert f"kubectl -n {ns} describe pods -l app=web" in err.hint
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_timeout_names_the_last_status(sim):
    ns = deployed(sim)
    err, _ = fail(sim, ns, web_docs("example/app:never-ready"), timeout=1.5)
    assert 'deployment "web" did not finish rolling out within 1.5s (deploy.timeout)' \
        in err.reason
    assert "Waiting for deployment" in err.reason
    assert "raise deploy.timeout" in err.hint
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_apply_422_names_the_document_and_applies_nothing(sim):
    ns = deployed(sim)
    docs = web_docs(V2)
    docs[1]["metadata"]["labels"]["release"] = "two"  # would change the Service
    docs[0]["spec"]["template"]["metadata"]["labels"] = {"app": "other"}  # 422
    err, rec = fail(sim, ns, docs)
    assert err.reason.startswith(f'apply Deployment/web in namespace "{ns}" rejected: '
                                 "Error from server (Invalid)")
    assert "selector` does not match template `labels`" in err.reason
    assert "nothing was applied" in err.hint
    assert [f.stage for f in rec.failed()] == ["deploy"]
    svc = get(sim.conn, f"/api/v1/namespaces/{ns}/services/web")
    assert "release" not in svc["metadata"].get("labels", {})
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_first_deploy_failure_is_left_as_it_is(sim):
    ns = fresh_namespace("roll")
    err, rec = fail(sim, ns, web_docs("example/app:crashloop"))
    assert "rollout failed" in err.reason
    assert "nothing to roll back to: web had no earlier revision" in err.hint
    assert any("created by this deploy" in line for line in rec.logs("rollout"))
    get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")  # still there


def test_without_rollback_the_failed_revision_stays(sim):
    ns = deployed(sim)
    err, _ = fail(sim, ns, web_docs("example/app:crashloop"), rollback=False)
    assert "rollbackOnFailure is off" in err.hint
    dep = get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "example/app:crashloop"
    # maxUnavailable rounds down to 0 for 2 replicas: the old pods keep serving
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_cancel_mid_rollout_stops_at_once_and_undoes(sim):
    ns = deployed(sim)
    spec = make_spec(timeout=120)
    cancel = CancelToken()
    rec = Recorder()
    rec.hooks.append(lambda e: cancel.cancel() if isinstance(e, LogLine)
                     and e.text.startswith("Waiting for deployment") else None)
    with pytest.raises(Cancelled):
        deploy(sim.conn, sim.discovery, spec, target_of(spec, ns),
               web_docs("example/app:never-ready"), rec, cancel)
    assert rec.failed()[-1].stage == "rollout" and rec.failed()[-1].reason == "cancelled"
    assert any("rolled back to revision 1" in line for line in rec.logs("rollout"))
    assert_service_healthy(sim.conn, ns, "web", V1)
    wait_for(lambda: get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
             ["spec"]["template"]["spec"]["containers"][0]["image"] == V1, what="undo")


def test_dry_run_changes_nothing(sim):
    ns2 = deployed(sim)
    before = get(sim.conn, f"/apis/apps/v1/namespaces/{ns2}/deployments/web")
    spec = make_spec()
    rec = Recorder()
    outcome = deploy(sim.conn, sim.discovery, spec, target_of(spec, ns2), web_docs(V2), rec,
                     CancelToken(), dry_run=True)
    assert outcome.dry_run
    assert "deployment.apps/web serverside-applied (server dry run)" in rec.logs("deploy")
    assert not any(isinstance(e, StageStarted) and e.stage == "rollout" for e in rec.events)
    after = get(sim.conn, f"/apis/apps/v1/namespaces/{ns2}/deployments/web")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_dry_run_into_a_missing_namespace_creates_nothing(sim):
    ns = fresh_namespace("dry")
    spec = make_spec()
    rec = Recorder()
    deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(V1), rec,
           CancelToken(), dry_run=True)
    assert f"namespace/{ns} serverside-applied (server dry run)" in rec.logs("deploy")
    assert any("not checked by the server" in line for line in rec.logs("deploy"))
    with pytest.raises(KubedeckError):
        get(sim.conn, f"/api/v1/namespaces/{ns}")


def test_lock_held_by_another_run_stops_the_deploy(sim):
    from pipelines.lock import DeployLock

    ns = deployed(sim)
    taken = threading.Event()
    done = threading.Event()

    def other_run() -> None:
        with DeployLock(sim.conn, ns, "web", holder="ci@runner-7 pid 42"):
            taken.set()
            done.wait(30)

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert taken.wait(10)
        err, rec = fail(sim, ns, web_docs(V2))
        assert err.reason.startswith('app "web" is already being deployed by ci@runner-7 pid 42 '
                                     "since 20")
        assert f'lease "kubedeck-web" in namespace "{ns}"' in err.reason
        assert [f.stage for f in rec.failed()] == ["deploy"]
    finally:
        done.set()
        thread.join()
    dep = get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == V1
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_several_deployments_roll_out_together(sim):
    ns = fresh_namespace("roll")
    docs = web_docs(V1) + [copy.deepcopy(d) for d in web_docs(V1, app="api")]
    outcome, rec = run(sim, ns, docs)
    assert set(outcome.deployments) == {"web", "api"}
    lines = rec.logs("rollout")
    assert 'deployment "web" successfully rolled out' in lines
    assert 'deployment "api" successfully rolled out' in lines
    assert_service_healthy(sim.conn, ns, "api", V1)
