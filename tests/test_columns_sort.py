"""Column sort keys order rows by meaning, not by the printed text."""

from __future__ import annotations

import msgspec

from kubedeck.fake.store import rfc3339
from kubedeck.kube.columns import columns_for, quantity, values
from kubedeck.kube.decode import decode_object, schema_for

NOW = 1_790_000_000.0


def ordered(group: str, kind: str, header: str, objects: list[dict]) -> list[str]:
    """Names of `objects` sorted ascending by the column with `header`."""
    schema = schema_for(group, kind)
    columns = columns_for(group, kind)
    index = [c.header for c in columns].index(header)
    column = columns[index]
    records = [decode_object(schema, msgspec.json.encode(o)) for o in objects]
    keyed = [(column.sort_key(r, values(group, kind, r, NOW)[index], NOW), r.name)
             for r in records]
    return [name for _, name in sorted(keyed)]


def pod(name: str, created: float | None = 60, restarts: int = 0, ready: int = 1,
        ip: str = "") -> dict:
    meta: dict = {"name": name}
    if created is not None:
        meta["creationTimestamp"] = rfc3339(NOW - created)
    statuses = [{"name": f"c{i}", "ready": i < ready, "restartCount": restarts if i == 0 else 0,
                 "state": {"running": {}},
                 "lastState": {"terminated": {"finishedAt": rfc3339(NOW - 30)}}}
                for i in range(2)]
    status: dict = {"phase": "Running", "containerStatuses": statuses}
    if ip:
        status["podIPs"] = [{"ip": ip}]
    return {"metadata": meta, "spec": {"containers": [{}, {}]}, "status": status}


def test_age_sorts_by_timestamp_youngest_first_unknown_last() -> None:
    pods = [pod("old", created=9000), pod("none", created=None), pod("new", created=5),
            pod("mid", created=700)]
    assert ordered("", "Pod", "AGE", pods) == ["new", "mid", "old", "none"]


def test_restarts_sort_numerically() -> None:
    pods = [pod("ten", restarts=10), pod("nine", restarts=9), pod("zero")]
    assert ordered("", "Pod", "RESTARTS", pods) == ["zero", "nine", "ten"]


def test_ready_sorts_as_numbers() -> None:
    pods = [pod("two", ready=2), pod("none", ready=0), pod("one", ready=1)]
    assert ordered("", "Pod", "READY", pods) == ["none", "one", "two"]


def test_ip_sorts_numerically_and_placeholders_last() -> None:
    pods = [pod("b", ip="10.0.0.10"), pod("none"), pod("a", ip="10.0.0.9"),
            pod("v6", ip="fd00::1")]
    assert ordered("", "Pod", "IP", pods) == ["a", "b", "v6", "none"]


def test_integer_columns_sort_numerically() -> None:
    def rs(name: str, replicas: int) -> dict:
        return {"metadata": {"name": name}, "spec": {"replicas": replicas}}
    assert ordered("apps", "ReplicaSet", "DESIRED", [rs("x", 12), rs("y", 3), rs("z", 0)]) == [
        "z", "y", "x"]


def test_capacity_sorts_by_quantity() -> None:
    def pv(name: str, size: str) -> dict:
        return {"metadata": {"name": name}, "spec": {"capacity": {"storage": size}}}
    pvs = [pv("ten", "10Gi"), pv("half", "500Mi"), pv("one", "1Gi"), pv("tera", "1T")]
    assert ordered("", "PersistentVolume", "CAPACITY", pvs) == ["half", "one", "ten", "tera"]


def test_job_duration_sorts_by_seconds() -> None:
    def job(name: str, start: float | None, end: float | None) -> dict:
        status: dict = {}
        if start is not None:
            status["startTime"] = rfc3339(NOW - start)
        if end is not None:
            status["completionTime"] = rfc3339(NOW - end)
        return {"metadata": {"name": name}, "status": status}
    jobs = [job("long", 7200, 0), job("pending", None, None), job("short", 100, 40),
            job("running", 300, None)]
    assert ordered("batch", "Job", "DURATION", jobs) == ["pending", "short", "running", "long"]


def test_quantity_parsing() -> None:
    assert quantity("1Gi") == 2.0**30
    assert quantity("500m") == 0.5
    assert quantity("1e3") == 1000.0
    assert quantity("2k") == 2000.0
    assert quantity("10") == 10.0
    assert quantity("<none>") is None
    assert quantity("1Zi") is None
    assert quantity("0") == 0.0
