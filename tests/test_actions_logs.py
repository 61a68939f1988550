"""Log streams against the live demo cluster: tail, follow until stopped, previous logs,
several pods merged."""

from __future__ import annotations

import json
import threading

import pytest

from kubedeck.kube.actions import LogOptions, merge_streams, stream_logs
from kubedeck.kube.errors import KubedeckError

pytestmark = pytest.mark.integration


def pods(live, namespace: str, selector: str) -> list[str]:
    doc = json.loads(live.conn.get(f"/api/v1/namespaces/{namespace}/pods",
                                   {"labelSelector": selector}))
    return [p["metadata"]["name"] for p in doc["items"]
            if (p.get("status") or {}).get("phase") == "Running"]


def test_tail_without_follow_ends(live_demo):
    pod = pods(live_demo, "web", "app.kubernetes.io/name=storefront")[0]
    stop = threading.Event()
    lines = list(stream_logs(live_demo.conn, "web", pod, LogOptions(tail_lines=3, follow=False),
                             stop))
    assert not stop.is_set(), "an ended stream must not look like a user stop"
    assert len(lines) == 3 and all(isinstance(ln, bytes) and b"\n" not in ln for ln in lines)
    stamped = list(stream_logs(live_demo.conn, "web", pod,
                               LogOptions(tail_lines=1, follow=False, timestamps=True),
                               threading.Event()))
    assert stamped[0].split(b" ", 1)[0].endswith(b"Z")


def test_follow_stops_when_asked(live_demo):
    pod = pods(live_demo, "web", "app.kubernetes.io/name=storefront")[0]
    stop = threading.Event()
    got: list[bytes] = []
    stream = stream_logs(live_demo.conn, "web", pod, LogOptions(tail_lines=2), stop)
    done = threading.Event()

    def reader() -> None:
        for line in stream:
            got.append(line)
            if len(got) == 2:
                stop.set()
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    assert done.wait(10), "the follow stream did not end after stop was set"
    assert len(got) == 2


def test_stop_interrupts_a_blocked_read(live_demo):
    """After the tail line the reader waits in a socket read for the next one; setting stop
    must end it then, not when the pod happens to log again."""
    pod = pods(live_demo, "web", "app.kubernetes.io/name=storefront")[0]
    stop = threading.Event()
    first, done = threading.Event(), threading.Event()
    stream = stream_logs(live_demo.conn, "web", pod, LogOptions(tail_lines=1), stop)

    def reader() -> None:
        for _ in stream:
            first.set()
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    assert first.wait(10), "no tail line arrived"
    stop.set()
    assert done.wait(10), "stop did not end a stream waiting for its next line"


def test_previous_without_a_restart_is_one_line(live_demo):
    pod = pods(live_demo, "web", "app.kubernetes.io/name=storefront")[0]
    with pytest.raises(KubedeckError) as err:
        list(stream_logs(live_demo.conn, "web", pod, LogOptions(previous=True, follow=False),
                         threading.Event()))
    assert str(err.value) == (f'no previous logs for pod "{pod}" in namespace "web": '
                              "it has not restarted")


def test_missing_pod_and_bad_container(live_demo):
    with pytest.raises(KubedeckError, match='pod "ghost" not found in namespace "web"'):
        stream_logs(live_demo.conn, "web", "ghost", LogOptions(), threading.Event())
    pod = pods(live_demo, "web", "app.kubernetes.io/name=storefront")[0]
    with pytest.raises(KubedeckError, match="container nope is not valid"):
        stream_logs(live_demo.conn, "web", pod, LogOptions(container="nope"),
                    threading.Event())


def test_merge_streams_interleaves_pods(live_demo):
    names = pods(live_demo, "web", "app.kubernetes.io/name=storefront")
    assert len(names) >= 2
    stop = threading.Event()
    seen: dict[str, int] = {}
    for pod, line in merge_streams(live_demo.conn, "web", names + ["ghost"],
                                   LogOptions(tail_lines=2, follow=False), stop):
        seen[pod] = seen.get(pod, 0) + 1
        if pod == "ghost":
            assert line.startswith(b"error: ")
    assert seen == {**{n: 2 for n in names}, "ghost": 1}
    assert not stop.is_set()


def test_merge_streams_stops_following(live_demo):
    names = pods(live_demo, "web", "app.kubernetes.io/name=storefront")
    stop = threading.Event()
    got = []
    for item in merge_streams(live_demo.conn, "web", names, LogOptions(tail_lines=1), stop):
        got.append(item)
        if len(got) == len(names):
            stop.set()
    assert {pod for pod, _ in got} <= set(names) and len(got) == len(names)
