"""`:gke` and `:images` in the explorer, against the fake Google Cloud through the real client
libraries: listing, connecting to a cluster and switching to it live, every connect failure
leaving the current cluster in place with one flash line, and the Artifact Registry drill-down.
"""

from __future__ import annotations

import socket

import pytest
from cloud_support import CLUSTER, LOCATION, PROJECT
from tui_support import column, screen_text, wait_for, wait_view

from kubedeck.config import Config
from tui.app import KubedeckApp
from tui.cloud_access import CloudAccess
from tui.session import Session

pytestmark = pytest.mark.integration
REF = f"{PROJECT}/{LOCATION}/{CLUSTER}"
GKE_CONTEXT = f"gke_{PROJECT}_{LOCATION}_{CLUSTER}"
ACCOUNT = f"kubedeck@{PROJECT}.iam.gserviceaccount.com"
DAY = 86400.0


def explorer(world, cloud_world, command: str | None = None) -> KubedeckApp:
    """The explorer on the demo world's kubeconfig context, Google Cloud from the environment
    (the fake), ages against the fake cloud's clock."""
    session = Session.open(config=Config(), kubeconfig_path=str(world.kubeconfig),
                           context=world.context, discovery_cache=False)
    return KubedeckApp(session, clock=cloud_world.clock.now, start_command=command,
                       probe_seconds=0, discovery_cache=False,
                       cloud=CloudAccess.from_config(Config()))


@pytest.fixture
def app(demo_world, cloud_world):
    app = explorer(demo_world, cloud_world)
    yield app
    app.session.close()
    app.cloud.close()


def table(app):
    return app.screen.query_one("#cloud-table")


def rows(app) -> list[list[str]]:
    t = table(app)
    return [[str(cell) for cell in t.get_row_at(i)] for i in range(t.row_count)]


async def open_gke(pilot, app, arg: str = "", count: int = 1) -> None:
    await pilot.press("colon", *f"gke {arg}".strip(), "enter")
    await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == "gke"
                   and table(app).row_count >= count
                   and "loading" not in str(table(app).border_title), what="the gke view")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.asyncio
