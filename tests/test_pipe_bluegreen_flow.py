"""Blue-green against the simulated cluster over HTTP: first deploy, the switch, the delayed
scale-down, manual promotion, abort, rollback, status and dry run."""

from __future__ import annotations

import pytest
from pipe_deploy_support import (
    Recorder,
    assert_service_healthy,
    fresh_namespace,
    get,
    make_spec,
    service_ready_pods,
    start_sim,
    target_of,
    wait_for,
    web_docs,
)

from kubedeck.kube.errors import ApiError
from pipelines import bluegreen
from pipelines.bluegreen_state import read_state
from pipelines.events import CancelToken, StageFinished, StageStarted
from pipelines.spec import HttpCheck
from pipelines.staged import StageError
from pipelines.strategies import deploy

V1, V2, V3 = "nginx:1.25", "nginx:1.27", "nginx:1.29"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    world = start_sim(tmp_path_factory.mktemp("bluegreen"))
    yield world
    world.stop()


def bg(sim, ns, image, rec=None, **kw):
    spec = make_spec(strategy="bluegreen", **kw)
    rec = rec or Recorder()
    outcome = deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(image), rec,
                     CancelToken())
    return outcome, rec


def command(sim, ns, fn, **kw):
    spec = make_spec(strategy="bluegreen", **kw)
    rec = Recorder()
    return fn(sim.conn, sim.discovery, spec, target_of(spec, ns), rec, CancelToken()), rec


def service(sim, ns, name="web") -> dict:
    return get(sim.conn, f"/api/v1/namespaces/{ns}/services/{name}")


def replicas(sim, ns, name) -> int:
    return get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")["spec"]["replicas"]


def endpoint_pods(sim, ns, service_name="web") -> set[str]:
    slices = get(sim.conn, f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"
                           f"?labelSelector=kubernetes.io/service-name={service_name}")
    return {ep["targetRef"]["name"] for s in slices["items"] for ep in s.get("endpoints") or ()}


def test_first_deploy_creates_blue_live_and_the_preview(sim):
    ns = fresh_namespace("bg")
    outcome, rec = bg(sim, ns, V1)
    assert (outcome.live_color, outcome.state) == ("blue", "promoted")
    assert outcome.deployments == ("web-blue",)
    assert {"service/web", "service/web-preview", "deployment.apps/web-blue"} \
        <= set(outcome.applied)
    svc = service(sim, ns)
    assert svc["spec"]["selector"] == {"app": "web", "kubedeck.dev/color": "blue"}
    state = read_state(svc)
    assert (state.live, state.state, state.previous, state.target) == \
        ("blue", "promoted", "", "blue")
    assert state.digest == V1 and state.promoted_at
    assert service(sim, ns, "web-preview")["spec"]["selector"] == \
        {"app": "web", "kubedeck.dev/color": "blue"}
    dep = get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web-blue")
    assert dep["metadata"]["labels"]["kubedeck.dev/color"] == "blue"
    assert dep["spec"]["selector"]["matchLabels"] == {"app": "web", "kubedeck.dev/color": "blue"}
    assert "service/web now selects blue (was nothing)" in rec.logs("promote")
    assert [s for _, s in rec.stages()] == ["deploy", "deploy", "rollout", "rollout", "promote",
                                            "promote", "cleanup", "cleanup"]
    ready = assert_service_healthy(sim.conn, ns, "web", V1)
    assert endpoint_pods(sim, ns) == {p["metadata"]["name"] for p in ready}


