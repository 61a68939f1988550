"""The demo's sample app (pipelines/sample): a fresh copy each time, a good release that goes
live blue-green in the embedded world, and the broken release refused at rollout while the
live colour keeps serving."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipe_deploy_support import Recorder, get, service_ready_pods, wait_for

from kubedeck.demo import running_demo
from kubedeck.kube.connect import connect
from pipelines.events import CancelToken
from pipelines.runner import run
from pipelines.sample import materialize
from pipelines.spec import load_spec

pytestmark = pytest.mark.integration
NAMESPACE = "shop"


def test_materialize_copies_a_fresh_sample(tmp_path: Path):
    folder = materialize(tmp_path)
    assert folder == tmp_path / "sample-app"
    assert {p.name for p in folder.iterdir()} == {"app.py", "Dockerfile", "kubedeck.yaml",
                                                  "kubedeck.broken.yaml", ".dockerignore"}
    (folder / "kubedeck.yaml").write_text("edited by the user\n")
    (folder / "notes.txt").write_text("left over\n")
    again = materialize(tmp_path)
    assert not (again / "notes.txt").exists()
    assert load_spec(again / "kubedeck.yaml").app == "shop-web"


def test_both_releases_are_the_same_blue_green_app(tmp_path: Path):
    folder = materialize(tmp_path)
    good = load_spec(folder / "kubedeck.yaml")
    broken = load_spec(folder / "kubedeck.broken.yaml")
    assert good.app == broken.app == "shop-web"
    assert good.deploy.strategy == "bluegreen" and good.deploy.bluegreen.auto_promote
    assert good.deploy.bluegreen.check is not None
    assert [t.demo for t in good.targets.values()] == [True]
    assert good.images[0].build_args == {}
    assert broken.images[0].build_args == {"BEHAVIOUR": "crashloop"}
    assert "broken release" in (folder / "kubedeck.broken.yaml").read_text().lower()


def test_editing_a_pipeline_file_does_not_change_the_image_tag(tmp_path: Path):
    from pipelines.job import RunRequest, plan

    folder = materialize(tmp_path)
    before = plan(RunRequest(folder / "kubedeck.yaml"), current_context=None, demo=True).tags
    path = folder / "kubedeck.yaml"
    path.write_text(path.read_text().replace("scaleDownDelay: 10s", "scaleDownDelay: 2s"))
    assert plan(RunRequest(path), current_context=None, demo=True).tags == before
    (folder / "app.py").write_text((folder / "app.py").read_text() + "\n# v2\n")
    assert plan(RunRequest(path), current_context=None, demo=True).tags != before


def endpoint_pods(conn, service: str) -> set[str]:
    slices = get(conn, f"/apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices"
                       f"?labelSelector=kubernetes.io/service-name={service}")
    return {ep["targetRef"]["name"] for s in slices["items"] for ep in s.get("endpoints") or ()
            if (ep.get("conditions") or {}).get("ready", True)}


def live_colour(conn) -> str:
    return get(conn, f"/api/v1/namespaces/{NAMESPACE}/services/shop-web")["spec"]["selector"][
        "kubedeck.dev/color"]


def serving(conn, colour: str) -> set[str]:
    """The Service's endpoints, once they are exactly the ready pods of `colour`."""
    def check() -> set[str]:
        ready = {p["metadata"]["name"] for p in service_ready_pods(conn, NAMESPACE, "shop-web")}
        names = endpoint_pods(conn, "shop-web")
        ok = ready and names == ready and all(n.startswith(f"shop-web-{colour}-") for n in names)
        return names if ok else set()

    return wait_for(check, 30.0, f"shop-web's endpoints to be the ready {colour} pods")


def test_the_sample_goes_live_then_the_broken_release_is_refused(tmp_path: Path):
    folder = materialize(tmp_path)
    with running_demo(str(tmp_path)) as world:
        good = run(load_spec(folder / "kubedeck.yaml"), None, Recorder(), CancelToken(),
                   demo=world)
        assert good.result == "success", good.reason
        [image] = good.images
        assert image.digest.startswith("sha256:")
        conn = connect(world.kubeconfig)
        try:
            colour = live_colour(conn)
            before = serving(conn, colour)
            assert len(before) == 3
            events = Recorder()
            broken = run(load_spec(folder / "kubedeck.broken.yaml"), None, events,
                         CancelToken(), demo=world)
            assert (broken.result, broken.failed_stage) == ("failed", "rollout")
            assert 'container "shop-web" Error: exited with code 1' in broken.reason
            assert f"the live Service still selects {colour}" in broken.reason
            [failed] = events.failed()
            assert failed.stage == "rollout" and failed.logs
            assert live_colour(conn) == colour
            assert serving(conn, colour)
            ready = service_ready_pods(conn, NAMESPACE, "shop-web")
            assert all(c["image"] == image.pinned for p in ready for c in p["spec"]["containers"])
        finally:
            conn.close()
