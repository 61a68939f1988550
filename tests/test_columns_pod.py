"""Pod NAME/READY/STATUS/RESTARTS(/wide) cells, one case per printPod rule.

Cases named `kubectl_...` reproduce kubectl's own printer tests (TestPrintPod,
TestPrintPodWithRestartableInitContainer, TestPrintPodwide); the others cover the remaining
rules of printPod with the objects a real cluster writes.
"""

from __future__ import annotations

import msgspec
import pytest

from kubedeck.fake.store import rfc3339
from kubedeck.kube.columns import cells, columns_for
from kubedeck.kube.decode import Pod, decode_object

NOW = 1_790_000_000.0


def ago(seconds: float) -> str:
    return rfc3339(NOW - seconds)


def running(ready: bool = True, restarts: int = 0, finished: float | None = None,
            name: str = "", started: bool | None = None) -> dict:
    status: dict = {"name": name, "ready": ready, "restartCount": restarts,
                    "state": {"running": {"startedAt": ago(60)}}}
    if finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": ago(finished)}}
    if started is not None:
        status["started"] = started
    return status


def waiting(reason: str = "", restarts: int = 0, name: str = "", finished: float | None = None,
            started: bool | None = None) -> dict:
    status: dict = {"name": name, "ready": False, "restartCount": restarts,
                    "state": {"waiting": {"reason": reason} if reason else {}}}
    if finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": ago(finished)}}
    if started is not None:
        status["started"] = started
    return status


def terminated(reason: str = "", exit_code: int = 0, signal: int = 0, restarts: int = 0,
               ready: bool = False, name: str = "", finished: float | None = None,
               started: bool | None = None) -> dict:
    term: dict = {"exitCode": exit_code}
    if reason:
        term["reason"] = reason
    if signal:
        term["signal"] = signal
    status: dict = {"name": name, "ready": ready, "restartCount": restarts,
                    "state": {"terminated": term}}
    if finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": ago(finished)}}
    if started is not None:
        status["started"] = started
    return status


def pod(name: str = "p", containers: int = 1, init: list[dict] | None = None,
        phase: str = "Running", reason: str = "", statuses: list[dict] | None = None,
        init_statuses: list[dict] | None = None, conditions: list[dict] | None = None,
        deleted: bool = False, created: float = 300, **extra_spec) -> dict:
    obj: dict = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                     "resourceVersion": "7", "creationTimestamp": ago(created)},
        "spec": {"containers": [{"name": f"c{i}", "image": "nginx"} for i in range(containers)],
                 **extra_spec},
        "status": {"phase": phase},
    }
    if init is not None:
        obj["spec"]["initContainers"] = init
    if reason:
        obj["status"]["reason"] = reason
    if statuses is not None:
        obj["status"]["containerStatuses"] = statuses
    if init_statuses is not None:
        obj["status"]["initContainerStatuses"] = init_statuses
    if conditions is not None:
        obj["status"]["conditions"] = conditions
    if deleted:
        obj["metadata"]["deletionTimestamp"] = ago(-30)
    return obj


def plain_init(n: int) -> list[dict]:
    return [{"name": f"init{i}", "image": "busybox"} for i in range(n)]


def sidecars(*names: str) -> list[dict]:
    return [{"name": n, "image": "envoy", "restartPolicy": "Always"} for n in names]


READY = {"type": "Ready", "status": "True"}
INITIALIZED = {"type": "Initialized", "status": "True"}
NOT_INITIALIZED = {"type": "Initialized", "status": "False"}

