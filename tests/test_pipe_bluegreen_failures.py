"""Blue-green's failure points against the simulated cluster over HTTP — rollout failures,
the HTTP gate, a 422, a failed switch (injected 500), cancel, the lock — and re-runs after a
crash (a cancel between steps), which resume from the Service's annotations. Each checks the
message AND that the live Service still selects ready pods."""

from __future__ import annotations

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
    web_docs,
)

from kubedeck.fake.faults import Fault
from kubedeck.kube.actions.ref import send
from pipelines import bluegreen
from pipelines.bluegreen_state import read_state
from pipelines.events import Cancelled, CancelToken, LogLine
from pipelines.lock import DeployLock
from pipelines.spec import HttpCheck
from pipelines.staged import StageError
from pipelines.strategies import deploy

V1, V2, V3 = "nginx:1.25", "nginx:1.27", "nginx:1.29"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    world = start_sim(tmp_path_factory.mktemp("bluegreen-fail"))
    yield world
    world.stop()


def bg(sim, ns, image, rec=None, cancel=None, **kw):
    spec = make_spec(strategy="bluegreen", **kw)
    return deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(image),
                  rec or Recorder(), cancel or CancelToken())


def bg_fails(sim, ns, image, **kw) -> tuple[StageError, Recorder]:
    rec = Recorder()
    with pytest.raises(StageError) as info:
        bg(sim, ns, image, rec=rec, **kw)
    assert info.value.exit_code == 1
    return info.value, rec


def live_blue(sim) -> str:
    ns = fresh_namespace("bgf")
    bg(sim, ns, V1)
    assert_service_healthy(sim.conn, ns, "web", V1)
    return ns


def state_of(sim, ns):
    return read_state(get(sim.conn, f"/api/v1/namespaces/{ns}/services/web"))


def replicas(sim, ns, name) -> int:
    return get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")["spec"]["replicas"]


def cancel_on(rec: Recorder, cancel: CancelToken, text: str) -> None:
    """Cancel the run as soon as a log line starting with `text` is emitted."""
    rec.hooks.append(lambda e: cancel.cancel() if isinstance(e, LogLine)
                     and e.text.startswith(text) else None)


@pytest.mark.parametrize("image,expected", [("example/app:crashloop", "exited with code 1"),
                                            ("registry.invalid/app:fail-pull", "ImagePull")])
def test_a_failing_new_colour_never_goes_live(sim, image, expected):
    ns = live_blue(sim)
    err, rec = bg_fails(sim, ns, image)
    assert err.stage == "rollout" and 'deployment "web-green" rollout failed' in err.reason
    assert expected in err.reason
    assert "the live Service still selects blue and web-green was scaled down" in err.hint
    state = state_of(sim, ns)
    assert (state.live, state.state, state.target) == ("blue", "aborted", "green")
    assert replicas(sim, ns, "web-green") == 0
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_rollout_timeout_leaves_blue_live(sim):
    ns = live_blue(sim)
    err, _ = bg_fails(sim, ns, "example/app:never-ready", timeout=1.5)
    assert 'deployment "web-green" did not finish rolling out within 1.5s' in err.reason
    assert state_of(sim, ns).state == "aborted"
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_a_failed_http_check_stops_the_promotion(sim):
    ns = live_blue(sim)
    err, rec = bg_fails(sim, ns, V2, check=HttpCheck("/nope", 8080))
    assert err.reason == ("HTTP check failed: GET /nope on port 8080 through "
                          "service/web-preview answered 404")
    assert "the new colour was not promoted" in err.hint
    assert "web-green was scaled down" in err.hint
    assert not any(e.stage == "promote" for e in rec.failed())
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_apply_422_changes_no_state(sim):
    ns = live_blue(sim)
    before = state_of(sim, ns)
    docs = web_docs(V2)
    docs[0]["spec"]["replicas"] = -1
    spec = make_spec(strategy="bluegreen")
    with pytest.raises(StageError) as info:
        deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), docs, Recorder(),
               CancelToken())
    assert info.value.reason.startswith(f'apply Deployment/web-green in namespace "{ns}" '
                                        "rejected: Error from server (Invalid)")
    assert "spec.replicas" in info.value.reason and "nothing was applied" in info.value.hint
    assert state_of(sim, ns) == before
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_a_failed_switch_keeps_the_old_colour_and_can_be_retried(sim):
    ns = live_blue(sim)
    bg(sim, ns, V2, auto_promote=False)
    fault = sim.cluster.faults.add(Fault("status", path=f"/namespaces/{ns}/services/web",
                                         methods=("PATCH",), code=500))
    spec = make_spec(strategy="bluegreen")
    rec = Recorder()
    with pytest.raises(StageError) as info:
        bluegreen.promote(sim.conn, sim.discovery, spec, target_of(spec, ns), rec,
                          CancelToken())
    assert fault.hits == 1
    assert info.value.stage == "promote"
    assert info.value.reason.startswith("switching service/web to green failed: Error from "
                                        "server (InternalError)")
    assert info.value.hint.startswith("the live Service still selects blue; run kubedeck "
                                      "pipeline promote to try again")
    assert state_of(sim, ns).state == "verifying"
    assert_service_healthy(sim.conn, ns, "web", V1)

    outcome = bluegreen.promote(sim.conn, sim.discovery, spec, target_of(spec, ns), Recorder(),
                                CancelToken())
    assert outcome.live_color == "green"
    assert_service_healthy(sim.conn, ns, "web", V2)


