"""Snapshot of the `:gke` view over the fake Google Cloud: a project whose clusters have fixed
endpoints (not the TLS sim's free port), on the seeded world's fixed clock with the header's
server address pinned as in tests/test_tui_snapshots.py. Update with `--snapshot-update` after
checking the SVG by eye."""

from __future__ import annotations

import pytest
from tui_support import build_app, wait_for, wait_view

SIZE = (120, 40)
STABLE_SERVER = "http://127.0.0.1:6443"


@pytest.fixture
def app(demo_world, cloud_world):
    cloud = cloud_world.cloud
    cloud.add_project("snap")
    for location, name, fields in (
            ("europe-west1", "web", {}),
            ("europe-west1-b", "batch", {"node_count": 12, "version": "1.30.9-gke.1127000",
                                         "status": "RECONCILING"}),
            ("us-central1", "legacy", {"node_count": 0, "status": "ERROR"}),
            ("us-east1", "internal", {"private": True})):
        cloud.add_cluster("snap", location, name, endpoint=f"10.{len(name)}.0.2", ca_pem=b"x",
                          **fields)
    app = build_app(demo_world, probe_seconds=0)
    yield app
    app.session.close()
    app.cloud.close()


def test_gke_view(snap_compare, app):
    async def ready(pilot):
        await wait_view(pilot, app, "pods")
        app.session.conn.server = STABLE_SERVER
        app.session_changed()
        await pilot.press("colon", *"gke snap", "enter")
        await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == "gke"
                       and app.screen.query_one("#cloud-table").row_count == 4,
                       what="the gke view")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
