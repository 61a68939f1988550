"""The demo builder and registry: a simulated build that checks the Dockerfile and says what a
real one would, a push recorded in the embedded cluster's registry with the behaviour the
Dockerfile asks for, and the simulated kubelet running (or failing to pull) exactly what was
pushed."""

from __future__ import annotations

import pytest
from fake_controllers_support import container_status, create_pod, is_ready, make_cluster, pod
from pipe_build_support import Recorder, make_spec, no_cancel

from kubedeck.fake.registry import ROOT, DemoRegistry, registry_for
from pipelines.build import build_and_push
from pipelines.events import StageStarted
from pipelines.staged import StageError


def _app(folder, dockerfile: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile)
    (folder / "app.py").write_text("print('hello')\n")
    return folder


GOOD = ("# syntax=docker/dockerfile:1\n# the app\nFROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\n"
        "ARG BEHAVIOUR=ok\nLABEL kubedeck.demo/behaviour=$BEHAVIOUR\n"
        'CMD ["python", "app.py"]\n')


def _spec(app, **kw):
    return make_spec(app, "demo", builder=kw.pop("builder", "auto"), **kw)


def test_auto_picks_demo_for_the_demo_registry_and_the_push_is_recorded(tmp_path):
    store = DemoRegistry()
    events = Recorder()
    [result] = build_and_push(_spec(_app(tmp_path / "app", GOOD)), "dev", events, no_cancel(),
                              demo_registry=store)
    assert "builder demo: the registry is the embedded cluster's demo registry" in \
        events.lines("auto")
    assert [e.detail for e in events.of(StageStarted)] == ["auto", "demo"]
    lines = events.lines("demo")
    assert "STEP 1/6: FROM python:3.12-slim" in lines
    assert "STEP 3/6: COPY app.py ." in lines
    assert f"COMMIT {ROOT}/hello:v1" in lines
    assert result.repository == f"{ROOT}/hello" and result.tag == "v1"
    assert result.digest.startswith("sha256:") and len(result.digest) == 71
    [image] = store.images()
    assert (image.repository, image.tag, image.digest, image.behaviour) == (
        result.repository, "v1", result.digest, "ok")
    assert image.size > 5_000_000
    assert store.resolve(result.repository, "v1") == result.digest


def test_same_inputs_same_digest_and_a_build_arg_changes_behaviour(tmp_path):
    store = DemoRegistry()
    app = _app(tmp_path / "app", GOOD)
    [first] = build_and_push(_spec(app), "dev", Recorder(), no_cancel(), demo_registry=store)
    [again] = build_and_push(_spec(app), "dev", Recorder(), no_cancel(), demo_registry=store)
    assert again.digest == first.digest
    events = Recorder()
    [broken] = build_and_push(_spec(app, tag="v2", build_args={"BEHAVIOUR": "crashloop"}),
                              "dev", events, no_cancel(), demo_registry=store)
    assert broken.digest != first.digest
    assert "demo behaviour: crashloop" in events.lines("demo")
    assert store.find(broken.pinned).behaviour == "crashloop"
    assert store.find(first.pinned).behaviour == "ok"


def test_env_marks_behaviour_too(tmp_path):
    store = DemoRegistry()
    app = _app(tmp_path / "app", "FROM scratch\nENV KUBEDECK_DEMO_BEHAVIOUR=never-ready\n")
    [result] = build_and_push(_spec(app), "dev", Recorder(), no_cancel(), demo_registry=store)
    assert store.find(result.pinned).behaviour == "never-ready"


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("WORKDIR /app\n", "has no FROM"),
    ("FROM scratch\nCOPPY app.py /\n", "Dockerfile:2: unknown instruction: COPPY"),
    ("FROM scratch\nCOPY missing.txt /\n", 'COPY source "missing.txt" is not in the build'),
    ('FROM scratch\nADD --chown=1:1 ["app.py", "gone/*.txt", "/x/"]\n', 'ADD source "gone/*.txt"'),
    ("FROM scratch\nLABEL kubedeck.demo/behaviour=explode\n", '"explode" - use one of ok,'),
])
def test_demo_build_errors_are_one_clear_line(tmp_path, dockerfile, expected):
    store = DemoRegistry()
    with pytest.raises(StageError) as err:
        build_and_push(_spec(_app(tmp_path / "app", dockerfile)), "dev", Recorder(),
                       no_cancel(), demo_registry=store)
    assert expected in err.value.message
    assert err.value.message.startswith("error: demo build of hello")
    assert "\n" not in err.value.message and err.value.stage == "build"
    assert store.images() == []


