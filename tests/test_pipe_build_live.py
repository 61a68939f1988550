"""Build and push failures in a whole run, through the real runner: a first version is built
with buildah, pushed to a real docker-registry behind htpasswd and rolled out on the simulated
cluster (kubeconfig context, over HTTP); then a broken Dockerfile, and a push the registry
refuses, each fail the run with one clear line and leave the live Service on the ready pods of
the first version. The same for the demo builder on the embedded cluster."""

from __future__ import annotations

import base64
import json

import pytest
from pipe_build_support import buildah_storage, registry_running, write_app
from pipe_deploy_support import assert_service_healthy, start_sim
from pipe_run_support import Recorder, check_protocol

from kubedeck.demo import running_demo
from kubedeck.kube.connect import connect
from pipelines.events import CancelToken, StageFailed
from pipelines.runner import run
from pipelines.spec import load_spec

USER, PASSWORD = "ci", "ci-password"


@pytest.fixture(scope="module")
def buildah_env(tmp_path_factory):
    with buildah_storage(tmp_path_factory.mktemp("buildah")) as env:
        yield env


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    with registry_running(tmp_path_factory.mktemp("locked"), {USER: PASSWORD}) as running:
        yield running


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    world = start_sim(tmp_path_factory.mktemp("sim"))
    yield world
    world.stop()


def _pipeline(folder, registry: str, target: str) -> object:
    (folder / "kubedeck.yaml").write_text(
        f"app: hello\nimages:\n  - name: hello\n    context: .\n"
        f"build: {{builder: auto, tag: digest}}\nregistry: {registry}\n"
        f"registryInsecure: true\ntargets:\n  {target}\n"
        "deploy: {strategy: rolling, timeout: 60s}\n"
        "manifests: {template: webapp, values: {replicas: 2, port: 8080}}\n")
    return load_spec(folder / "kubedeck.yaml")


def _login(folder, host: str) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (folder / "config.json").write_text(json.dumps({"auths": {host: {"auth": token}}}))


def test_build_error_and_push_refusal_leave_the_live_service_on_ready_pods(
        tmp_path, buildah_env, locked, sim, monkeypatch):
    docker_config = tmp_path / "docker"
    docker_config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(docker_config))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-engine.sock'}")
    _login(docker_config, locked.host)
    app = write_app(tmp_path / "app", message="v1")
    spec = _pipeline(app, f"{locked.host}/apps", "sim: {context: kubedeck-sim, namespace: live}")
    kubeconfig = str(sim.kubeconfig)

    first = run(spec, "sim", Recorder(), _token(), kubeconfig=kubeconfig)
    assert first.result == "success", first.reason
    [v1] = first.images
    assert v1.digest == locked.digest_of("apps/hello", v1.tag, creds=f"{USER}:{PASSWORD}")
    conn = connect(kubeconfig)
    try:
        assert_service_healthy(conn, "live", "hello", image=v1.pinned)

        (app / "Dockerfile").write_text((app / "Dockerfile").read_text() + "RUN false\n")
        events = Recorder()
        broken = run(spec, "sim", events, _token(), kubeconfig=kubeconfig)
        check_protocol(events)
        assert (broken.result, broken.failed_stage) == ("failed", "build")
        assert broken.reason.startswith("buildah could not build image hello from ")
        assert "RUN false" in broken.reason
        [failed] = events.of(StageFailed)
        assert failed.hint == "fix the Dockerfile or the context, then run again"
        assert_service_healthy(conn, "live", "hello", image=v1.pinned)

        write_app(app, message="v2")  # a good Dockerfile again, new content
        (docker_config / "config.json").unlink()
        events = Recorder()
        refused = run(spec, "sim", events, _token(), kubeconfig=kubeconfig)
        check_protocol(events)
        assert (refused.result, refused.failed_stage) == ("failed", "push")
        assert f"registry {locked.host} refused the push" in refused.reason
        assert "401 unauthorized" in refused.reason
        [failed] = events.of(StageFailed)
        assert failed.hint.startswith(f"log in with `buildah login {locked.host}`")
        assert_service_healthy(conn, "live", "hello", image=v1.pinned)
    finally:
        conn.close()


def test_a_broken_demo_build_leaves_the_demo_service_on_ready_pods(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text("FROM python:3.12-alpine\nCOPY app.py .\n"
                                    'CMD ["python", "app.py"]\n')
    (app / "app.py").write_text("print('v1')\n")
    spec = _pipeline(app, "demo", "demo: {demo: true, namespace: shop}")
    with running_demo(str(tmp_path)) as world:
        first = run(spec, "demo", Recorder(), _token(), demo=world)
        assert first.result == "success", first.reason
        [v1] = first.images
        conn = connect(world.kubeconfig)
        try:
            assert_service_healthy(conn, "shop", "hello", image=v1.pinned)
            (app / "Dockerfile").write_text("FROM python:3.12-alpine\nCOPY missing.py .\n")
            events = Recorder()
            broken = run(spec, "demo", events, _token(), demo=world)
            check_protocol(events)
            assert (broken.result, broken.failed_stage) == ("failed", "build")
            assert 'COPY source "missing.py" is not in the build context' in broken.reason
            assert_service_healthy(conn, "shop", "hello", image=v1.pinned)
        finally:
            conn.close()


def _token() -> CancelToken:
    return CancelToken()
