"""Scripted deploy jobs for the deploy screen's tests: a DeployJob whose `execute=` emits a
realistic event sequence in phases, each released by the test, on a clock the test owns;
and objects in a demo world that look like an app mid-rollout (old and new pods)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from pipe_run_support import write_pipeline

from kubedeck.fake.store import clone
from pipelines.bluegreen_state import APP_LABEL, COLOR_LABEL, State
from pipelines.events import (
    CancelToken,
    Event,
    ImageResult,
    LogLine,
    Rendered,
    RunFinished,
    RunSummary,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)
from pipelines.history import RunHistory
from pipelines.job import DeployJob, RunRequest, plan

NAMESPACE = "hello"
REPOSITORY = "localhost:5000/apps/hello"
OLD_DIGEST = "sha256:" + "0a" * 32
NEW_DIGEST = "sha256:" + "7f" * 32
OLD_IMAGE = f"{REPOSITORY}:v1@{OLD_DIGEST}"
NEW_IMAGE = f"{REPOSITORY}:v2@{NEW_DIGEST}"
NEW = ImageResult("hello", REPOSITORY, "v2", NEW_DIGEST)
DIFF = """\
diff -u -N LIVE/apps.v1.Deployment.hello.hello MERGED/apps.v1.Deployment.hello.hello
--- LIVE/apps.v1.Deployment.hello.hello
+++ MERGED/apps.v1.Deployment.hello.hello
@@ -20,7 +20,7 @@
       containers:
-      - image: localhost:5000/apps/hello:v1@sha256:0a0a
+      - image: localhost:5000/apps/hello:v2@sha256:7f7f
         name: hello
"""
CRASH_LOGS = ("Traceback (most recent call last):", '  File "/app.py", line 3, in <module>',
              "KeyError: 'PORT'")


class Clock:
    """The job's clock: the script moves it, so every time the screen shows is fixed."""

    def __init__(self, now: float = 1000.0) -> None:
        self.start = now
        self.now = now

    def __call__(self) -> float:
        return self.now


Phase = Sequence[tuple[float, Event]]  # (seconds since the start, event)


class Script:
    """An `execute` for DeployJob: emits `phases[0]`, waits until the test calls
    `release()`, emits the next phase, and so on. A cancel while it waits ends the run
    the way the runner does (the open stage fails "cancelled", the run is cancelled). The
    first `deaf` waits ignore a cancel, like a stage busy in one long step."""

    def __init__(self, clock: Clock, phases: Sequence[Phase], app: str = "hello",
                 target: str = "web", strategy: str = "rolling", deaf: int = 0) -> None:
        self.clock = clock
        self.deaf = deaf
        self.phases = list(phases)
        self.gates = [threading.Event() for _ in self.phases[1:]]
        self.released = 0
        self.app, self.target, self.strategy = app, target, strategy
        self.open: list[str] = []

    def release(self) -> None:
        self.gates[self.released].set()
        self.released += 1

    def __call__(self, spec, target, *args, **kwargs) -> None:
        emit, cancel = args[-2], args[-1]
        for number, phase in enumerate(self.phases):
            for at, event in phase:
                self.clock.now = self.clock.start + at
                self._track(event)
                emit(event)
            if number < len(self.gates) and not self._wait(self.gates[number], cancel,
                                                           number >= self.deaf):
                self._cancelled(emit)
                return

    def _track(self, event: Event) -> None:
        if isinstance(event, StageStarted):
            self.open.append(event.stage)
        elif isinstance(event, StageFinished | StageFailed) and event.stage in self.open:
            self.open.remove(event.stage)

    def _wait(self, gate: threading.Event, cancel: CancelToken, hears: bool) -> bool:
        """False when the run was cancelled while waiting (a condition, not a sleep: the
        short timeout only lets it look at both events)."""
        deadline = time.monotonic() + 60
        while not gate.wait(0.02):
            if hears and cancel.cancelled:
                return False
            if time.monotonic() > deadline:
                raise RuntimeError("the test never released this phase")
        return not (hears and cancel.cancelled)

    def _cancelled(self, emit) -> None:
        self.clock.now += 0.5
        for stage in reversed(self.open):
            emit(StageFailed(stage, 0.5, "cancelled"))
        emit(RunFinished(RunSummary(self.app, self.target, self.strategy, "cancelled",
                                    failed_stage=self.open[-1] if self.open else None,
                                    reason="cancelled by the user",
                                    seconds=self.clock.now - self.clock.start)))


