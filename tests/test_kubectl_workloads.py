"""kubectl driving workloads on the simulated cluster with its controllers running: rollout
status / undo, and pod logs (tail, timestamps, follow, previous)."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

pytestmark = pytest.mark.integration

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: {image}
"""


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed: {result.stderr}"
    return result.stdout


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def pod(sim_server, name: str, image: str, command: list[str] | None = None,
        restart: str = "Always") -> None:
    container: dict = {"name": "main", "image": image}
    if command:
        container["command"] = command
    sim_server.cluster.create(sim_server.cluster.type_for("pods"), {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [container], "restartPolicy": restart}})


def pod_status(sim_kubectl, name: str) -> dict:
    return json.loads(ok(sim_kubectl("get", "pod", name, "-o", "json"))).get("status") or {}


def running(sim_kubectl, name: str) -> bool:
    return pod_status(sim_kubectl, name).get("phase") == "Running"


def test_rollout_status_then_undo(sim_kubectl, tmp_path):
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOYMENT.format(name="roll", image="nginx:1.26"))
    ok(sim_kubectl("apply", "-f", str(manifest)))
    out = ok(sim_kubectl("rollout", "status", "deployment/roll", "--timeout=60s"))
    assert out.splitlines()[-1] == 'deployment "roll" successfully rolled out'
    ok(sim_kubectl("set", "image", "deployment/roll", "web=nginx:1.27"))
    out = ok(sim_kubectl("rollout", "status", "deployment/roll", "--timeout=60s"))
    assert out.splitlines()[-1] == 'deployment "roll" successfully rolled out'
    assert ok(sim_kubectl("rollout", "undo", "deployment/roll")).strip() == (
        "deployment.apps/roll rolled back")
    ok(sim_kubectl("rollout", "status", "deployment/roll", "--timeout=60s"))
    image = ok(sim_kubectl("get", "deploy", "roll", "-o",
                           "jsonpath={.spec.template.spec.containers[0].image}"))
    assert image == "nginx:1.26"
    history = ok(sim_kubectl("rollout", "history", "deployment/roll")).split()
    assert history[history.index("CHANGE-CAUSE") + 1:] == ["2", "<none>", "3", "<none>"]


def test_rollout_status_without_watch_reports_progress(sim_kubectl, tmp_path):
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOYMENT.format(name="stuck", image="registry.local/app:fail-pull"))
    ok(sim_kubectl("apply", "-f", str(manifest)))
    result = sim_kubectl("rollout", "status", "deployment/stuck", "--watch=false")
    assert result.returncode == 0
    assert result.stdout.startswith('Waiting for deployment "stuck" rollout to finish')


def test_logs_tail_and_timestamps(sim_server, sim_kubectl):
    pod(sim_server, "logger", "nginx:1.27")
    wait_for(lambda: running(sim_kubectl, "logger"), what="pod logger running")
    lines = ok(sim_kubectl("logs", "logger", "--tail=2")).splitlines()
    assert len(lines) == 2
    stamped = ok(sim_kubectl("logs", "logger", "--tail=1", "--timestamps")).splitlines()
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ", stamped[0])
    assert stamped[0].split(" ", 1)[1] == lines[-1]


def test_logs_follow_streams_until_stopped(sim_server, sim_kubectl, sim_kubeconfig):
    pod(sim_server, "follower", "nginx:1.27")
    wait_for(lambda: running(sim_kubectl, "follower"), what="pod follower running")
    total = len(ok(sim_kubectl("logs", "follower")).splitlines())
    assert total >= 3
    proc = subprocess.Popen(["kubectl", "--kubeconfig", str(sim_kubeconfig), "logs", "-f",
                             "follower"], stdout=subprocess.PIPE, text=True)
    try:
        first = [proc.stdout.readline() for _ in range(3)]
        assert all(line.endswith("\n") for line in first)
        assert proc.poll() is None  # still following
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_logs_follow_ends_with_the_container(sim_server, sim_kubectl):
    pod(sim_server, "oneshot", "busybox:1.36", command=["sh", "-c", "echo done"],
        restart="Never")
    wait_for(lambda: pod_status(sim_kubectl, "oneshot").get("phase") in ("Running",
                                                                          "Succeeded"),
             what="oneshot started")
    result = sim_kubectl("logs", "-f", "oneshot", timeout=60)
    assert result.returncode == 0, result.stderr


def test_logs_previous_of_a_crashing_container(sim_server, sim_kubectl):
    pod(sim_server, "crasher", "registry.local/worker:crashloop")

    def restarted() -> bool:
        statuses = pod_status(sim_kubectl, "crasher").get("containerStatuses") or [{}]
        return statuses[0].get("restartCount", 0) >= 1

    wait_for(restarted, what="a restart of crasher")
    previous = ok(sim_kubectl("logs", "crasher", "--previous"))
    assert previous.strip()
    pod(sim_server, "steady", "nginx:1.27")
    wait_for(lambda: running(sim_kubectl, "steady"), what="pod steady running")
    result = sim_kubectl("logs", "steady", "--previous")
    assert result.returncode == 1
    assert 'previous terminated container "main" in pod "steady" not found' in result.stderr
