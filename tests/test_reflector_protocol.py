"""Reflector protocol edge cases against a scripted HTTP server.

Each test scripts the exact list and watch answers (chunk boundaries, Status bodies,
Retry-After, dropped connections) that are awkward to provoke from a full API server.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest
from kubernetes.client import ApiClient, Configuration
from reflector_support import Mirror, versions_of, wait_for

from kubedeck.kube.backoff import BackoffPolicy
from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.connect import Connection
from kubedeck.kube.reflector import Reflector
from kubedeck.kube.reflector_http import ResourceLike

FAST = BackoffPolicy(base=0.01, cap=0.05, jitter=0.5, auth_delay=0.2)


@dataclass(frozen=True)
class Res:
    group: str = ""
    version: str = "v1"
    plural: str = "pods"
    namespaced: bool = True
    kind: str = "Pod"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stream:
    """A 200 watch answer: `chunks` sent as HTTP chunks, then `end` (finish cleanly), `drop`
    (close the socket without the final chunk) or `hold` (stay open until the test ends)."""

    chunks: list[bytes]
    end: str = "hold"
    gate: threading.Event | None = None  # sent only once the test opens it


def pod(uid: str, rv: int, name: str | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name or f"pod-{uid}", "namespace": "default", "uid": uid,
                         "resourceVersion": str(rv)}}


def line(kind: str, obj: dict) -> bytes:
    return msgspec.json.encode({"type": kind, "object": obj}) + b"\n"


def bookmark(rv: int) -> bytes:
    return line("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": str(rv)}})


def status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class ScriptedApi:
    """Serves scripted replies in order; once a queue is empty, lists answer the current
    `objects` and watches hold."""

    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}
        self.rv = 100
        self.lists: deque[Reply] = deque()
        self.watches: deque[Reply | Stream] = deque()
        self.requests: list[dict[str, str]] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    def put(self, obj: dict) -> None:
        with self.lock:
            self.objects[obj["metadata"]["uid"]] = obj
            self.rv = max(self.rv, int(obj["metadata"]["resourceVersion"]))

    def current_list(self) -> Reply:
        with self.lock:
            body = {"kind": "PodList", "apiVersion": "v1",
                    "metadata": {"resourceVersion": str(self.rv)},
                    "items": list(self.objects.values())}
        return Reply(200, msgspec.json.encode(body))

    def next_reply(self, query: dict[str, str]) -> Reply | Stream:
        with self.lock:
            self.requests.append(query)
            queue = self.watches if query.get("watch") else self.lists
            if queue:
                return queue.popleft()
        return Stream([]) if query.get("watch") else self.current_list()

    def watch_requests(self) -> list[dict[str, str]]:
        with self.lock:
            return [q for q in self.requests if q.get("watch")]

    def list_requests(self) -> list[dict[str, str]]:
        with self.lock:
            return [q for q in self.requests if not q.get("watch")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: ScriptedApi

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        query["path"] = urlsplit(self.path).path
        reply = self.api.next_reply(query)
        if isinstance(reply, Reply):
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if reply.gate is not None:
            reply.gate.wait(10)
        try:
            for chunk in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            if reply.end == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.end == "hold":
                self.api.release.wait()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients dropping connections is what these tests provoke."""


@pytest.fixture
def api() -> Iterator[ScriptedApi]:
    scripted = ScriptedApi()
    handler = type("Handler", (_Handler,), {"api": scripted})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    scripted.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield scripted
    scripted.release.set()
    server.shutdown()
    server.server_close()


def versions(r: Reflector) -> dict[str, str]:
    return versions_of(r.snapshot())


@pytest.fixture
def make(api: ScriptedApi) -> Iterator[Callable[..., tuple[Reflector, Mirror]]]:
    started: list[Reflector] = []

    def build(resource: ResourceLike = Res(), on_batch: Callable[[ChangeBatch], None] | None = None,
              **kw) -> tuple[Reflector, Mirror]:
        cfg = Configuration()
        cfg.host = api.url  # type: ignore[attr-defined]
        mirror = Mirror()
        kw.setdefault("backoff", FAST)
        kw.setdefault("batch_interval", 0.02)
        r = Reflector(ApiClient(cfg), resource, "default", on_batch=on_batch or mirror, **kw)
        started.append(r.start())
        return r, mirror

    yield build
    for r in started:
        r.stop()


