"""Which pod states fail a rollout early, and which are left to the deadline (pure)."""

from __future__ import annotations

import pytest

from pipelines.diagnose import diagnose


def pod(*, waiting=None, terminated=None, last=None, restarts=0, conditions=(),
        init=False, deleting=False) -> dict:
    state = {}
    if waiting:
        state["waiting"] = {"reason": waiting[0], "message": waiting[1]}
    if terminated:
        state["terminated"] = terminated
    cs = {"name": "app", "state": state or {"running": {}}, "restartCount": restarts,
          "lastState": {"terminated": last} if last else {}}
    meta = {"name": "web-1"}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    key = "initContainerStatuses" if init else "containerStatuses"
    return {"metadata": meta, "status": {"conditions": list(conditions), key: [cs]}}


@pytest.mark.parametrize("reason", ["ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                                    "CrashLoopBackOff", "RunContainerError",
                                    "CreateContainerConfigError", "CreateContainerError"])
def test_fatal_waiting_reasons(reason):
    found = diagnose(pod(waiting=(reason, "detail  of\nit"), restarts=1))
    assert found is not None and found.reason == reason and found.container == "app"
    assert found.message == "detail of it"
    assert found.summary() == f'pod "web-1" container "app" {reason}: detail of it'
    pulled = reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName")
    assert found.ran is not pulled


@pytest.mark.parametrize("reason", ["ContainerCreating", "PodInitializing"])
def test_slow_starts_are_not_failures(reason):
    assert diagnose(pod(waiting=(reason, ""))) is None


def test_running_pod_is_fine():
    assert diagnose(pod()) is None


def test_non_zero_exit_now_or_before_a_restart():
    now = diagnose(pod(terminated={"exitCode": 2, "reason": "Error"}))
    assert now is not None and now.reason == "Error" and now.message == "exited with code 2"
    assert now.ran and not now.previous
    before = diagnose(pod(last={"exitCode": 137, "reason": "OOMKilled"}, restarts=1))
    assert before is not None and before.reason == "OOMKilled" and before.previous


def test_clean_exit_is_not_a_failure():
    assert diagnose(pod(terminated={"exitCode": 0, "reason": "Completed"})) is None


def test_crash_loop_logs_come_from_the_previous_instance():
    found = diagnose(pod(waiting=("CrashLoopBackOff", "back-off 10s"), restarts=2))
    assert found is not None and found.previous


def test_unschedulable():
    cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient cpu."}
    found = diagnose(pod(conditions=[cond]))
    assert found is not None and found.reason == "Unschedulable" and not found.ran
    assert "3 Insufficient cpu" in found.summary()
    assert "no node can run the pod" in found.hint()


def test_init_container_failures_count():
    found = diagnose(pod(waiting=("CrashLoopBackOff", "x"), restarts=1, init=True))
    assert found is not None and found.reason == "CrashLoopBackOff"


def test_terminating_pods_are_ignored():
    assert diagnose(pod(waiting=("ErrImagePull", "x"), deleting=True)) is None
