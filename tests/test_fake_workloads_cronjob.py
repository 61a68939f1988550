"""Cron schedules and the CronJob controller: on-time Jobs, history limits, policies."""

from __future__ import annotations

from datetime import datetime

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.controllers.base import parse_time
from kubedeck.fake.cron import CronError, parse_schedule
from kubedeck.fake.store import ManualClock, clone, rfc3339

# 2026-09-21T14:13:20Z is ManualClock's default start; this is 14:14:00Z, a whole minute.
MINUTE = 1_790_000_040.0


@pytest.mark.parametrize(("spec", "after", "expected"), [
    ("*/5 * * * *", datetime(2025, 1, 1, 0, 3, 20), datetime(2025, 1, 1, 0, 5)),
    ("*/5 * * * *", datetime(2025, 1, 1, 0, 55), datetime(2025, 1, 1, 1, 0)),
    ("0 9-17 * * MON-FRI", datetime(2025, 1, 3, 17, 3), datetime(2025, 1, 6, 9, 0)),
    ("15,45 */6 * * *", datetime(2025, 1, 1, 6, 16), datetime(2025, 1, 1, 6, 45)),
    ("@hourly", datetime(2025, 1, 1, 6, 16), datetime(2025, 1, 1, 7, 0)),
    ("@daily", datetime(2025, 1, 1, 6, 16), datetime(2025, 1, 2, 0, 0)),
    ("@weekly", datetime(2025, 1, 1, 6, 16), datetime(2025, 1, 5, 0, 0)),
    ("@monthly", datetime(2025, 1, 31, 6, 16), datetime(2025, 2, 1, 0, 0)),
    ("@yearly", datetime(2025, 1, 3, 17, 3), datetime(2026, 1, 1, 0, 0)),
    ("0 0 29 2 *", datetime(2025, 1, 1), datetime(2028, 2, 29, 0, 0)),
    ("0 0 13 * 5", datetime(2025, 1, 3, 17, 3), datetime(2025, 1, 10, 0, 0)),
    ("0 0 13 * *", datetime(2025, 1, 3, 17, 3), datetime(2025, 1, 13, 0, 0)),
    ("0 0 */10 jan,jul *", datetime(2025, 1, 25), datetime(2025, 1, 31, 0, 0)),
    ("30 2 * * 0", datetime(2025, 1, 1), datetime(2025, 1, 5, 2, 30)),
    ("5/20 * * * *", datetime(2025, 1, 1, 0, 26), datetime(2025, 1, 1, 0, 45)),
])
def test_next_activation(spec: str, after: datetime, expected: datetime) -> None:
    assert parse_schedule(spec).next_local(after) == expected


def test_impossible_schedule_and_time_zone() -> None:
    assert parse_schedule("0 0 30 2 *").next_local(datetime(2025, 1, 1)) is None
    paris = parse_schedule("0 9 * * *").next_after(MINUTE, "Europe/Paris")
    assert rfc3339(paris) == "2026-09-22T07:00:00Z"