def deployment_doc(name: str = "hello", image: str = NEW_IMAGE) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "hello"}},
                     "template": {"metadata": {"labels": {"app": "hello"}},
                                  "spec": {"containers": [{"name": "hello", "image": image}]}}}}


def service_doc() -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "hello", "namespace": NAMESPACE},
            "spec": {"selector": {"app": "hello"}, "ports": [{"port": 80}]}}


def built_and_rendered() -> list[Phase]:
    """Build (output, progress), push, render (the manifests and their diff): two phases."""
    return [
        [(0.0, StageStarted("build", "buildah")),
         (0.1, LogLine("build", f"building hello as {REPOSITORY}:v2 with buildah", "buildah")),
         (0.4, LogLine("build", "STEP 1/3: FROM busybox:1.36", "buildah")),
         (0.9, LogLine("build", "STEP 2/3: COPY app.py /app.py", "buildah")),
         (1.0, StageProgress("build", "0/1 images", 0.0))],
        [(2.0, LogLine("build", "STEP 3/3: CMD [\"python\", \"/app.py\"]", "buildah")),
         (2.1, StageProgress("build", "1/1 images", 1.0)),
         (2.2, StageFinished("build", 2.2, "1 image(s) built")),
         (2.2, StageStarted("push", "localhost:5000/apps")),
         (2.6, LogLine("push", f"hello: {NEW.pinned}", "oci")),
         (2.7, StageProgress("push", "1/1 images", 1.0)),
         (2.7, StageFinished("push", 0.5, "1 image(s) pushed")),
         (2.7, StageStarted("render", "webapp")),
         (2.8, LogLine("render", "Deployment/hello")),
         (2.8, LogLine("render", "Service/hello")),
         (2.9, Rendered("render", (deployment_doc(), service_doc()), (NEW,), DIFF)),
         (2.9, StageFinished("render", 0.2))],
    ]


def rolling_to_failure() -> list[Phase]:
    """A rolling run whose rollout is diagnosed as a crash loop, in four phases: build
    output | push, render, deploy, rollout at 25% | the failure with the pod's last log."""
    build, render = built_and_rendered()
    rollout = [
        (3.0, StageStarted("deploy", "rolling")),
        (3.1, LogLine("deploy", "deployment.apps/hello serverside-applied")),
        (3.2, StageFinished("deploy", 0.2, "2 object(s) applied")),
        (3.2, StageStarted("rollout", "hello")),
        (3.5, LogLine("rollout", 'Waiting for deployment "hello" rollout to finish: 1 out '
                                 "of 2 new replicas have been updated...", "rollout")),
        (3.5, StageProgress("rollout", "hello: 1/2 updated, 0 available", 0.25)),
    ]
    reason = 'deployment "hello" rollout failed: pod hello-7c9d-x2x4k is in CrashLoopBackOff'
    hint = "look at the container's last log lines below; fix the app and deploy again"
    failure = [
        (9.5, StageFailed("rollout", 6.3, reason, hint, CRASH_LOGS)),
        (9.6, RunFinished(RunSummary("hello", "web", "rolling", "failed", images=(NEW,),
                                     failed_stage="rollout", reason=f"{reason} - {hint}",
                                     seconds=9.6))),
    ]
    return [build, render + rollout, failure]


def write_spec(folder: Path, *, strategy: str = "rolling") -> Path:
    extra = "deploy:\n  strategy: bluegreen\n" if strategy == "bluegreen" else ""
    return write_pipeline(folder, targets=f"web: {{context: kubedeck-demo, namespace: "
                                          f"{NAMESPACE}}}", extra=extra)


