"""Snapshots of the describe, YAML, events and logs views, opened with their keys from the
table, under the seeded world's fixed clock (the header's server address is pinned, as in
tests/test_tui_snapshots.py). Update with `--snapshot-update` after checking the SVGs by eye."""

from __future__ import annotations

import pytest
from tui_support import build_app, wait_for, wait_view

SIZE = (120, 40)
STABLE_SERVER = "http://127.0.0.1:6443"


def steady(app) -> None:
    app.session.conn.server = STABLE_SERVER
    app.session_changed()


@pytest.fixture
def guestbook(demo_world):
    """The deployments of guestbook; the cursor is on `frontend` (first by name)."""
    app = build_app(demo_world, command="deploy guestbook", probe_seconds=0,
                    config=_no_refresh())
    yield app
    app.session.close()


def _no_refresh():
    from kubedeck.config import Config

    return Config(refresh_rate=0)


def _opened(key: str, crumb: str, loaded):
    async def ready(pilot):
        app = pilot.app
        await wait_view(pilot, app, "deployments", rows=3)
        steady(app)
        await pilot.press(key)
        await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == crumb, what=crumb)
        await wait_for(pilot, lambda: loaded(app.screen), what=f"{crumb} content")
        await pilot.pause()
    return ready


def test_describe_view(snap_compare, guestbook):
    assert snap_compare(guestbook, terminal_size=SIZE,
                        run_before=_opened("d", "describe", lambda s: s.loaded))


def test_yaml_view(snap_compare, guestbook):
    assert snap_compare(guestbook, terminal_size=SIZE, run_before=_opened("y", "yaml", lambda s: s.loaded))


def test_events_view(snap_compare, guestbook):
    assert snap_compare(guestbook, terminal_size=SIZE,
                        run_before=_opened("v", "events", lambda s: s.loaded))


def test_logs_view_of_a_pod(snap_compare, demo_world):
    app = build_app(demo_world, command="pods guestbook", probe_seconds=0, config=_no_refresh())

    async def ready(pilot):
        await wait_view(pilot, app, "pods", rows=6)
        steady(app)
        await pilot.press("end", "l")  # rows by name: frontend x3, redis-follower x2, leader
        await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == "logs", what="logs")
        screen = app.screen
        assert screen.target.pods[0].startswith("redis-leader-")
        path = f"/api/v1/namespaces/guestbook/pods/{screen.target.pods[0]}/log"
        expected = len(app.session.conn.get(path, {"tailLines": 200}).splitlines())
        await wait_for(pilot, lambda: len(screen.buffer) == expected, what="the tail")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
    app.session.close()
