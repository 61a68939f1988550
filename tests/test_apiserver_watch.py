"""Watch streams of the simulated API server: events, bookmarks, timeouts, initial events,
tables, 410 as an ERROR event, and injected faults."""

from __future__ import annotations

import http.client
import time

import pytest
from apiserver_support import TABLE, Api

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.faults import Fault
from kubedeck.fake.serve import serve

CM = "/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def cluster():
    return FakeCluster(history_limit=100, nodes=0)


@pytest.fixture(scope="module")
def server(cluster):
    running = serve(cluster, bookmark_interval=0.2)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(server) -> Api:
    return Api(server)


@pytest.fixture(autouse=True)
def no_faults(cluster):
    cluster.faults.clear()
    yield
    cluster.faults.clear()


def put(api: Api, name: str, value: str) -> dict:
    body = {"metadata": {"name": name}, "data": {"v": value}}
    reply = api.request("PUT", f"{CM}/{name}", body)
    if reply.status == 404:
        reply = api.request("POST", CM, body)
    assert reply.status in (200, 201), reply.body
    return reply.json()


def list_rv(api: Api) -> str:
    return api.get(CM).json()["metadata"]["resourceVersion"]


def test_watch_from_resource_version_sees_changes_in_order(api):
    put(api, "w1", "a")
    rv = list_rv(api)
    with api.stream(f"{CM}?watch=1&resourceVersion={rv}") as s:
        assert s.status == 200
        assert s.resp.headers["Transfer-Encoding"] == "chunked"
        put(api, "w1", "b")
        put(api, "w2", "c")
        api.request("DELETE", f"{CM}/w2")
        events = [s.event() for _ in range(3)]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("MODIFIED", "w1"), ("ADDED", "w2"), ("DELETED", "w2")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)


def test_watch_without_resource_version_starts_with_current_state(api):
    put(api, "w3", "a")
    with api.stream(f"{CM}?watch=true&fieldSelector=metadata.name%3Dw3") as s:
        ev = s.event()
    assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "w3")


def test_legacy_watch_path_and_named_watch(api):
    put(api, "w4", "a")
    rv = list_rv(api)
    with api.stream(f"/api/v1/watch/namespaces/default/configmaps/w4?resourceVersion={rv}") as s:
        put(api, "w3", "ignored")
        put(api, "w4", "b")
        ev = s.event()
    assert (ev["type"], ev["object"]["data"]) == ("MODIFIED", {"v": "b"})


def test_bookmarks_carry_only_a_resource_version(api):
    rv = list_rv(api)
    with api.stream(f"{CM}?watch=1&allowWatchBookmarks=true&resourceVersion={rv}") as s:
        put(api, "w5", "a")
        events = s.events_until(lambda e: e["type"] == "BOOKMARK")
    bookmark = events[-1]
    assert bookmark["object"] == {"kind": "ConfigMap", "apiVersion": "v1",
                                  "metadata": {"resourceVersion": bookmark["object"]["metadata"][
                                      "resourceVersion"]}}
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) >= int(
        events[0]["object"]["metadata"]["resourceVersion"])


def test_no_bookmarks_unless_asked(api):
    rv = list_rv(api)
    with api.stream(f"{CM}?watch=1&resourceVersion={rv}&timeoutSeconds=1") as s:
        lines = []
        while line := s.line():
            lines.append(line)
    assert lines == []


def test_timeout_ends_the_stream_cleanly(api):
    start = time.monotonic()
    with api.stream(f"{CM}?watch=1&resourceVersion={list_rv(api)}&timeoutSeconds=1") as s:
        assert s.line() == b""
    assert time.monotonic() - start >= 0.9


def test_too_old_resource_version_is_an_error_event(api):
    for i in range(120):
        put(api, "churn", str(i))
    with api.stream(f"{CM}?watch=1&resourceVersion=2") as s:
        assert s.status == 200
        ev = s.event()
        assert s.line() == b""
    assert ev["type"] == "ERROR"
    assert ev["object"]["kind"] == "Status"
    assert (ev["object"]["code"], ev["object"]["reason"]) == (410, "Expired")
    assert ev["object"]["message"].startswith("too old resource version: 2")


def test_send_initial_events_ends_with_annotated_bookmark(api):
    put(api, "init", "a")
    path = (f"{CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
            "&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dinit")
    with api.stream(path) as s:
        added = s.event()
        bookmark = s.event()
    assert added["type"] == "ADDED"
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_table_watch_sends_tables(api):
    rv = list_rv(api)
    with api.stream(f"{CM}?watch=1&resourceVersion={rv}", headers={"Accept": TABLE}) as s:
        put(api, "tab", "a")
        ev = s.event()
    table = ev["object"]
    assert table["kind"] == "Table"
    assert table["rows"][0]["cells"][0] == "tab"
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_fault_disconnect_after_events(api, cluster):
    for name in ("d1", "d2", "d3"):
        put(api, name, "x")
    cluster.faults.add(Fault("disconnect", path="/configmaps", watch=True, after_events=2))
    with api.stream(f"{CM}?watch=1") as s:
        s.event()
        s.event()
        with pytest.raises(http.client.IncompleteRead):
            s.resp.read()
    assert cluster.faults.pending == 0


def test_fault_bookmarks_only(api, cluster):
    put(api, "b1", "x")
    cluster.faults.add(Fault("bookmarks", path="/configmaps", watch=True, after_events=2))
    with api.stream(f"{CM}?watch=1&allowWatchBookmarks=true") as s:
        events = [s.event(), s.event()]
        assert s.line() == b""
    assert [e["type"] for e in events] == ["BOOKMARK", "BOOKMARK"]


def test_fault_gone(api, cluster):
    cluster.faults.add(Fault("gone", path="/configmaps", watch=True))
    with api.stream(f"{CM}?watch=1&resourceVersion={list_rv(api)}") as s:
        ev = s.event()
    assert (ev["type"], ev["object"]["code"]) == ("ERROR", 410)


def test_fault_status_429_with_retry_after(api, cluster):
    cluster.faults.add(Fault("status", path="/configmaps", code=429, retry_after=3))
    reply = api.get(CM)
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "3"
    assert reply.json()["reason"] == "TooManyRequests"
    assert reply.json()["details"] == {"retryAfterSeconds": 3}
    assert api.get(CM).status == 200


def test_fault_status_500_only_for_matching_method(api, cluster):
    cluster.faults.add(Fault("status", path="/configmaps", methods=("POST",), code=500))
    assert api.get(CM).status == 200
    reply = api.request("POST", CM, {"metadata": {"name": "f500"}})
    assert (reply.status, reply.json()["reason"]) == (500, "InternalError")


def test_fault_disconnect_plain_request(api, cluster):
    cluster.faults.add(Fault("disconnect", path="/configmaps", watch=False))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        api.get(CM)
    assert api.get(CM).status == 200


def test_server_stop_ends_open_watches():
    cluster = FakeCluster(nodes=0)
    running = serve(cluster, bookmark_interval=0.2)
    api = Api(running)
    s = api.stream(f"{CM}?watch=1")
    running.stop()
    assert s.line() == b""
    s.close()
