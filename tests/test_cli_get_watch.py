"""`kubedeck get --watch` prints the same rows as `kubectl get --watch` for the same changes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig

pytestmark = pytest.mark.integration

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")
KUBECTL = shutil.which("kubectl")
DAYS = 3 * 86400.0


@pytest.fixture
def world(tmp_path):
    cluster = FakeCluster()
    cluster.clock.advance(-DAYS)
    labels = {"app": "web"}
    cluster.create(cluster.type_for("deployments"), {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}})
    cluster.step(DAYS)
    running = serve(cluster, 0)
    cluster.start()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", running)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    yield cluster, env, tmp_path
    running.stop()
    cluster.stop()


def wait_until(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_watch_prints_each_change_like_kubectl(world):
    cluster, env, tmp = world
    argv = ["get", "deploy", "-w"]
    outputs = {"kubedeck": tmp / "kubedeck.out"}
    if KUBECTL:
        outputs["kubectl"] = tmp / "kubectl.out"
    procs = {}
    for name, path in outputs.items():
        exe = KUBEDECK if name == "kubedeck" else KUBECTL
        procs[name] = subprocess.Popen([exe, *argv], env=env, stdout=path.open("w"),
                                       stderr=subprocess.PIPE, text=True)
    try:
        for path in outputs.values():
            wait_until(lambda p=path: p.read_text().count("\n") >= 2)
        rt = cluster.type_for("deployments")
        live = cluster.get(rt, "default", "web")
        cluster.update(rt, {**live, "spec": {**live["spec"], "replicas": 3}})
        wait_until(lambda: (cluster.get(rt, "default", "web").get("status") or {}).get(
            "availableReplicas") == 3)
        expect_last = "web    3/3     3            3           3d"
        for path in outputs.values():
            wait_until(lambda p=path: p.read_text().splitlines()[-1] == expect_last)
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    ours = outputs["kubedeck"].read_text()
    assert ours.startswith("NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"
                           "web    1/1     1            1           3d\n")
    assert procs["kubedeck"].returncode == 130
    assert "Traceback" not in procs["kubedeck"].stderr.read()
    if KUBECTL:
        assert ours == outputs["kubectl"].read_text()


def test_watch_refuses_several_kinds(world):
    _, env, _ = world
    proc = subprocess.run([KUBEDECK, "get", "deploy,svc", "-w"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == ("error: watch is only supported on individual resources and resource "
                           "collections - more than 1 resource was found\n")