@pytest.mark.parametrize(("spec", "message"), [
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("", "empty spec string"),
    ("TZ=UTC * * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
])
def test_schedule_errors(spec: str, message: str) -> None:
    with pytest.raises(CronError) as err:
        parse_schedule(spec)
    assert str(err.value) == message


@pytest.fixture
def cluster() -> FakeCluster:
    clock = ManualClock(MINUTE + 10)
    return FakeCluster(clock, ready_delay=1.0)


def _cronjob(name: str = "tick", schedule: str = "* * * * *", image: str = "busybox",
             command: list[str] | None = None, **spec) -> dict:
    container = {"name": "c", "image": image, "command": command or ["sh", "-c", "date; sleep 20"]}
    return {"metadata": {"name": name},
            "spec": {"schedule": schedule, "jobTemplate": {
                "metadata": {"labels": {"run": name}},
                "spec": {"backoffLimit": 0, "template": {"spec": {
                    "restartPolicy": "Never", "containers": [container]}}}}, **spec}}


def _jobs(cluster: FakeCluster) -> list[str]:
    return sorted(j["metadata"]["name"] for j in cluster.list(cluster.type_for("jobs"))[0])


def _status(cluster: FakeCluster, name: str = "tick") -> dict:
    return cluster.get(cluster.type_for("cronjobs"), "default", name).get("status") or {}


def test_schedules_on_time_and_trims_history(cluster: FakeCluster) -> None:
    cj = cluster.create(cluster.type_for("cronjobs"), _cronjob())
    cluster.step(45.0)
    assert _jobs(cluster) == []
    cluster.step(10.0)
    first = MINUTE + 60
    assert _jobs(cluster) == [f"tick-{int(first) // 60}"]
    job = cluster.get(cluster.type_for("jobs"), "default", f"tick-{int(first) // 60}")
    assert job["metadata"]["ownerReferences"] == [{
        "apiVersion": "batch/v1", "kind": "CronJob", "name": "tick",
        "uid": cj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] \
        == rfc3339(first)
    assert job["metadata"]["labels"]["run"] == "tick"
    status = _status(cluster)
    assert status["lastScheduleTime"] == rfc3339(first)
    assert [(a["kind"], a["name"]) for a in status["active"]] == [
        ("Job", f"tick-{int(first) // 60}")]
    cluster.step(60.0 * 5)
    # Three finished Jobs are kept (successfulJobsHistoryLimit), plus the running one.
    expected = [f"tick-{int(first) // 60 + k}" for k in range(2, 6)]
    assert _jobs(cluster) == expected
    status = _status(cluster)
    assert status["lastScheduleTime"] == rfc3339(first + 300)
    assert [a["name"] for a in status["active"]] == [expected[-1]]
    assert first + 240 < parse_time(status["lastSuccessfulTime"]) < first + 300
    reasons = [e["reason"] for e in cluster.list(cluster.type_for("events"))[0]
               if e["involvedObject"]["kind"] == "CronJob"]
    assert reasons.count("SuccessfulCreate") == 6
    assert reasons.count("SawCompletedJob") == 5
    assert reasons.count("SuccessfulDelete") == 2


def test_failed_history_limit_and_suspend(cluster: FakeCluster) -> None:
    cronjobs = cluster.type_for("cronjobs")
    cluster.create(cronjobs, _cronjob(image="ghcr.io/acme/job:crashloop",
                                      failedJobsHistoryLimit=2))
    cluster.step(60.0 * 4)
    assert len(_jobs(cluster)) == 2
    assert "lastSuccessfulTime" not in _status(cluster)
    suspended = clone(cluster.get(cronjobs, "default", "tick"))
    suspended["spec"]["suspend"] = True
    cluster.update(cronjobs, suspended)
    before = _status(cluster)["lastScheduleTime"]
    cluster.step(60.0 * 3)
    assert _status(cluster)["lastScheduleTime"] == before


def test_forbid_waits_and_replace_replaces(cluster: FakeCluster) -> None:
    cronjobs = cluster.type_for("cronjobs")
    cluster.create(cronjobs, _cronjob("slow", command=["sleep", "150"],
                                      concurrencyPolicy="Forbid"))
    cluster.create(cronjobs, _cronjob("fresh", command=["sleep", "150"],
                                      concurrencyPolicy="Replace"))
    cluster.step(60.0 * 2 + 5)
    slow = [j for j in _jobs(cluster) if j.startswith("slow-")]
    fresh = [j for j in _jobs(cluster) if j.startswith("fresh-")]
    assert len(slow) == 1
    assert len(fresh) == 1 and fresh[0] == f"fresh-{int(MINUTE) // 60 + 2}"
    assert len(_status(cluster, "slow")["active"]) == 1
    deleted = [e["message"] for e in cluster.list(cluster.type_for("events"))[0]
               if e["reason"] == "SuccessfulDelete" and e["involvedObject"]["name"] == "fresh"]
    assert deleted == [f"Deleted job fresh-{int(MINUTE) // 60 + 1}"]


def test_missed_start_deadline(cluster: FakeCluster) -> None:
    cronjobs = cluster.type_for("cronjobs")
    cluster.create(cronjobs, _cronjob("late", schedule="0 * * * *", suspend=True,
                                      startingDeadlineSeconds=30))
    cluster.step(3600.0)
    resumed = clone(cluster.get(cronjobs, "default", "late"))
    resumed["spec"]["suspend"] = False
    cluster.update(cronjobs, resumed)
    cluster.step(1.0)
    assert _jobs(cluster) == []
    cluster.step(3600.0)
    assert len(_jobs(cluster)) == 1


def test_invalid_time_zone_is_reported(cluster: FakeCluster) -> None:
    cluster.create(cluster.type_for("cronjobs"), _cronjob(timeZone="Mars/Olympus"))
    cluster.step(120.0)
    assert _jobs(cluster) == []
    events = [(e["type"], e["reason"]) for e in cluster.list(cluster.type_for("events"))[0]]
    assert ("Warning", "UnknownTimeZone") in events
