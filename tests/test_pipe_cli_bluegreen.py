"""`kubedeck pipeline promote|abort|rollback|status` through the installed CLI against the
simulated cluster of this test process: a gated blue-green release promoted by hand, a
release aborted, a rollback to the previous colour — the live Service checked on ready pods
of the expected image after each — and the usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from test_pipe_cli_run import env_for, kubedeck, service_on_ready_pods, set_image, sim_app

BLUEGREEN = "  strategy: bluegreen\n  bluegreen: {autoPromote: false, scaleDownDelay: 0s}\n"


def bluegreen_app(folder: Path, app: str, namespace: str, image: str) -> Path:
    sim_app(folder, app=app, namespace=namespace, image=image)
    path = folder / "kubedeck.yaml"
    path.write_text(path.read_text().replace("deploy: {timeout: 60s}\n",
                                             "deploy:\n  timeout: 60s\n" + BLUEGREEN))
    return folder


def status(app: Path, env: dict) -> dict:
    proc = kubedeck("pipeline", "status", "--json", cwd=app, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def step(app: Path, env: dict, *args: str) -> dict:
    proc = kubedeck("pipeline", *args, "--ci", "--json", cwd=app, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_promote_abort_and_rollback_by_hand(tmp_path: Path, sim_kubeconfig: Path):
    ns, name = "p4-bg", "shop"
    app = bluegreen_app(tmp_path / "app", name, ns, "nginx:1")
    env = env_for(tmp_path, sim_kubeconfig)

    assert step(app, env, "run")["result"] == "success"
    state = status(app, env)
    assert state["state"]["kubedeck.dev/rollout-state"] == "verifying"
    assert state["colors"]["blue"] == [{"name": "shop-blue", "replicas": 2, "ready": 2}]
    promoted = step(app, env, "promote")
    assert (promoted["strategy"], promoted["result"]) == ("bluegreen", "success")
    assert "promote" in promoted["timings"]
    assert status(app, env)["selects"] == "blue"
    service_on_ready_pods(sim_kubeconfig, ns, name, "nginx:1")

    set_image(app, "nginx:2")
    step(app, env, "run")
    assert status(app, env)["state"]["kubedeck.dev/target-color"] == "green"
    step(app, env, "abort")
    after_abort = status(app, env)
    assert after_abort["selects"] == "blue"
    assert after_abort["state"]["kubedeck.dev/rollout-state"] == "aborted"
    assert after_abort["colors"]["green"][0]["replicas"] == 0
    service_on_ready_pods(sim_kubeconfig, ns, name, "nginx:1")

    set_image(app, "nginx:3")
    step(app, env, "run")
    step(app, env, "promote")
    service_on_ready_pods(sim_kubeconfig, ns, name, "nginx:3")
    step(app, env, "rollback")
    back = status(app, env)
    assert back["selects"] == "blue"
    assert back["state"]["kubedeck.dev/rollout-state"] == "rolledback"
    service_on_ready_pods(sim_kubeconfig, ns, name, "nginx:1")
    human = kubedeck("pipeline", "status", cwd=app, env=env)
    assert human.stdout.splitlines()[0].startswith(f"{name} in namespace {ns}: live colour blue")


def test_promote_with_nothing_to_promote_fails_in_one_line(tmp_path: Path,
                                                           sim_kubeconfig: Path):
    app = bluegreen_app(tmp_path / "app", "idle", "p4-idle", "nginx:1")
    spec = app / "kubedeck.yaml"
    spec.write_text(spec.read_text().replace("autoPromote: false", "autoPromote: true"))
    env = env_for(tmp_path, sim_kubeconfig)
    assert step(app, env, "run")["result"] == "success"  # promoted at once
    proc = kubedeck("pipeline", "promote", "--ci", "--json", cwd=app, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["failed_stage"] == "deploy"
    assert summary["reason"].startswith('nothing to promote for app "idle" in namespace '
                                        '"p4-idle"')
    assert "Traceback" not in proc.stderr


def test_blue_green_commands_refuse_a_rolling_pipeline(tmp_path: Path, sim_kubeconfig: Path):
    app = sim_app(tmp_path / "app", app="roll", namespace="p4-roll", image="nginx:1")
    for command in ("promote", "abort", "rollback", "status"):
        proc = kubedeck("pipeline", command, cwd=app, env=env_for(tmp_path, sim_kubeconfig))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stderr.strip() == (
            f"error: {command} is for blue-green deploys, and kubedeck.yaml deploys roll with "
            "deploy.strategy rolling - set deploy.strategy: bluegreen")