async def test_gke_lists_clusters_and_enter_switches_to_one(app, cloud_world):
    cloud_world.cloud.add_cluster(PROJECT, "us-central1-a", "batch", endpoint="10.0.0.9",
                                  ca_pem=b"x", node_count=7, version="1.30.9-gke.1",
                                  status="RECONCILING")
    gke_pods = cloud_world.sim.cluster
    gke_pods.create(gke_pods.type_for("pods"), {
        "metadata": {"name": "only-in-gke", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        assert "only-in-gke" not in column(screen)
        first = app.session
        await open_gke(pilot, app, count=2)
        assert table(app).border_title == f"gke({PROJECT})[2]"
        assert [str(c.label) for c in table(app).columns.values()] == [
            "NAME", "LOCATION", "STATUS", "VERSION", "NODES", "ENDPOINT"]
        assert rows(app) == [
            [CLUSTER, LOCATION, "RUNNING", "1.31.5-gke.1233000", "3", cloud_world.endpoint],
            ["batch", "us-central1-a", "RECONCILING", "1.30.9-gke.1", "7", "10.0.0.9"]]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.context == GKE_CONTEXT, what="the switch")
        screen = await wait_view(pilot, app, "pods")
        await wait_for(pilot, lambda: "only-in-gke" in column(screen), what="the GKE pods")
        assert app.flash_message == (f"switched to GKE cluster {REF}", "information")
        assert f"Context:  {GKE_CONTEXT}" in screen_text(app)
        assert cloud_world.sim.url in screen_text(app)
        assert first.conn._closed
        await open_gke(pilot, app, count=2)
        assert rows(app)[0][0] == f"{CLUSTER}(*)"
        assert table(app).cursor_row == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.flash_message[0] == f"already on GKE cluster {REF}",
                       what="already there")
        assert app.session.context == GKE_CONTEXT


@pytest.mark.asyncio
async def test_gke_with_a_project_lists_that_project(app, cloud_world):
    cloud_world.cloud.add_project("other")
    cloud_world.cloud.add_cluster("other", "asia-east1", "far", endpoint="10.9.9.9",
                                  ca_pem=b"x", private=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await open_gke(pilot, app, "other")
        assert table(app).border_title == "gke(other)[1]"
        assert rows(app) == [["far", "asia-east1", "RUNNING", "1.31.5-gke.1233000", "3",
                             "10.9.9.9 (private)"]]
        assert app.cloud.projects == ["other"]


def _disable(world) -> str:
    world.cloud.disable_service(PROJECT, "container.googleapis.com")
    number = world.cloud.projects[PROJECT].number
    return (f"the Kubernetes Engine API (container.googleapis.com) is not enabled in project "
            f'{PROJECT} - enable it with "gcloud services enable container.googleapis.com '
            f'--project {PROJECT}" or at https://console.developers.google.com/apis/api/'
            f"container.googleapis.com/overview?project={number}, then retry")


def _deny(world) -> str:
    world.cloud.deny("container.clusters.get")
    return (f"permission denied: {ACCOUNT} lacks container.clusters.get (needed to get GKE "
            f"cluster {REF}) - grant a role that includes it, e.g. "
            "roles/container.clusterViewer")


def _stop_cluster(world) -> str:
    world.cloud.gke.clusters[f"projects/{PROJECT}/locations/{LOCATION}/clusters/{CLUSTER}"] \
        .status = "STOPPING"
    return f'GKE cluster "{CLUSTER}" is STOPPING - it cannot be connected to'


@pytest.mark.asyncio
@pytest.mark.parametrize("breakage", [_disable, _deny, _stop_cluster])
async def test_a_failed_connect_keeps_the_current_cluster(app, cloud_world, breakage):
    async with app.run_test(size=(120, 40)) as pilot:
        pods = await wait_view(pilot, app, "pods")
        session = app.session
        await open_gke(pilot, app)
        gke_view = app.screen
        expected = breakage(cloud_world)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the failure")
        assert app.flash_message[0] == f"cannot switch to GKE cluster {REF}: {expected}"
        assert app.session is session and not session.conn._closed
        assert app.screen is gke_view
        await pilot.press("escape", "colon", *"pods", "enter")
        await wait_for(pilot, lambda: app.screen is not gke_view, what="back to pods")
        assert app.session is session and pods is not None


@pytest.mark.asyncio
async def test_an_unreachable_private_endpoint_is_one_line_and_keeps_the_cluster(
        app, cloud_world):
    port = closed_port()
    cloud_world.cloud.add_cluster(PROJECT, "us-east1", "private",
                                  endpoint=f"127.0.0.1:{port}", ca_pem=cloud_world.sim.ca_pem,
                                  private=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        session = app.session
        await open_gke(pilot, app, count=2)
        assert rows(app)[1][0] == "private"
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the failure")
        text = app.flash_message[0]
        assert text.startswith(f"cannot switch to GKE cluster {PROJECT}/us-east1/private: "
                               f"cannot reach the private endpoint https://127.0.0.1:{port} "
                               f'of GKE cluster "gke_{PROJECT}_us-east1_private": connection '
                               "refused - a private endpoint is reachable only from inside")
        assert "\n" not in text
        assert app.session is session and not session.conn._closed


NO_ADC = ('error: no Google Cloud credentials found (Application Default Credentials) - run '
          '"gcloud auth application-default login", or set GOOGLE_APPLICATION_CREDENTIALS to a '
          "service-account key file")


@pytest.mark.asyncio
async def test_without_credentials_the_views_say_how_to_create_them_then_work_once_they_exist(
        app, cloud_world, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        session = app.session
        for command, title in (("gke", "gke[-]"), ("images", "repositories[-]")):
            app.flash("")
            await pilot.press("colon", *command, "enter")
            await wait_for(pilot, lambda: app.flash_message[1] == "error", what="no ADC")
            assert app.flash_message[0] == NO_ADC
            assert table(app).border_title == title
        assert app.session is session
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(cloud_world.key))
        await open_gke(pilot, app)
        assert rows(app)[0][0] == CLUSTER


def _registry(world) -> None:
    cloud = world.cloud
    now = world.clock.now()
    repo = cloud.add_repository(PROJECT, "europe-west1", "apps", create_time=now - 90 * DAY)
    pushed = (("web/api", "a" * 64, ("1.4.2", "stable"), 92_310_400, 1),
              ("web/api", "b" * 64, ("1.4.1",), 92_288_100, 9),
              ("jobs/report", "c" * 64, ("2024-06",), 12_004_000, 60))
    for image, hexdigest, tags, size, age in pushed:
        for tag in tags:
            cloud.registry.push(f"europe-west1-docker.pkg.dev/{PROJECT}/apps/{image}:{tag}",
                                f"sha256:{hexdigest}", size)
        repo.images[(image, f"sha256:{hexdigest}")].upload_time = now - age * DAY
    cloud.add_repository(PROJECT, "us", "jars", format="MAVEN", create_time=now - 3 * DAY)


IMAGE_ROWS = [["jobs/report", "2024-06", "sha256:cccccccccccc", "12MB", "60d"],
              ["web/api", "1.4.2,stable", "sha256:aaaaaaaaaaaa", "92.31MB", "24h"],
              ["web/api", "1.4.1", "sha256:bbbbbbbbbbbb", "92.29MB", "9d"]]


@pytest.mark.asyncio
async def test_images_lists_repositories_and_drills_into_one(app, cloud_world):
    _registry(cloud_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("colon", *"images", "enter")
        await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == "repositories"
                       and table(app).row_count == 2, what="the repositories")
        repositories = app.screen
        assert table(app).border_title == f"repositories({PROJECT})[2]"
        assert [str(c.label) for c in table(app).columns.values()] == [
            "NAME", "LOCATION", "FORMAT", "SIZE", "UPDATED"]
        assert rows(app) == [["apps", "europe-west1", "DOCKER", "196.6MB", "24h"],
                             ["jars", "us", "MAVEN", "0B", "3d"]]
        assert app.cloud.repositories == ["apps", "jars"]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: "MAVEN" in app.flash_message[0], what="not docker")
        assert app.flash_message == ("repository jars holds MAVEN packages; only docker images "
                                     "are listed", "warning")
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == "apps"
                       and table(app).row_count == 3, what="the images")
        assert table(app).border_title == \
            f"images(europe-west1-docker.pkg.dev/{PROJECT}/apps)[3]"
        assert [str(c.label) for c in table(app).columns.values()] == [
            "IMAGE", "TAGS", "DIGEST", "SIZE", "UPLOADED"]
        assert rows(app) == IMAGE_ROWS
        assert app.stack_crumbs == ("repositories", "apps")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is repositories, what="back")


