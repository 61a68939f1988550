"""Container logs of the simulated cluster: read with tail/since/timestamps/previous,
follow streams, and the API server's errors."""

from __future__ import annotations

import re
import threading

import pytest
from fake_controllers_support import create_pod, make_cluster

from kubedeck.fake.logs import rfc3339_nano
from kubedeck.fake.store import StoreError

_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z ")


def _running(name: str = "web", image: str = "nginx:1.25", **spec):
    cluster = make_cluster()
    create_pod(cluster, name, image=image, **spec)
    cluster.step(3)
    return cluster


def test_read_startup_then_periodic_lines_with_tail_and_since() -> None:
    cluster = _running()
    start = cluster.logs("default", "web")
    assert start[0].startswith("/docker-entrypoint.sh:")
    assert len(start) == 10
    cluster.step(60)
    lines = cluster.logs("default", "web")
    assert len(lines) == 16 and '"GET ' in lines[-1]
    assert cluster.logs("default", "web", tail_lines=3) == lines[-3:]
    assert cluster.logs("default", "web", tail_lines=0) == []
    assert cluster.logs("default", "web", since_seconds=25) == lines[-3:]
    stamped = cluster.logs("default", "web", timestamps=True)
    assert all(_STAMP.match(line) for line in stamped)
    assert [line.split(" ", 1)[1] for line in stamped] == lines


def test_long_running_tail_costs_only_the_tail() -> None:
    cluster = _running()
    cluster.clock.advance(30 * 24 * 3600)
    assert len(cluster.logs("default", "web", tail_lines=5)) == 5


def test_errors_match_the_api_server() -> None:
    cluster = make_cluster()
    cluster.create(cluster.type_for("pods"), {"metadata": {"name": "two"}, "spec": {
        "initContainers": [{"name": "init", "image": "busybox"}],
        "containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]}})
    create_pod(cluster, "stuck", image="example/app:fail-pull")
    with pytest.raises(StoreError) as err:
        cluster.logs("default", "two")
    assert (err.value.code, err.value.message) == (
        400, "a container name must be specified for pod two, choose one of: [a b] or one of "
             "the init containers: [init]")
    with pytest.raises(StoreError) as err:
        cluster.logs("default", "two", "c")
    assert err.value.message == "container c is not valid for pod two"
    with pytest.raises(StoreError) as err:
        cluster.logs("default", "missing")
    assert (err.value.code, err.value.message) == (404, 'pods "missing" not found')
    cluster.step(0)
    with pytest.raises(StoreError) as err:
        cluster.logs("default", "two", "a")
    assert err.value.message == 'container "a" in pod "two" is waiting to start: PodInitializing'
    cluster.step(3)
    with pytest.raises(StoreError) as err:
        cluster.logs("default", "stuck")
    assert err.value.message == ('container "app" in pod "stuck" is waiting to start: trying '
                                 "and failing to pull image")
    with pytest.raises(StoreError) as err:
        cluster.logs("default", "two", "a", previous=True)
    assert err.value.message == 'previous terminated container "a" in pod "two" not found'


def test_follow_yields_new_lines_until_stopped() -> None:
    cluster = _running()
    stop = threading.Event()
    stream = cluster.follow_logs("default", "web", tail_lines=1, stop=stop)
    got: list[str] = []
    arrived = threading.Event()

    def consume() -> None:
        for line in stream:
            got.append(line)
            if len(got) >= 3:
                arrived.set()

    reader = threading.Thread(target=consume)
    reader.start()
    cluster.step(25)
    assert arrived.wait(10)
    stop.set()
    reader.join(10)
    assert not reader.is_alive()
    assert got[0].endswith("start worker process 29")
    assert all('"GET ' in line for line in got[1:3])


def test_follow_ends_when_the_container_exits() -> None:
    cluster = make_cluster()
    create_pod(cluster, "crash", image="example/app:crashloop")
    cluster.step(1.5)
    stream = cluster.follow_logs("default", "crash")
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.extend(stream))
    reader.start()
    cluster.step(3)
    reader.join(10)
    assert not reader.is_alive()
    assert got[-1] == "Application exited with error (exit code 1)"


def test_follow_errors_before_streaming() -> None:
    cluster = make_cluster()
    with pytest.raises(StoreError):
        cluster.follow_logs("default", "nope")


def test_rfc3339_nano_trims_trailing_zeros() -> None:
    assert rfc3339_nano(1_790_000_000.0) == "2026-09-21T14:13:20Z"
    assert rfc3339_nano(1_790_000_000.5) == "2026-09-21T14:13:20.5Z"
    assert rfc3339_nano(1_790_000_000.25, salt=7) == "2026-09-21T14:13:20.250000007Z"
