"""`kubedeck demo`'s Google Cloud: not started until a cloud view needs it; `:gke` shows
project kubedeck-demo with its two clusters, and connecting to "demo" reaches the same
embedded world through its TLS door; `:images` shows the demo repository."""

from __future__ import annotations

import pytest
from tui_support import column, wait_for, wait_view

from kubedeck.config import Config
from kubedeck.demo import running_demo
from kubedeck.frontends import ExplorerOptions
from tui import launch
from tui.cloud_access import CloudAccess

pytestmark = pytest.mark.integration
DEMO_GKE = "gke_kubedeck-demo_europe-west1_demo"


@pytest.fixture
def demo(tmp_path, monkeypatch):
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "KUBEDECK_GCP_CONTAINER_ENDPOINT",
                 "KUBEDECK_GCP_ARTIFACTREGISTRY_ENDPOINT", "KUBEDECK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    with running_demo(str(tmp_path)) as running:
        app = launch.build_app(ExplorerOptions(all_namespaces=True), Config(),
                               kubeconfig_path=running.kubeconfig, discovery_cache=False,
                               cloud=CloudAccess(running.cloud_context))
        yield running, app
        app.session.close()
        app.cloud.close()


def rows(app) -> list[list[str]]:
    table = app.screen.query_one("#cloud-table")
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def wait_table(pilot, app, crumb: str, count: int) -> None:
    await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == crumb
                   and app.screen.query_one("#cloud-table").row_count == count,
                   what=f"{count} rows in {crumb}")


@pytest.mark.asyncio
async def test_demo_gke_lists_two_clusters_and_connects_to_the_embedded_one(demo):
    running, app = demo
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods", rows=10)
        assert running._cloud is None  # nothing paid for the cloud until it is used
        await pilot.press("colon", *"gke", "enter")
        await wait_table(pilot, app, "gke", 2)
        assert app.screen.query_one("#cloud-table").border_title == "gke(kubedeck-demo)[2]"
        assert [r[:3] for r in rows(app)] == [["demo", "europe-west1", "RUNNING"],
                                              ["staging", "us-central1-a", "RUNNING"]]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.context == DEMO_GKE, what="the switch")
        screen = await wait_view(pilot, app, "pods")
        assert app.session.conn.server.startswith("https://127.0.0.1:")
        await wait_for(pilot, lambda: any(n.startswith("legacy-api-") for n in column(screen)),
                       what="the embedded world's pods in default")
        running.cluster.create(running.cluster.type_for("pods"), {
            "metadata": {"name": "seen-through-the-door", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
        await wait_for(pilot, lambda: "seen-through-the-door" in column(screen),
                       what="a new pod of the same world, watched over TLS")


@pytest.mark.asyncio
async def test_demo_images_shows_the_demo_repository(demo):
    _, app = demo
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods", rows=10)
        await pilot.press("colon", *"images", "enter")
        await wait_table(pilot, app, "repositories", 1)
        assert rows(app)[0][:3] == ["apps", "europe-west1", "DOCKER"]
        await pilot.press("enter")
        await wait_table(pilot, app, "apps", 6)
        assert [(r[0], r[1], r[4]) for r in rows(app)] == [
            ("guestbook/frontend", "v5,latest", "2d"), ("guestbook/frontend", "v4", "30d"),
            ("guestbook/redis-follower", "v2", "45d"), ("jobs/report", "2024-06", "60d"),
            ("web/api", "1.4.2,stable", "24h"), ("web/api", "1.4.1", "9d")]
