"""Snapshots of the main views under a fixed clock and a seeded world (repeatable names).

The server address is the one thing the world cannot fix (a free port each run), so the
header is shown a stable stand-in; no cursor blinks. Update with `--snapshot-update` after
checking the new SVGs by eye.
"""

from __future__ import annotations

import pytest
from tui_support import build_app, wait_for, wait_view

SIZE = (120, 40)
STABLE_SERVER = "http://127.0.0.1:6443"


def steady(app) -> None:
    app.session.conn.server = STABLE_SERVER
    app.session_changed()
    for widget in app.screen.query("Input"):
        widget.cursor_blink = False


@pytest.fixture
def pods_all(demo_world):
    app = build_app(demo_world, command="pods -A", probe_seconds=0)
    yield app
    app.session.close()


def test_pod_view(snap_compare, pods_all):
    async def ready(pilot):
        await wait_view(pilot, pods_all, "pods", rows=20)
        steady(pods_all)
        await pilot.pause()

    assert snap_compare(pods_all, terminal_size=SIZE, run_before=ready)


def test_deployment_view(snap_compare, demo_world):
    app = build_app(demo_world, command="deploy -A", probe_seconds=0)

    async def ready(pilot):
        await wait_view(pilot, app, "deployments", rows=5)
        steady(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
    app.session.close()


def test_help(snap_compare, pods_all):
    async def ready(pilot):
        await wait_view(pilot, pods_all, "pods", rows=20)
        steady(pods_all)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: pods_all.screen.crumb == "help", what="help")
        await pilot.pause()

    assert snap_compare(pods_all, terminal_size=SIZE, run_before=ready)


def test_command_completion(snap_compare, pods_all):
    async def ready(pilot):
        await wait_view(pilot, pods_all, "pods", rows=20)
        steady(pods_all)
        await pilot.press("colon", "d", "e")
        prompt = pods_all.screen.query_one("CommandInput")
        prompt.cursor_blink = False
        await wait_for(pilot, lambda: prompt._suggestion == "deploy", what="the suggestion")
        await pilot.pause()

    assert snap_compare(pods_all, terminal_size=SIZE, run_before=ready)
