"""`kubedeck rollout status` against the simulated server, line by line next to kubectl's.

The cluster runs on a ManualClock: both commands start on the same state, then the test steps
the controllers forward, so both watches see the same sequence of updates.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig
from kubedeck.fake.store import ManualClock

pytestmark = pytest.mark.integration

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")
KUBECTL = shutil.which("kubectl")


class World:
    def __init__(self, tmp: Path) -> None:
        self.cluster = FakeCluster(ManualClock(), ready_delay=2.0)
        self.cluster.step()
        self.server = serve(self.cluster, 0, bookmark_interval=0.5)
        self.kubeconfig = write_kubeconfig(tmp / "kubeconfig", self.server)
        self.env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), "HOME": str(tmp),
                    "XDG_CACHE_HOME": str(tmp / "cache")}
        self.lock = threading.Lock()

    def create(self, plural: str, obj: dict, group: str | None = None) -> dict:
        with self.lock:
            created = self.cluster.create(self.cluster.type_for(plural, group), obj)
            self.cluster.step()
            return created

    def step(self, seconds: float) -> None:
        with self.lock:
            self.cluster.step(seconds)

    def close(self) -> None:
        self.server.stop()
        self.cluster.stop()


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.close()


def statefulset(name: str, replicas: int, image: str = "postgres:16", **strategy) -> dict:
    labels = {"app": name}
    spec: dict = {"replicas": replicas, "serviceName": name,
                  "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"containers": [{"name": "main", "image": image}]}}}
    if strategy:
        spec["updateStrategy"] = strategy
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def daemonset(name: str, strategy: str = "RollingUpdate") -> dict:
    labels = {"app": name}
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"matchLabels": labels}, "updateStrategy": {"type": strategy},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}}}


def start(argv: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def first_line(proc: subprocess.Popen) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline()


def finish(proc: subprocess.Popen, first: str) -> tuple[int, list[str], str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, [first, *out.splitlines(keepends=True)], err


def side_by_side(world: World, args: list[str], steps: list[float]) -> tuple[int, list[str], str]:
    """Run kubedeck and kubectl on the same object, step the controllers, and check both
    print the same lines and exit the same way; returns kubedeck's result."""
    procs = [start([KUBEDECK, *args], world.env)]
    if KUBECTL:
        procs.append(start([KUBECTL, *args], world.env))
    firsts = [first_line(p) for p in procs]
    for seconds in steps:
        world.step(seconds)
        time.sleep(0.05)  # let both watches deliver the step's updates in order
    results = [finish(p, f) for p, f in zip(procs, firsts, strict=True)]
    ours = results[0]
    assert "Traceback" not in ours[2]
    if KUBECTL:
        assert results[1][:3] == ours[:3], (ours, results[1])
    return ours


def test_statefulset_rollout_to_completion(world):
    world.create("statefulsets", statefulset("db", 3), "apps")
    code, lines, err = side_by_side(world, ["rollout", "status", "statefulset/db"], [1.0] * 20)
    assert code == 0 and err == ""
    assert lines[0] == "Waiting for 3 pods to be ready...\n"
    # the API server defaults rollingUpdate.partition to 0, so kubectl reports a partitioned
    # roll out even for a plain StatefulSet
    assert lines == ["Waiting for 3 pods to be ready...\n", "Waiting for 2 pods to be ready...\n",
                     "Waiting for 1 pods to be ready...\n",
                     "partitioned roll out complete: 3 new pods have been updated...\n"]


def test_statefulset_partitioned(world):
    world.create("statefulsets", statefulset("part", 2, type="RollingUpdate",
                                             rollingUpdate={"partition": 1}), "apps")
    code, lines, _ = side_by_side(world, ["rollout", "status", "sts", "part"], [1.0] * 15)
    assert code == 0
    assert lines[-1].startswith("partitioned roll out complete: ")


def test_daemonset_rollout(world):
    world.create("daemonsets", daemonset("agent"), "apps")
    code, lines, err = side_by_side(world, ["rollout", "status", "ds/agent"], [1.0] * 10)
    assert (code, err) == (0, "")
    assert lines[-1] == 'daemon set "agent" successfully rolled out\n'


def test_watch_false_prints_once(world):
    world.create("statefulsets", statefulset("once", 2), "apps")
    code, lines, err = side_by_side(world, ["rollout", "status", "sts/once", "--watch=false"], [])
    assert (code, lines, err) == (0, ["Waiting for 2 pods to be ready...\n"], "")