def test_lists_then_applies_watch_events_split_across_chunks(api, make):
    api.put(pod("u1", 10))
    api.put(pod("u2", 11))
    events = line("MODIFIED", pod("u1", 12)) + line("DELETED", pod("u2", 13)) + \
        line("ADDED", pod("u3", 14))
    api.watches.append(Stream([events[i:i + 7] for i in range(0, len(events), 7)]))
    r, mirror = make(min_watch_timeout=60)
    wait_for(lambda: versions(r) == {"u1": "12", "u3": "14"}, "watch events applied")
    assert r.synced.is_set() and r.connected and r.last_error is None
    assert r.resource_version == "14"
    wait_for(lambda: mirror.versions() == {"u1": "12", "u3": "14"}, "batches delivered")
    assert not mirror.problems
    lst, watch = api.list_requests()[0], api.watch_requests()[0]
    assert lst["path"] == "/api/v1/namespaces/default/pods" and lst["limit"] == "500"
    assert watch["resourceVersion"] == "100" and watch["allowWatchBookmarks"] == "true"
    assert 60 <= int(watch["timeoutSeconds"]) <= 120


def test_selectors_and_cluster_scope_reach_the_server(api, make):
    make(Res(group="apps", plural="deployments", kind="Deployment", namespaced=False),
         label_selector="app=web,tier!=db", field_selector="metadata.name=x", page_size=None)
    wait_for(lambda: api.watch_requests(), "watch opened")
    lst, watch = api.list_requests()[0], api.watch_requests()[0]
    assert lst["path"] == "/apis/apps/v1/deployments" and "limit" not in lst
    for q in (lst, watch):
        assert q["labelSelector"] == "app=web,tier!=db"
        assert q["fieldSelector"] == "metadata.name=x"


def test_clean_watch_end_resumes_from_the_last_bookmark(api, make):
    api.put(pod("u1", 10))
    api.watches.append(Stream([line("ADDED", pod("u2", 11)), bookmark(20)], end="end"))
    r, _ = make()
    wait_for(lambda: len(api.watch_requests()) == 2, "second watch")
    assert api.watch_requests()[1]["resourceVersion"] == "20"
    assert len(api.list_requests()) == 1
    assert set(versions(r)) == {"u1", "u2"}


def test_bookmark_only_streams_keep_the_store_and_advance_the_version(api, make):
    api.put(pod("u1", 10))
    api.watches.append(Stream([bookmark(30), bookmark(31)], end="end"))
    api.watches.append(Stream([bookmark(40)], end="end"))
    r, mirror = make()
    wait_for(lambda: len(api.watch_requests()) == 3, "third watch")
    assert [q["resourceVersion"] for q in api.watch_requests()] == ["100", "31", "40"]
    assert versions(r) == {"u1": "10"} and len(api.list_requests()) == 1
    wait_for(lambda: mirror.versions() == {"u1": "10"}, "initial batch")
    assert not mirror.problems


def test_dropped_connection_resumes_from_the_last_event_without_relisting(api, make):
    api.put(pod("u1", 10))
    api.watches.append(Stream([line("MODIFIED", pod("u1", 101)), b'{"type":"MODI'], end="drop"))
    r, _ = make()
    wait_for(lambda: len(api.watch_requests()) == 2, "reconnect")
    assert api.watch_requests()[1]["resourceVersion"] == "101"
    assert len(api.list_requests()) == 1
    assert versions(r) == {"u1": "101"}
    wait_for(lambda: r.last_error is None and r.connected, "healthy again")


def test_error_event_410_relists_and_sees_deletions(api, make):
    api.put(pod("u1", 10))
    api.put(pod("u2", 11))
    gone = line("ERROR", status(410, "Expired", "too old resource version: 100"))
    gate = threading.Event()
    api.watches.append(Stream([gone], end="end", gate=gate))
    r, mirror = make(batch_interval=0.0)
    wait_for(lambda: mirror.versions() == {"u1": "10", "u2": "11"}, "initial batch")
    with api.lock:
        del api.objects["u1"]
        api.rv = 150
    api.put(pod("u3", 120))
    gate.set()
    wait_for(lambda: len(api.list_requests()) >= 2, "relist")
    wait_for(lambda: mirror.versions() == {"u2": "11", "u3": "120"}, "relist diff delivered")
    assert versions(r) == {"u2": "11", "u3": "120"}
    assert any("u1" in b.deleted for b in mirror.batches)
    assert not mirror.problems