def test_second_deploy_switches_to_green_and_scales_blue_down(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    outcome, rec = bg(sim, ns, V2, check=HttpCheck("/healthz", 8080))
    assert (outcome.live_color, outcome.state) == ("green", "promoted")
    state = read_state(service(sim, ns))
    assert (state.live, state.previous, state.digest) == ("green", "blue", V2)
    assert any(line.startswith("HTTP check passed: GET /healthz on port 8080 through "
                               "service/web-preview answered 200") for line in rec.logs("rollout"))
    assert "service/web now selects green (was blue)" in rec.logs("promote")
    assert replicas(sim, ns, "web-blue") == 0 and replicas(sim, ns, "web-green") == 2
    ready = assert_service_healthy(sim.conn, ns, "web", V2)
    assert endpoint_pods(sim, ns) == {p["metadata"]["name"] for p in ready}
    assert all(name.startswith("web-green-") for name in endpoint_pods(sim, ns))


def test_the_old_colour_is_kept_for_the_scale_down_delay(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    seen: dict[str, int] = {}
    rec = Recorder()
    rec.hooks.append(lambda e: seen.setdefault("at_cleanup", replicas(sim, ns, "web-blue"))
                     if isinstance(e, StageStarted) and e.stage == "cleanup" else None)
    bg(sim, ns, V2, rec=rec, scale_down_delay=1.0)
    assert seen["at_cleanup"] == 2
    assert any(line.startswith("keeping web-blue for ") and "(scaleDownDelay)" in line
               for line in rec.logs("cleanup"))
    assert replicas(sim, ns, "web-blue") == 0


def test_manual_promotion_waits_for_promote(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    outcome, rec = bg(sim, ns, V2, auto_promote=False)
    assert (outcome.live_color, outcome.state) == ("blue", "verifying")
    assert any("promote it with: kubedeck pipeline promote" in line for line in rec.logs())
    assert service(sim, ns)["spec"]["selector"]["kubedeck.dev/color"] == "blue"
    assert service(sim, ns, "web-preview")["spec"]["selector"]["kubedeck.dev/color"] == "green"
    assert_service_healthy(sim.conn, ns, "web", V1)

    outcome, rec = command(sim, ns, bluegreen.promote)
    assert (outcome.live_color, outcome.state) == ("green", "promoted")
    assert_service_healthy(sim.conn, ns, "web", V2)
    assert replicas(sim, ns, "web-blue") == 0

    with pytest.raises(StageError, match='nothing to promote for app "web"'):
        command(sim, ns, bluegreen.promote)


def test_abort_before_promotion_drops_the_new_colour(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    bg(sim, ns, V2, auto_promote=False)
    outcome, rec = command(sim, ns, bluegreen.abort)
    assert (outcome.live_color, outcome.state) == ("blue", "aborted")
    assert replicas(sim, ns, "web-green") == 0
    assert_service_healthy(sim.conn, ns, "web", V1)
    with pytest.raises(StageError, match='nothing to abort for app "web"'):
        command(sim, ns, bluegreen.abort)


def test_abort_after_promotion_switches_back_scaling_up_first(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    bg(sim, ns, V2)
    assert replicas(sim, ns, "web-blue") == 0
    outcome, rec = command(sim, ns, bluegreen.abort)
    assert (outcome.live_color, outcome.state) == ("blue", "aborted")
    assert "scaling web-blue up first" in rec.logs("promote")
    assert "service/web now selects blue (was green)" in rec.logs("promote")
    assert replicas(sim, ns, "web-green") == 0 and replicas(sim, ns, "web-blue") == 2
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_rollback_returns_to_the_previous_colour_once(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    bg(sim, ns, V2)
    outcome, rec = command(sim, ns, bluegreen.rollback)
    assert (outcome.live_color, outcome.state) == ("blue", "rolledback")
    state = read_state(service(sim, ns))
    assert (state.live, state.previous) == ("blue", "green")
    ready = assert_service_healthy(sim.conn, ns, "web", V1)
    assert endpoint_pods(sim, ns) == {p["metadata"]["name"] for p in ready}
    assert replicas(sim, ns, "web-green") == 0
    with pytest.raises(StageError, match="nothing to roll back to"):
        command(sim, ns, bluegreen.rollback)
    outcome, _ = bg(sim, ns, V3)  # the next release goes to the idle colour, green
    assert outcome.live_color == "green"
    assert_service_healthy(sim.conn, ns, "web", V3)


def test_rollback_after_the_first_deploy_has_nowhere_to_go(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    with pytest.raises(StageError) as info:
        command(sim, ns, bluegreen.rollback)
    assert "blue is the first colour that went live" in info.value.reason
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_redeploying_the_live_release_changes_nothing(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    before = service(sim, ns)["metadata"]["annotations"]
    outcome, rec = bg(sim, ns, V1)
    assert outcome.live_color == "blue"
    assert "this release is live already on blue" in rec.logs("deploy")
    assert service(sim, ns)["metadata"]["annotations"] == before


def test_status_describes_both_colours(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    bg(sim, ns, V2)
    spec = make_spec(strategy="bluegreen")
    st = bluegreen.status(sim.conn, sim.discovery, spec, target_of(spec, ns))
    assert st.selects == "green" and st.state.state == "promoted"
    text = st.describe()
    assert "live colour green, last rollout promoted" in text
    assert "green (live): web-green 2/2 ready" in text
    assert "blue: web-blue 0/0 ready" in text


def test_dry_run_writes_nothing(sim):
    ns = fresh_namespace("bg")
    bg(sim, ns, V1)
    before = service(sim, ns)["metadata"]["resourceVersion"]
    spec = make_spec(strategy="bluegreen")
    rec = Recorder()
    outcome = deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(V2), rec,
                     CancelToken(), dry_run=True)
    assert outcome.dry_run and outcome.live_color == "blue"
    assert "deployment.apps/web-green serverside-applied (server dry run)" in rec.logs("deploy")
    assert service(sim, ns)["metadata"]["resourceVersion"] == before
    with pytest.raises(ApiError, match="NotFound"):
        get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web-green")


def test_a_service_from_a_rolling_deploy_serves_until_blue_takes_over(sim):
    ns = fresh_namespace("bg")
    rolling = make_spec(strategy="rolling")
    deploy(sim.conn, sim.discovery, rolling, target_of(rolling, ns), web_docs(V1), Recorder(),
           CancelToken())
    assert_service_healthy(sim.conn, ns, "web", V1)
    before_switch: list[list[dict]] = []
    rec = Recorder()
    rec.hooks.append(lambda e: before_switch.append(service_ready_pods(sim.conn, ns, "web"))
                     if isinstance(e, StageFinished) and e.stage == "rollout" else None)
    outcome, _ = bg(sim, ns, V2, rec=rec)
    assert outcome.live_color == "blue"
    assert any("selects pods without a colour" in line and "deployment.apps/web is left as it "
               "is" in line for line in rec.logs("deploy"))
    # before the switch the old pods still serve (blue's ready pods beside them)
    images = {p["spec"]["containers"][0]["image"] for p in before_switch[0]}
    assert V1 in images and images <= {V1, V2}
    assert_service_healthy(sim.conn, ns, "web", V2)
    wait_for(lambda: all(n.startswith("web-blue-") for n in endpoint_pods(sim, ns)),
             what="endpoints on blue only")


@pytest.mark.parametrize(("action", "verb"), [(bluegreen.promote, "promote"),
                                               (bluegreen.abort, "abort"),
                                               (bluegreen.rollback, "roll back")])
def test_acting_on_an_app_never_deployed_says_so(sim, action, verb):
    ns = fresh_namespace("bg-none")  # not even the namespace exists
    with pytest.raises(StageError, match=f'nothing to {verb} for app "web" in namespace '
                                         f'"{ns}": no blue-green deploy recorded yet'):
        command(sim, ns, action)