def test_cancel_mid_rollout_then_rerun_resumes(sim):
    ns = live_blue(sim)
    cancel, rec = CancelToken(), Recorder()
    cancel_on(rec, cancel, 'Waiting for deployment "web-green"')
    with pytest.raises(Cancelled):
        bg(sim, ns, V2, rec=rec, cancel=cancel)
    assert rec.failed()[-1].reason == "cancelled" and rec.failed()[-1].stage == "rollout"
    state = state_of(sim, ns)
    assert (state.live, state.state, state.target) == ("blue", "deploying", "green")
    assert_service_healthy(sim.conn, ns, "web", V1)

    rec = Recorder()
    outcome = bg(sim, ns, V2, rec=rec)
    assert any(line.startswith("resuming the interrupted deploy of green (it was deploying")
               for line in rec.logs("deploy"))
    assert outcome.live_color == "green" and outcome.state == "promoted"
    assert_service_healthy(sim.conn, ns, "web", V2)


def test_crash_after_the_switch_is_finished_by_the_rerun(sim):
    ns = live_blue(sim)
    cancel, rec = CancelToken(), Recorder()
    cancel_on(rec, cancel, "service/web now selects green")
    with pytest.raises(Cancelled):
        bg(sim, ns, V2, rec=rec, cancel=cancel)
    state = state_of(sim, ns)
    assert (state.live, state.state, state.previous) == ("green", "promoting", "blue")
    assert_service_healthy(sim.conn, ns, "web", V2)  # switched to a verified colour

    rec = Recorder()
    outcome = bg(sim, ns, V2, rec=rec)
    assert "resuming: service/web already selects green; verifying its endpoints" \
        in rec.logs("promote")
    assert outcome.state == "promoted" and replicas(sim, ns, "web-blue") == 0


def test_a_new_release_after_a_crashed_switch_finishes_that_switch_first(sim):
    ns = live_blue(sim)
    cancel, rec = CancelToken(), Recorder()
    cancel_on(rec, cancel, "service/web now selects green")
    with pytest.raises(Cancelled):
        bg(sim, ns, V2, rec=rec, cancel=cancel)
    rec = Recorder()
    outcome = bg(sim, ns, V3, rec=rec)
    assert "finishing the interrupted promotion of green first" in rec.logs("deploy")
    assert outcome.live_color == "blue"  # V3 went to the idle colour
    assert_service_healthy(sim.conn, ns, "web", V3)


def test_a_new_release_replaces_an_interrupted_deploy(sim):
    ns = live_blue(sim)
    cancel, rec = CancelToken(), Recorder()
    cancel_on(rec, cancel, 'Waiting for deployment "web-green"')
    with pytest.raises(Cancelled):
        bg(sim, ns, "example/app:never-ready", rec=rec, cancel=cancel)
    rec = Recorder()
    outcome = bg(sim, ns, V2, rec=rec)
    assert any(line.startswith("replacing the interrupted deploy of green (deploying since")
               for line in rec.logs("deploy"))
    assert outcome.live_color == "green"
    assert_service_healthy(sim.conn, ns, "web", V2)


def test_cancel_during_the_scale_down_delay_then_rerun_scales_down(sim):
    ns = live_blue(sim)
    cancel, rec = CancelToken(), Recorder()
    cancel_on(rec, cancel, "keeping web-blue for")
    with pytest.raises(Cancelled):
        bg(sim, ns, V2, rec=rec, cancel=cancel, scale_down_delay=2.0)
    assert state_of(sim, ns).state == "promoted"
    assert replicas(sim, ns, "web-blue") == 2  # kept: the delay had not passed
    assert_service_healthy(sim.conn, ns, "web", V2)

    rec = Recorder()
    bg(sim, ns, V2, rec=rec, scale_down_delay=2.0)
    assert "this release is live already on green" in rec.logs("deploy")
    assert replicas(sim, ns, "web-blue") == 0


def test_a_held_lock_stops_the_second_run(sim):
    ns = live_blue(sim)
    before = state_of(sim, ns)
    taken, done = threading.Event(), threading.Event()

    def other_run() -> None:
        with DeployLock(sim.conn, ns, "web", holder="ci@runner-3"):
            taken.set()
            done.wait(30)

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert taken.wait(10)
        err, _ = bg_fails(sim, ns, V2)
        assert err.stage == "deploy"
        assert err.reason.startswith('app "web" is already being deployed by ci@runner-3 since')
    finally:
        done.set()
        thread.join()
    assert state_of(sim, ns) == before
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_promoting_a_colour_scaled_down_meanwhile_is_refused(sim):
    ns = live_blue(sim)
    bg(sim, ns, V2, auto_promote=False)
    send(sim.conn, "PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/web-green/scale",
         {"spec": {"replicas": 0}}, content_type="application/merge-patch+json")
    spec = make_spec(strategy="bluegreen")
    with pytest.raises(StageError) as info:
        bluegreen.promote(sim.conn, sim.discovery, spec, target_of(spec, ns), Recorder(),
                          CancelToken())
    assert info.value.reason == "web-green has no replicas (it was scaled down)"
    assert state_of(sim, ns).state == "verifying"
    assert_service_healthy(sim.conn, ns, "web", V1)