def test_http_410_on_watch_relists(api, make):
    api.put(pod("u1", 10))
    api.watches.append(Reply(410, msgspec.json.encode(status(410, "Gone", "gone"))))
    r, _ = make()
    wait_for(lambda: len(api.list_requests()) == 2, "relist after HTTP 410")
    assert r.retry_delay is not None, "a 410 straight after a fresh list waits before relisting"


def test_expired_continue_token_relists_in_one_page(api, make):
    api.put(pod("u1", 10))
    api.put(pod("u2", 11))
    page1 = {"kind": "PodList", "metadata": {"resourceVersion": "50", "continue": "tok1"},
             "items": [pod("old", 5)]}
    api.lists.append(Reply(200, msgspec.json.encode(page1)))
    api.lists.append(Reply(410, msgspec.json.encode(
        status(410, "Expired", "The provided continue parameter is too old"))))
    r, _ = make(page_size=1)
    wait_for(r.synced.is_set, "synced")
    first, second, third = api.list_requests()
    assert first["limit"] == "1" and "continue" not in first
    assert second["continue"] == "tok1"
    assert "limit" not in third and "continue" not in third
    assert versions(r) == {"u1": "10", "u2": "11"}


def test_pages_are_joined_before_the_store_is_replaced(api, make):
    page1 = {"kind": "PodList", "metadata": {"resourceVersion": "50", "continue": "tok1"},
             "items": [pod("a", 5)]}
    page2 = {"kind": "PodList", "metadata": {"resourceVersion": "50"}, "items": [pod("b", 6)]}
    api.lists.extend([Reply(200, msgspec.json.encode(page1)),
                      Reply(200, msgspec.json.encode(page2))])
    r, mirror = make(page_size=1)
    wait_for(lambda: mirror.versions() == {"a": "5", "b": "6"}, "both pages delivered")
    assert len(mirror.batches) == 1
    assert api.watch_requests()[0]["resourceVersion"] == "50"


def test_429_waits_at_least_retry_after_and_reports_it(api, make):
    api.put(pod("u1", 10))
    api.lists.append(Reply(429, msgspec.json.encode(status(429, "TooManyRequests", "slow down")),
                           {"Retry-After": "1"}))
    r, _ = make()
    wait_for(lambda: r.last_error is not None, "error reported")
    assert "TooManyRequests" in r.last_error and "retrying in" in r.last_error
    assert r.retry_delay is not None and r.retry_delay >= 1.0
    assert not r.connected
    wait_for(r.synced.is_set, "synced after waiting")
    wait_for(lambda: r.last_error is None, "error cleared")
    assert versions(r) == {"u1": "10"}


def test_403_names_verb_and_resource_and_is_retried_rarely(api, make):
    message = ('pods is forbidden: User "kubedeck-user" cannot list resource "pods" in API '
               'group "" in the namespace "default"')
    api.lists.append(Reply(403, msgspec.json.encode(status(403, "Forbidden", message))))
    r, _ = make()
    wait_for(lambda: r.last_error is not None, "error reported")
    assert message in r.last_error and r.last_error.startswith("list pods in namespace default")
    assert r.retry_delay is not None and r.retry_delay >= FAST.auth_delay
    assert not r.synced.is_set()
    wait_for(r.synced.is_set, "synced once allowed")


def test_401_asks_the_user_to_log_in(api, make):
    api.lists.append(Reply(401, msgspec.json.encode(status(401, "Unauthorized", "Unauthorized"))))
    r, _ = make(backoff=BackoffPolicy(base=0.01, auth_delay=30.0))
    wait_for(lambda: r.last_error is not None, "error reported")
    assert "Unauthorized" in r.last_error and "log in" in r.last_error
    assert r.retry_delay is not None and r.retry_delay >= 30.0