def scripted_job(folder: Path, world, script: Script, *, strategy: str = "rolling") -> DeployJob:
    """A job (not started) of the app in `folder` to `world`, run by `script`."""
    planned = plan(RunRequest(write_spec(folder, strategy=strategy)), current_context=None)
    return DeployJob(planned, kubeconfig=str(world.kubeconfig), execute=script,
                     clock=script.clock, history=RunHistory(folder / "runs"))


# -- objects in the world ----------------------------------------------------------------------

def create_namespace(cluster, name: str = NAMESPACE) -> None:
    cluster.create(cluster.type_for("namespaces"), {"metadata": {"name": name}})


def create(cluster, plural: str, doc: dict) -> dict:
    return cluster.create(cluster.type_for(plural), clone(doc))


def set_image(cluster, name: str, image: str) -> None:
    rt = cluster.type_for("deployments")
    live = clone(cluster.get(rt, NAMESPACE, name))
    live["spec"]["template"]["spec"]["containers"][0]["image"] = image
    cluster.update(rt, live)


def colored_deployment(color: str, image: str, replicas: int) -> dict:
    """`hello-<color>` as the blue-green deploy writes it (pipelines/bluegreen_docs.py)."""
    labels = {"app": "hello", COLOR_LABEL: color}
    return {"metadata": {"name": f"hello-{color}", "namespace": NAMESPACE,
                         "labels": {**labels, APP_LABEL: "hello"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "hello", "image": image}]}}}}


def bluegreen_mid_rollout(cluster) -> None:
    """Blue live with two ready pods of the old image; green, the new image, being rolled
    out (one pod ready, one starting); the Service on blue with the deploy's state."""
    create_namespace(cluster)
    create(cluster, "deployments", colored_deployment("blue", OLD_IMAGE, 2))
    cluster.step(0)
    cluster.step(5)
    create(cluster, "deployments", colored_deployment("green", NEW_IMAGE, 1))
    cluster.step(0)
    cluster.step(5)
    rt = cluster.type_for("deployments")
    green = clone(cluster.get(rt, NAMESPACE, "hello-green"))
    green["spec"]["replicas"] = 2
    cluster.update(rt, green)
    cluster.step(0)
    cluster.step(1)
    state = State(live="blue", state="deploying", previous="green", target="green",
                  digest=NEW_DIGEST, since="2026-11-22T10:00:00Z")
    create(cluster, "services", {
        "metadata": {"name": "hello", "namespace": NAMESPACE,
                     "annotations": state.annotations()},
        "spec": {"selector": {"app": "hello", COLOR_LABEL: "blue"}, "ports": [{"port": 80}]}})


def bluegreen_to_rollout() -> list[Phase]:
    """A blue-green run up to green's rollout at 50%, then (second phase) its end."""
    build, render = built_and_rendered()
    rollout = [
        (3.0, StageStarted("deploy", "bluegreen")),
        (3.1, LogLine("deploy", "deploy lock taken (lease \"kubedeck-hello\" in namespace "
                                "hello)")),
        (3.2, LogLine("deploy", "deployment.apps/hello-green serverside-applied")),
        (3.2, LogLine("deploy", "service/hello-preview serverside-applied")),
        (3.3, StageStarted("rollout", "hello-green")),
        (3.6, LogLine("rollout", 'Waiting for deployment "hello-green" rollout to finish: 1 '
                                 "out of 2 new replicas have been updated...", "rollout")),
        (4.8, LogLine("rollout", 'Waiting for deployment "hello-green" rollout to finish: 1 '
                                 "of 2 updated replicas are available...", "rollout")),
        (4.8, StageProgress("rollout", "hello-green: 1/2 updated, 1 available", 0.5)),
        (5.0, LogLine("bluegreen", "service/hello keeps serving blue while green rolls out",
                      "bluegreen")),
    ]
    end = [(6.0, RunFinished(RunSummary("hello", "web", "bluegreen", "failed",
                                        reason="stopped by the test", seconds=6.0)))]
    return [build + render + rollout, end]
