"""The recreate strategy: the Deployment's own Recreate strategy removes every old pod before a
new one starts — checked by the rollout watch and, independently, by the store's own order of
pod changes."""

from __future__ import annotations

import pytest
from pipe_deploy_support import (
    PodLog,
    Recorder,
    assert_service_healthy,
    fresh_namespace,
    get,
    make_spec,
    start_sim,
    target_of,
    web_docs,
)

from pipelines.events import CancelToken
from pipelines.staged import StageError
from pipelines.strategies import deploy

V1, V2 = "nginx:1.25", "nginx:1.27"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    world = start_sim(tmp_path_factory.mktemp("recreate"))
    yield world
    world.stop()


def _started(pod: dict) -> bool:
    return any("running" in (cs.get("state") or {})
               for cs in (pod.get("status") or {}).get("containerStatuses") or ())


def _image(pod: dict) -> str:
    return pod["spec"]["containers"][0]["image"]


def test_old_pods_are_gone_before_a_new_one_starts(sim):
    ns = fresh_namespace("re")
    rolling = make_spec(strategy="rolling")
    deploy(sim.conn, sim.discovery, rolling, target_of(rolling, ns), web_docs(V1, replicas=3),
           Recorder(), CancelToken())
    assert_service_healthy(sim.conn, ns, "web", V1)
    witness = PodLog(sim.cluster, ns)

    spec = make_spec(strategy="recreate")
    rec = Recorder()
    outcome = deploy(sim.conn, sim.discovery, spec, target_of(spec, ns),
                     web_docs(V2, replicas=3), rec, CancelToken())
    assert outcome.strategy == "recreate"
    assert "deployment.apps/web strategy set to Recreate" in rec.logs("deploy")
    assert 'deployment "web": no old pod left when the first new pod started (Recreate)' \
        in rec.logs("rollout")
    live = get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert live["spec"]["strategy"] == {"type": "Recreate"}

    present: dict[str, dict] = {}
    first_new_start = None
    for i, (kind, pod) in enumerate(witness.changes):
        name = pod["metadata"]["name"]
        if kind == "DELETED":
            present.pop(name, None)
        else:
            present[name] = pod
        if _image(pod) == V2 and _started(pod) and first_new_start is None:
            first_new_start = i
            assert not [p for p in present.values() if _image(p) == V1], \
                "an old pod existed when the first new pod started"
    assert first_new_start is not None
    deleted_old = [i for i, (kind, pod) in enumerate(witness.changes)
                   if kind == "DELETED" and _image(pod) == V1]
    assert len(deleted_old) == 3 and max(deleted_old) < first_new_start
    assert_service_healthy(sim.conn, ns, "web", V2)


def test_recreate_from_scratch_and_again_keeps_the_strategy(sim):
    ns = fresh_namespace("re")
    spec = make_spec(strategy="recreate")
    deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(V1), Recorder(),
           CancelToken())
    rec = Recorder()
    deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(V2), rec, CancelToken())
    assert not any("strategy set to Recreate" in line for line in rec.logs("deploy"))
    assert_service_healthy(sim.conn, ns, "web", V2)


def test_failed_recreate_rolls_back_to_the_old_pods(sim):
    ns = fresh_namespace("re")
    spec = make_spec(strategy="recreate")
    deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(V1), Recorder(),
           CancelToken())
    rec = Recorder()
    with pytest.raises(StageError) as info:
        deploy(sim.conn, sim.discovery, spec, target_of(spec, ns),
               web_docs("registry.invalid/app:fail-pull"), rec, CancelToken())
    assert "ErrImagePull" in info.value.reason or "ImagePullBackOff" in info.value.reason
    assert "rolled back (web to revision 1) and the previous revision is available again" \
        in info.value.hint
    assert_service_healthy(sim.conn, ns, "web", V1)


def test_recreate_dry_run_switches_nothing(sim):
    ns = fresh_namespace("re")
    rolling = make_spec(strategy="rolling")
    deploy(sim.conn, sim.discovery, rolling, target_of(rolling, ns), web_docs(V1), Recorder(),
           CancelToken())
    spec = make_spec(strategy="recreate")
    rec = Recorder()
    deploy(sim.conn, sim.discovery, spec, target_of(spec, ns), web_docs(V2), rec, CancelToken(),
           dry_run=True)
    assert "deployment.apps/web strategy set to Recreate (server dry run)" in rec.logs("deploy")
    live = get(sim.conn, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert live["spec"]["strategy"]["type"] == "RollingUpdate"
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == V1