def test_500_on_watch_backs_off_and_resumes_without_relisting(api, make):
    api.put(pod("u1", 10))
    api.watches.append(Reply(500, msgspec.json.encode(status(500, "InternalError", "etcd down"))))
    r, _ = make()
    wait_for(lambda: len(api.watch_requests()) == 2, "watch retried")
    assert [q["resourceVersion"] for q in api.watch_requests()] == ["100", "100"]
    assert len(api.list_requests()) == 1
    assert r.retry_delay is not None


def test_garbage_on_watch_relists(api, make):
    api.put(pod("u1", 10))
    api.watches.append(Stream([b"this is not json\n"], end="end"))
    r, _ = make()
    wait_for(lambda: len(api.list_requests()) == 2, "relist after garbage")


def test_unreachable_server_is_one_line_with_the_url():
    cfg = Configuration()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg.host = f"http://127.0.0.1:{port}"
    cfg.retries = 0
    r = Reflector(ApiClient(cfg), Res(), None, backoff=BackoffPolicy(base=30.0)).start()
    try:
        wait_for(lambda: r.last_error is not None, "error reported")
        assert r.last_error.startswith("list pods in all namespaces: the connection to the "
                                       f"server 127.0.0.1:{port} was refused")
        assert "is the cluster running?" in r.last_error
        assert "\n" not in r.last_error
    finally:
        r.stop()


def test_rapid_updates_collapse_while_the_consumer_is_busy(api, make):
    api.put(pod("u1", 10))
    burst = b"".join(line("MODIFIED", pod("u1", 11 + i)) for i in range(50))
    burst += line("ADDED", pod("tmp", 70)) + line("DELETED", pod("tmp", 71))
    burst += line("DELETED", pod("u1", 72)) + line("ADDED", pod("u1", 73))
    first_batch = threading.Event()
    api.watches.append(Stream([burst], gate=first_batch))
    release = threading.Event()
    mirror = Mirror()

    def slow(batch: ChangeBatch) -> None:
        mirror(batch)
        if not first_batch.is_set():
            first_batch.set()
            release.wait(10)

    r, _ = make(batch_interval=0.0, on_batch=slow)
    wait_for(first_batch.is_set, "first batch")
    wait_for(lambda: r.resource_version == "73", "burst applied")
    release.set()
    wait_for(lambda: mirror.versions() == {"u1": "73"}, "final state delivered")
    assert len(mirror.batches) == 2
    assert mirror.batches[1].updated.keys() == {"u1"} and len(mirror.batches[1]) == 1
    assert not any("tmp" in b.added or "tmp" in b.deleted for b in mirror.batches)
    assert not mirror.problems


def test_stop_interrupts_a_quiet_watch_and_no_callback_follows(api, make):
    api.put(pod("u1", 10))
    r, mirror = make()
    wait_for(lambda: api.watch_requests() and r.connected, "watching")
    r.stop()
    assert not r._worker.is_alive() and not r._dispatcher.is_alive()
    assert not r.connected


def test_stop_during_a_long_backoff_returns(api, make):
    api.lists.append(Reply(500, b"{}"))
    r, _ = make(backoff=BackoffPolicy(base=300.0, cap=300.0))
    wait_for(lambda: r.last_error is not None, "waiting after failure")
    r.stop()
    assert not r._worker.is_alive()


def test_the_default_decoder_follows_the_kind(api, make):
    api.put({**pod("u1", 10), "status": {"phase": "Pending"}})
    r, _ = make()
    wait_for(r.synced.is_set, "synced")
    assert r.snapshot()[0].status.phase == "Pending"


def test_a_connection_names_its_user_and_context_in_errors(api):
    cfg = Configuration()
    cfg.host = api.url
    conn = Connection(ApiClient(cfg), "ctx", "clu", api.url, "alice", "default")
    api.lists.append(Reply(401, msgspec.json.encode(status(401, "Unauthorized", "Unauthorized"))))
    r = Reflector(conn, Res(), "default", backoff=BackoffPolicy(auth_delay=30.0)).start()
    try:
        wait_for(lambda: r.last_error is not None, "error reported")
        assert 'user "alice" (context "ctx")' in r.last_error
    finally:
        r.stop()