CASES = {
    "phase_when_no_container_reports": (
        pod(phase="Pending", statuses=[]), ["p", "0/1", "Pending", "0", "5m"]),
    "kubectl_restarts_summed_and_running_ready_counted": (
        pod(containers=2, phase="podPhase", statuses=[running(restarts=3), {"restartCount": 3}]),
        ["p", "1/2", "podPhase", "6", "5m"]),
    "kubectl_waiting_reason_overrides_phase": (
        pod(containers=2, phase="podPhase",
            statuses=[running(restarts=3), waiting("ContainerWaitingReason", restarts=3)]),
        ["p", "1/2", "ContainerWaitingReason", "6", "5m"]),
    "kubectl_first_container_reason_wins": (
        pod(containers=2, phase="podPhase",
            statuses=[waiting("ContainerWaitingReason", restarts=3),
                      terminated("ContainerTerminatedReason", restarts=3)]),
        ["p", "0/2", "ContainerWaitingReason", "6", "5m"]),
    "kubectl_ready_without_running_state_is_not_counted": (
        pod(containers=2, phase="podPhase",
            statuses=[running(restarts=3), {"ready": True, "restartCount": 3}]),
        ["p", "1/2", "podPhase", "6", "5m"]),
    "kubectl_pod_reason_overrides_phase": (
        pod(containers=2, phase="podPhase", reason="podReason",
            statuses=[running(restarts=3), {"ready": True, "restartCount": 3}]),
        ["p", "1/2", "podReason", "6", "5m"]),
    "evicted_pod_shows_status_reason": (
        pod(phase="Failed", reason="Evicted", statuses=[]), ["p", "0/1", "Evicted", "0", "5m"]),
    "kubectl_completed_but_running_without_ready_condition_is_not_ready": (
        pod(containers=2, statuses=[terminated("Completed", ready=True, restarts=3),
                                    running(restarts=3)]),
        ["p", "1/2", "NotReady", "6", "5m"]),
    "kubectl_completed_but_running_with_ready_condition_is_running": (
        pod(containers=2, conditions=[READY],
            statuses=[terminated("Completed", ready=True, restarts=3), running(restarts=3)]),
        ["p", "1/2", "Running", "6", "5m"]),
    "terminated_reason_overrides_phase": (
        pod(statuses=[terminated("OOMKilled", exit_code=137, restarts=2, finished=90)]),
        ["p", "0/1", "OOMKilled", "2 (90s ago)", "5m"]),
    "terminated_without_reason_shows_signal": (
        pod(statuses=[terminated(exit_code=143, signal=15)]),
        ["p", "0/1", "Signal:15", "0", "5m"]),
    "terminated_without_reason_or_signal_shows_exit_code": (
        pod(statuses=[terminated(exit_code=3)]), ["p", "0/1", "ExitCode:3", "0", "5m"]),
    "crash_loop_back_off_with_restarts_ago": (
        pod(statuses=[waiting("CrashLoopBackOff", restarts=5, finished=125)]),
        ["p", "0/1", "CrashLoopBackOff", "5 (2m5s ago)", "5m"]),
    "image_pull_back_off": (
        pod(phase="Pending", statuses=[waiting("ImagePullBackOff")]),
        ["p", "0/1", "ImagePullBackOff", "0", "5m"]),
    "kubectl_init_n_of_m_while_first_init_runs": (
        pod(init=plain_init(1), phase="podPhase",
            init_statuses=[running(ready=False, restarts=3, finished=10)],
            statuses=[waiting()]),
        ["p", "0/1", "Init:0/1", "3 (10s ago)", "5m"]),
    "kubectl_init_n_of_m_counts_the_running_init_only": (
        pod(init=plain_init(2), phase="podPhase",
            init_statuses=[running(ready=False, restarts=3, finished=10), waiting()],
            statuses=[waiting()]),
        ["p", "0/1", "Init:0/2", "3 (10s ago)", "5m"]),
    "kubectl_init_n_of_m_after_a_completed_init": (
        pod(init=plain_init(2), phase="podPhase",
            init_statuses=[terminated(), running(ready=False, restarts=3, finished=10)],
            statuses=[waiting()]),
        ["p", "0/1", "Init:1/2", "3 (10s ago)", "5m"]),
    "kubectl_init_restarts_summed_while_initializing": (
        pod(init=plain_init(2), phase="podPhase",
            init_statuses=[terminated(restarts=2, finished=120),
                           running(ready=False, restarts=3, finished=10)],
            statuses=[waiting()]),
        ["p", "0/1", "Init:1/2", "5 (10s ago)", "5m"]),
    "kubectl_init_restarts_dropped_once_initialized": (
        pod(init=plain_init(1), init_statuses=[terminated(restarts=2, finished=120)],
            statuses=[running(ready=False, restarts=4, finished=20)]),
        ["p", "0/1", "Running", "4 (20s ago)", "5m"]),
    "init_waiting_reason": (
        pod(init=plain_init(1), phase="Pending",
            init_statuses=[waiting("CrashLoopBackOff", restarts=4, finished=30)],
            statuses=[waiting("PodInitializing")]),
        ["p", "0/1", "Init:CrashLoopBackOff", "4 (30s ago)", "5m"]),
    "init_waiting_pod_initializing_counts_as_n_of_m": (
        pod(init=plain_init(1), phase="Pending", init_statuses=[waiting("PodInitializing")],
            statuses=[waiting("PodInitializing")]),
        ["p", "0/1", "Init:0/1", "0", "5m"]),
    "init_terminated_reason": (
        pod(init=plain_init(2), phase="Pending",
            init_statuses=[terminated("Error", exit_code=1), waiting("PodInitializing")],
            statuses=[waiting("PodInitializing")]),
        ["p", "0/1", "Init:Error", "0", "5m"]),
    "init_exit_code": (
        pod(init=plain_init(1), phase="Pending", init_statuses=[terminated(exit_code=2)],
            statuses=[waiting("PodInitializing")]),
        ["p", "0/1", "Init:ExitCode:2", "0", "5m"]),
    "init_signal": (
        pod(init=plain_init(1), phase="Pending",
            init_statuses=[terminated(exit_code=137, signal=9)],
            statuses=[waiting("PodInitializing")]),
        ["p", "0/1", "Init:Signal:9", "0", "5m"]),
    "init_failure_shown_even_when_initialized_condition_is_missing": (
        pod(init=plain_init(1), phase="Pending", conditions=[NOT_INITIALIZED],
            init_statuses=[terminated(exit_code=1, reason="Error")],
            statuses=[running()]),
        ["p", "0/1", "Init:Error", "0", "5m"]),
    "kubectl_restart_ago_in_days": (
        pod(statuses=[running(restarts=3, finished=5 * 86400)]),
        ["p", "1/1", "Running", "3 (5d ago)", "5m"]),
    "kubectl_restart_ago_from_the_one_container_that_restarted": (
        pod(containers=2, statuses=[running(), running(restarts=3, finished=10 * 86400)]),
        ["p", "2/2", "Running", "3 (10d ago)", "5m"]),
    "kubectl_restart_ago_is_the_latest_of_all_containers": (
        pod(containers=2, statuses=[running(restarts=6, finished=5 * 86400),
                                    running(restarts=3, finished=20 * 86400)]),
        ["p", "2/2", "Running", "9 (5d ago)", "5m"]),
    "kubectl_scheduling_gated": (
        pod(containers=2, phase="podPhase",
            conditions=[{"type": "PodScheduled", "status": "False",
                         "reason": "SchedulingGated"}]),
        ["p", "0/2", "SchedulingGated", "0", "5m"]),
    "kubectl_succeeded_pod_shows_completed": (
        pod(phase="Succeeded", statuses=[terminated("Completed")]),
        ["p", "0/1", "Completed", "0", "5m"]),
    "kubectl_failed_pod_shows_error": (
        pod(phase="Failed", statuses=[terminated("Error", exit_code=1)]),
        ["p", "0/1", "Error", "0", "5m"]),
    "kubectl_deleted_succeeded_pod_is_not_terminating": (
        pod(phase="Succeeded", deleted=True, statuses=[terminated("Completed")]),
        ["p", "0/1", "Completed", "0", "5m"]),
    "kubectl_deleted_running_pod_is_terminating": (
        pod(deleted=True, statuses=[running(ready=False)]),
        ["p", "0/1", "Terminating", "0", "5m"]),
    "kubectl_deleted_pending_pod_is_terminating": (
        pod(phase="Pending", deleted=True), ["p", "0/1", "Terminating", "0", "5m"]),
    "deleted_pod_on_lost_node_is_unknown": (
        pod(reason="NodeLost", deleted=True, statuses=[running()]),
        ["p", "1/1", "Unknown", "0", "5m"]),
    "node_lost_without_deletion_keeps_running_reason": (
        pod(reason="NodeLost", statuses=[running()]), ["p", "1/1", "NodeLost", "0", "5m"]),
    "kubectl_sidecar_running_but_not_started": (
        pod(init=sidecars("restartable-init-1", "restartable-init-2"), phase="Pending",
            init_statuses=[running(ready=False, restarts=3, finished=10,
                                   name="restartable-init-1", started=False),
                           waiting(name="restartable-init-2", started=False)],
            statuses=[waiting()], conditions=[NOT_INITIALIZED]),
        ["p", "0/3", "Init:0/2", "3 (10s ago)", "5m"]),
    "kubectl_sidecar_started_then_next_init_counts": (
        pod(init=sidecars("restartable-init-1", "restartable-init-2"), phase="Pending",
            init_statuses=[running(ready=False, restarts=3, finished=10,
                                   name="restartable-init-1", started=True),
                           running(ready=False, name="restartable-init-2", started=False)],
            statuses=[waiting()], conditions=[NOT_INITIALIZED]),
        ["p", "0/3", "Init:1/2", "3 (10s ago)", "5m"]),
    "kubectl_sidecar_restarts_count_after_initialization": (
        pod(init=sidecars("restartable-init-1", "restartable-init-2"),
            init_statuses=[running(ready=False, restarts=3, finished=10,
                                   name="restartable-init-1", started=True),
                           running(ready=False, name="restartable-init-2", started=True)],
            statuses=[running(restarts=4, finished=20)], conditions=[INITIALIZED]),
        ["p", "1/3", "Running", "7 (10s ago)", "5m"]),
    "sidecar_ready_counts_in_ready": (
        pod(init=sidecars("proxy"),
            init_statuses=[running(name="proxy", started=True)],
            statuses=[running()], conditions=[INITIALIZED, READY]),
        ["p", "2/2", "Running", "0", "5m"]),
    "kubectl_sidecars_terminated_with_error_after_completion": (
        pod(init=sidecars("restartable-init-1", "restartable-init-2"), phase="Succeeded",
            init_statuses=[terminated("Error", exit_code=137, restarts=3, finished=10,
                                      name="restartable-init-1", started=False),
                           terminated("Error", exit_code=137, name="restartable-init-2",
                                      started=False)],
            statuses=[terminated("Completed", restarts=4, finished=20)],
            conditions=[INITIALIZED]),
        ["p", "0/3", "Completed", "7 (10s ago)", "5m"]),
    "kubectl_statuses_for_unknown_containers": (
        pod(init=[{"name": "init1", "image": "i"}, *sidecars("sidecar1")],
            init_statuses=[{"name": "initinvalid"}, {"name": "init1"}, {"name": "sidecar1"}],
            statuses=[{"name": "containerinvalid"}, {"name": "c0"}]),
        ["p", "0/2", "Init:0/2", "0", "5m"]),
    "age_unknown_without_creation_timestamp": (
        {"metadata": {"name": "p"}, "spec": {"containers": [{}]}, "status": {"phase": "Pending"}},
        ["p", "0/1", "Pending", "0", "<unknown>"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_pod_cells(case: str) -> None:
    obj, expected = CASES[case]
    record = decode_object(Pod, msgspec.json.encode(obj))
    assert cells("", "Pod", record, NOW, wide=False) == expected


GATES = [{"conditionType": "condition1"}, {"conditionType": "condition2"},
         {"conditionType": "condition3"}]
GATE_CONDITIONS = [{"type": "condition1", "status": "False"},
                   {"type": "condition2", "status": "True"}]

WIDE_CASES = {
    "kubectl_ip_node_nominated_node_and_readiness_gates": (
        pod(containers=2, phase="podPhase", nodeName="test1", readinessGates=GATES,
            conditions=GATE_CONDITIONS,
            statuses=[running(restarts=3), {"restartCount": 3}])
        | {"status": {"phase": "podPhase", "podIPs": [{"ip": "1.1.1.1"}],
                      "nominatedNodeName": "node1", "conditions": GATE_CONDITIONS,
                      "containerStatuses": [running(restarts=3), {"restartCount": 3}]}},
        ["p", "1/2", "podPhase", "6", "5m", "1.1.1.1", "test1", "node1", "1/3"]),
    "kubectl_first_of_dual_stack_ips": (
        pod(nodeName="n1") | {"status": {"phase": "Running",
                                         "podIPs": [{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}],
                                         "podIP": "1.1.1.1"}},
        ["p", "0/1", "Running", "0", "5m", "1.1.1.1", "n1", "<none>", "<none>"]),
    "kubectl_none_when_unscheduled": (
        pod(containers=2, phase="podPhase",
            statuses=[running(restarts=3), waiting("ContainerWaitingReason", restarts=3)]),
        ["p", "1/2", "ContainerWaitingReason", "6", "5m", "<none>", "<none>", "<none>",
         "<none>"]),
    "pod_ip_without_pod_ips": (
        pod(nodeName="n1") | {"status": {"phase": "Running", "podIP": "10.0.0.7"}},
        ["p", "0/1", "Running", "0", "5m", "10.0.0.7", "n1", "<none>", "<none>"]),
}


@pytest.mark.parametrize("case", list(WIDE_CASES))
def test_pod_wide_cells(case: str) -> None:
    obj, expected = WIDE_CASES[case]
    record = decode_object(Pod, msgspec.json.encode(obj))
    assert cells("", "Pod", record, NOW, wide=True) == expected


def test_pod_headers_narrow_and_wide() -> None:
    assert [c.header for c in columns_for("", "Pod", wide=False)] == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [c.header for c in columns_for("", "Pod")] == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
        "READINESS GATES"]