@pytest.mark.asyncio
@pytest.mark.parametrize(("spec", "expected"), [
    ("apps", IMAGE_ROWS),
    (f"europe-west1-docker.pkg.dev/{PROJECT}/apps", IMAGE_ROWS),
    (f"projects/{PROJECT}/locations/europe-west1/repositories/apps", IMAGE_ROWS),
    (f"europe-west1-docker.pkg.dev/{PROJECT}/apps/web/api", IMAGE_ROWS[1:]),
])
async def test_images_repo_opens_the_repository_directly(app, cloud_world, spec, expected):
    _registry(cloud_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("colon", *f"images {spec}", "enter")
        await wait_for(pilot, lambda: getattr(app.screen, "COLUMNS", ())[:1] == ("IMAGE",)
                       and table(app).row_count == len(expected), what="the images")
        assert rows(app) == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(("spec", "message"), [
    ("nope", f'error: no Artifact Registry repository "nope" in project {PROJECT} - list them '
             "with :images"),
    (f"us-docker.pkg.dev/{PROJECT}/gone",
     f'error: Artifact Registry repository "gone" not found in project {PROJECT}, location us '
     f'(us-docker.pkg.dev/{PROJECT}/gone) - list them with "kubedeck images --project '
     f'{PROJECT}"'),
])
async def test_an_unknown_repository_is_one_line(app, cloud_world, spec, message):
    _registry(cloud_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("colon", *f"images {spec}", "enter")
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the failure")
        assert app.flash_message[0] == message
        assert str(table(app).border_title).endswith("[-]")