def test_dockerignored_copy_sources_are_missing(tmp_path):
    app = _app(tmp_path / "app", "FROM scratch\nCOPY app.py /\n")
    (app / ".dockerignore").write_text("*.py\n")
    with pytest.raises(StageError, match="or .dockerignore excludes it"):
        build_and_push(_spec(app), "dev", Recorder(), no_cancel(), demo_registry=DemoRegistry())


def test_registry_demo_needs_the_embedded_cluster_and_the_demo_builder(tmp_path):
    app = _app(tmp_path / "app", GOOD)
    with pytest.raises(StageError, match="run with --demo") as err:
        build_and_push(_spec(app), "dev", Recorder(), no_cancel())
    assert err.value.exit_code == 2
    with pytest.raises(StageError, match="only takes images of the demo builder"):
        build_and_push(_spec(app, builder="buildah"), "dev", Recorder(), no_cancel(),
                       demo_registry=DemoRegistry())
    with pytest.raises(StageError, match="demo only builds for the embedded cluster"):
        build_and_push(make_spec(app, "localhost:5000/apps", builder="demo"), "dev",
                       Recorder(), no_cancel())


def test_dry_run_resolves_from_the_demo_registry(tmp_path):
    store = DemoRegistry()
    app = _app(tmp_path / "app", GOOD)
    [pushed] = build_and_push(_spec(app), "dev", Recorder(), no_cancel(), demo_registry=store)
    events = Recorder()
    [looked] = build_and_push(_spec(app), "dev", events, no_cancel(), demo_registry=store,
                              dry_run=True)
    assert looked == pushed
    assert events.lines() == [f"dry run: {pushed.repository}:v1 is {pushed.digest}"]


# -- the kubelet pulls from the demo registry -----------------------------------------------

def _push(cluster, tmp_path, name: str, behaviour: str):
    app = _app(tmp_path / name, GOOD)
    [result] = build_and_push(_spec(app, tag=name, build_args={"BEHAVIOUR": behaviour}), "dev",
                              Recorder(), no_cancel(), demo_registry=registry_for(cluster))
    return result


def test_the_kubelet_runs_a_pushed_image_and_fails_to_pull_an_unknown_one(tmp_path):
    cluster = make_cluster()
    good = _push(cluster, tmp_path, "good", "ok")
    create_pod(cluster, "good", image=good.pinned)
    unknown = f"{good.repository}:good@sha256:{'1' * 64}"
    create_pod(cluster, "unknown", image=unknown)
    create_pod(cluster, "untagged", image=f"{ROOT}/never-pushed:v1")
    cluster.step(0)
    cluster.step(2.5)
    assert is_ready(pod(cluster, "good"))
    for name in ("unknown", "untagged"):
        state = container_status(pod(cluster, name))["state"]
        assert state["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff"), state
        assert "not found" in state["waiting"]["message"]


def test_the_kubelet_gives_pushed_images_their_behaviour(tmp_path):
    cluster = make_cluster()
    crash = _push(cluster, tmp_path, "crash", "crashloop")
    lazy = _push(cluster, tmp_path, "lazy", "never-ready")
    broken = _push(cluster, tmp_path, "broken", "fail-pull")
    for name, image in (("crash", crash), ("lazy", lazy), ("broken", broken)):
        create_pod(cluster, name, image=image.pinned)
    cluster.step(0)
    for _ in range(10):
        cluster.step(1.0)
    assert container_status(pod(cluster, "crash"))["restartCount"] >= 1
    lazy_status = container_status(pod(cluster, "lazy"))
    assert "running" in lazy_status["state"] and not lazy_status["ready"]
    assert container_status(pod(cluster, "broken"))["state"]["waiting"]["reason"] in (
        "ErrImagePull", "ImagePullBackOff")


def test_other_images_keep_their_name_based_behaviour(tmp_path):
    cluster = make_cluster()
    registry_for(cluster)  # a registry exists, but these images are not its own
    create_pod(cluster, "plain", image="nginx:1.25")
    create_pod(cluster, "named", image="example.com/crashloop:1")
    cluster.step(0)
    for _ in range(6):
        cluster.step(1.0)
    assert is_ready(pod(cluster, "plain"))
    assert container_status(pod(cluster, "named"))["restartCount"] >= 1