def test_timeout(world):
    world.create("statefulsets", statefulset("slow", 2), "apps")
    code, lines, err = side_by_side(world, ["rollout", "status", "sts/slow", "--timeout=1s"], [])
    assert code == 1
    assert lines == ["Waiting for 2 pods to be ready...\n"]
    assert err == "error: timed out waiting for the condition\n"


@pytest.mark.parametrize(("args", "error"), [
    (["rollout", "status", "ds/ondelete"],
     "error: rollout status is only available for RollingUpdate strategy type\n"),
    (["rollout", "status", "sts/nope"],
     'Error from server (NotFound): statefulsets.apps "nope" not found\n'),
    (["rollout", "status", "cm/kube-root-ca.crt"],
     "error: no status viewer has been implemented for ConfigMap\n"),
])
def test_errors_like_kubectl(world, args, error):
    # kube-root-ca.crt: the ConfigMap every namespace gets
    world.create("daemonsets", daemonset("ondelete", "OnDelete"), "apps")
    procs = [start([KUBEDECK, *args], world.env)]
    if KUBECTL:
        procs.append(start([KUBECTL, *args], world.env))
    results = [(p.communicate(timeout=60), p.returncode) for p in procs]
    (out, err), code = results[0]
    assert (code, out, err) == (1, "", error)
    if KUBECTL:
        (k_out, k_err), k_code = results[1]
        assert (k_code, k_out, k_err) == (1, "", error)


def test_deleted_while_watching(world):
    world.create("statefulsets", statefulset("gone", 2, image="never-ready:1"), "apps")
    proc = start([KUBEDECK, "rollout", "status", "sts/gone"], world.env)
    assert first_line(proc) == "Waiting for 2 pods to be ready...\n"
    with world.lock:
        world.cluster.delete(world.cluster.type_for("statefulsets"), "default", "gone")
        world.cluster.step()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and err == "error: object has been deleted\n"


def deployment(name: str, replicas: int, image: str, **spec) -> dict:
    labels = {"app": name}
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": image}]}},
                     **spec}}


def settle(world: World, seconds: float = 30.0) -> None:
    for _ in range(int(seconds)):
        world.step(1.0)


def set_image(world: World, name: str, image: str) -> None:
    with world.lock:
        rt = world.cluster.type_for("deployments")
        obj = world.cluster.get(rt, "default", name)
        new = {**obj, "spec": {**obj["spec"], "template": {
            **obj["spec"]["template"], "spec": {"containers": [{"name": "web", "image": image}]}}}}
        world.cluster.update(rt, new)
        world.cluster.step()


def test_deployment_rollout_to_completion(world):
    world.create("deployments", deployment("web", 3, "nginx:1.27"), "apps")
    code, lines, err = side_by_side(world, ["rollout", "status", "deploy/web"], [1.0] * 20)
    assert (code, err) == (0, "")
    assert lines[-1] == 'deployment "web" successfully rolled out\n'
    assert any(line.startswith('Waiting for deployment "web" rollout to finish: ')
               for line in lines)


def test_deployment_rolling_update_and_revision_pin(world):
    world.create("deployments", deployment("api", 3, "api:1"), "apps")
    settle(world)
    set_image(world, "api", "api:2")
    code, lines, _ = side_by_side(world, ["rollout", "status", "deployment.apps/api",
                                          "--revision=2"], [1.0] * 30)
    assert code == 0
    assert lines[-1] == 'deployment "api" successfully rolled out\n'
    assert any("old replicas are pending termination" in line or "new replicas have been updated"
               in line for line in lines)
    code, lines, err = side_by_side(world, ["rollout", "status", "deploy/api", "--revision=1"], [])
    assert (code, err) == (1, "error: desired revision (1) is different from the running "
                              "revision (2)\n")


def test_deployment_progress_deadline_exceeded(world):
    world.create("deployments", deployment("broken", 2, "registry.example/fail-pull:1",
                                           progressDeadlineSeconds=10), "apps")
    code, lines, err = side_by_side(world, ["rollout", "status", "deploy/broken"], [1.0] * 25)
    assert code == 1
    assert err == 'error: deployment "broken" exceeded its progress deadline\n'
    assert lines[0].startswith('Waiting for deployment "broken" rollout to finish: ')


def test_interrupt_exits_130_quietly(world):
    world.create("statefulsets", statefulset("waiting", 2), "apps")
    proc = start([KUBEDECK, "rollout", "status", "sts/waiting"], world.env)
    assert first_line(proc) == "Waiting for 2 pods to be ready...\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, "", "")
