"""pods/log over HTTP: options, errors, and follow streams that end with the container or when
the client goes away."""

from __future__ import annotations

import re
import threading
import time

import pytest
from apiserver_support import Api


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def api(sim_server) -> Api:
    return Api(sim_server)


def start_pod(api: Api, name: str, image: str, restart: str = "Always",
              command: list[str] | None = None) -> str:
    container: dict = {"name": "main", "image": image}
    if command:
        container["command"] = command
    reply = api.request("POST", "/api/v1/namespaces/default/pods", {
        "metadata": {"name": name},
        "spec": {"containers": [container], "restartPolicy": restart}})
    assert reply.status == 201, reply.body
    path = f"/api/v1/namespaces/default/pods/{name}"

    def started() -> bool:
        statuses = (api.get(path).json().get("status") or {}).get("containerStatuses") or []
        return bool(statuses) and ("running" in statuses[0]["state"]
                                   or "terminated" in statuses[0]["state"])

    wait_for(started, what=f"{name} started")
    return path + "/log"


@pytest.fixture(scope="module")
def web_log(api) -> str:
    return start_pod(api, "logs-web", "nginx:1.27")


def test_tail_limit_and_timestamps(api, web_log):
    full = api.get(web_log)
    assert full.status == 200
    assert full.headers["Content-Type"] == "text/plain"
    lines = full.body.decode().splitlines()
    assert len(lines) >= 3
    assert api.get(f"{web_log}?tailLines=2").body.decode().splitlines() == lines[-2:]
    assert api.get(f"{web_log}?limitBytes=10").body == full.body[:10]
    stamped = api.get(f"{web_log}?tailLines=1&timestamps=true").body.decode()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z " + re.escape(lines[-1]) + "\n$",
                    stamped)
    assert api.get(f"{web_log}?sinceSeconds=3600").body == full.body


def test_log_errors(api, web_log):
    reply = api.get(f"{web_log}?container=nope")
    assert (reply.status, reply.json()["message"]) == (
        400, "container nope is not valid for pod logs-web")
    assert api.get(f"{web_log}?sinceSeconds=0").status == 400
    assert api.get(f"{web_log}?tailLines=x").status == 400
    reply = api.get("/api/v1/namespaces/default/pods/ghost/log")
    assert (reply.status, reply.json()["message"]) == (404, 'pods "ghost" not found')


def test_follow_stops_when_the_client_leaves(api, web_log):
    def watchdogs() -> int:
        return sum(t.name == "kubedeck-log-watchdog" for t in threading.enumerate())

    before = watchdogs()
    with api.stream(f"{web_log}?follow=true&tailLines=2") as s:
        assert s.status == 200
        assert s.resp.headers["Transfer-Encoding"] == "chunked"
        assert s.line() and s.line()
        assert watchdogs() == before + 1
    wait_for(lambda: watchdogs() == before, what="the follow stream to end")


def test_follow_ends_with_the_container(api):
    log = start_pod(api, "logs-once", "busybox:1.36", restart="Never",
                    command=["sh", "-c", "echo done"])
    with api.stream(f"{log}?follow=true") as s:
        lines = []
        while line := s.line():
            lines.append(line)
    assert lines
