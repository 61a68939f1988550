"""Jobs run their pods to completion or to failure, with status as the 1.31 controller."""

from __future__ import annotations

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.controllers.jobs import compress_indexes
from kubedeck.fake.store import ManualClock, clone, rfc3339


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(ManualClock(), ready_delay=2.0)


def _job(name: str, image: str = "busybox:1.36", restart: str = "Never",
         command: list[str] | None = None, **spec) -> dict:
    container = {"name": "main", "image": image,
                 "command": command or ["sh", "-c", "echo done; sleep 5"]}
    return {"metadata": {"name": name},
            "spec": {"template": {"spec": {"restartPolicy": restart,
                                           "containers": [container]}}, **spec}}


def _get(cluster: FakeCluster, name: str) -> dict:
    return cluster.get(cluster.type_for("jobs"), "default", name)


def _pods(cluster: FakeCluster, job: str) -> list[dict]:
    return cluster.list(cluster.type_for("pods"), "default",
                        label_selector=f"batch.kubernetes.io/job-name={job}")[0]


def _conditions(job: dict) -> list[tuple[str, str, str, str]]:
    return [(c["type"], c["status"], c.get("reason", ""), c.get("message", ""))
            for c in (job.get("status") or {}).get("conditions") or ()]


def test_job_runs_to_completion(cluster: FakeCluster) -> None:
    start = cluster.clock.now()
    cluster.create(cluster.type_for("jobs"), _job("pi", completions=3, parallelism=2))
    cluster.step(0.0)
    job = _get(cluster, "pi")
    assert job["status"] == {"startTime": rfc3339(start), "active": 2, "ready": 0,
                             "terminating": 0, "uncountedTerminatedPods": {}}
    pods = _pods(cluster, "pi")
    assert len(pods) == 2
    uid = job["metadata"]["uid"]
    for pod in pods:
        labels = pod["metadata"]["labels"]
        assert labels["batch.kubernetes.io/controller-uid"] == uid
        assert labels["controller-uid"] == uid and labels["job-name"] == "pi"
        assert pod["metadata"]["name"].startswith("pi-")
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "Job"
    cluster.step(3.0)
    assert _get(cluster, "pi")["status"]["ready"] == 2
    for _ in range(40):
        cluster.step(1.0)
        if any(c[0] == "Complete" for c in _conditions(_get(cluster, "pi"))):
            break
    job = _get(cluster, "pi")
    message = "Reached expected number of succeeded pods"
    assert _conditions(job) == [("SuccessCriteriaMet", "True", "CompletionsReached", message),
                                ("Complete", "True", "CompletionsReached", message)]
    assert job["status"]["succeeded"] == 3
    assert "active" not in job["status"] and "failed" not in job["status"]
    assert job["status"]["completionTime"] >= job["status"]["startTime"]
    finished = _pods(cluster, "pi")
    assert len(finished) == 3
    for pod in finished:
        assert pod["status"]["phase"] == "Succeeded"
        term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (term["reason"], term["exitCode"]) == ("Completed", 0)
    events = [(e["reason"], e["message"]) for e in cluster.list(cluster.type_for("events"))[0]
              if e["involvedObject"]["name"] == "pi"]
    assert ("Completed", "Job completed") in events
    assert sum(1 for r, _ in events if r == "SuccessfulCreate") == 3


def test_failing_job_hits_backoff_limit_with_growing_delays(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("jobs"),
                   _job("broken", image="ghcr.io/acme/tool:crashloop", backoffLimit=2))
    created_at: list[float] = []
    seen: set[str] = set()
    for _ in range(200):
        cluster.step(1.0)
        for pod in _pods(cluster, "broken"):
            if pod["metadata"]["name"] not in seen:
                seen.add(pod["metadata"]["name"])
                created_at.append(cluster.clock.now())
        if any(c[0] == "Failed" for c in _conditions(_get(cluster, "broken"))):
            break
    job = _get(cluster, "broken")
    message = "Job has reached the specified backoff limit"
    assert _conditions(job) == [("FailureTarget", "True", "BackoffLimitExceeded", message),
                                ("Failed", "True", "BackoffLimitExceeded", message)]
    assert job["status"]["failed"] == 3
    assert "completionTime" not in job["status"]
    assert len(created_at) == 3
    gaps = [b - a for a, b in zip(created_at, created_at[1:], strict=False)]
    assert gaps[1] > gaps[0] >= 10
    assert all(p["status"]["phase"] == "Failed" for p in _pods(cluster, "broken"))


def test_on_failure_restarts_count_against_backoff_limit(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("jobs"), _job(
        "flaky", image="ghcr.io/acme/tool:crashloop", restart="OnFailure", backoffLimit=2))
    for _ in range(120):
        cluster.step(1.0)
        if _conditions(_get(cluster, "flaky")):
            break
    assert _conditions(_get(cluster, "flaky"))[0][:3] == (
        "FailureTarget", "True", "BackoffLimitExceeded")
    (pod,) = _pods(cluster, "flaky")
    assert pod["status"]["containerStatuses"][0]["restartCount"] >= 2


def test_active_deadline(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("jobs"), _job(
        "slow", command=["sleep", "3600"], activeDeadlineSeconds=30))
    cluster.step(29.0)
    assert _conditions(_get(cluster, "slow")) == []
    cluster.step(5.0)
    job = _get(cluster, "slow")
    message = "Job was active longer than specified deadline"
    assert _conditions(job) == [("FailureTarget", "True", "DeadlineExceeded", message),
                                ("Failed", "True", "DeadlineExceeded", message)]
    assert _pods(cluster, "slow") == []


def test_suspend_and_resume(cluster: FakeCluster) -> None:
    jobs = cluster.type_for("jobs")
    cluster.create(jobs, _job("later", command=["sleep", "20"], suspend=True))
    cluster.step(1.0)
    job = _get(cluster, "later")
    assert _conditions(job) == [("Suspended", "True", "JobSuspended", "Job suspended")]
    assert _pods(cluster, "later") == []
    resumed = clone(job)
    resumed["spec"]["suspend"] = False
    cluster.update(jobs, resumed)
    cluster.step(1.0)
    job = _get(cluster, "later")
    assert _conditions(job) == [("Suspended", "False", "JobResumed", "Job resumed")]
    assert job["status"]["active"] == 1


def test_indexed_job_reports_completed_indexes(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("jobs"), _job(
        "shards", completions=4, parallelism=2, completionMode="Indexed"))
    cluster.step(0.0)
    pods = _pods(cluster, "shards")
    assert sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                  for p in pods) == ["0", "1"]
    assert all(p["spec"]["hostname"].startswith("shards-") for p in pods)
    for _ in range(60):
        cluster.step(1.0)
        if any(c[0] == "Complete" for c in _conditions(_get(cluster, "shards"))):
            break
    status = _get(cluster, "shards")["status"]
    assert status["completedIndexes"] == "0-3" and status["succeeded"] == 4


def test_compress_indexes() -> None:
    assert compress_indexes({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"
    assert compress_indexes(set()) == ""
