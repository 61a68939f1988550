"""`kubedeck --gke PROJECT/LOCATION/CLUSTER`: the explorer on a GKE cluster through the path
`kubedeck get --gke` takes, with the same one-line errors before the TUI starts; and the
`gke` / `images` commands' parsing and completion."""

from __future__ import annotations

import pytest
from cloud_support import CLUSTER, LOCATION, PROJECT, run_cli
from tui_support import column, wait_for, wait_view

from kubedeck.config import Config
from kubedeck.frontends import ExplorerOptions
from kubedeck.kube.errors import KubedeckError
from tui import launch
from tui.commands import BUILTINS, Command, complete, parse

REF = f"{PROJECT}/{LOCATION}/{CLUSTER}"
GKE_CONTEXT = f"gke_{PROJECT}_{LOCATION}_{CLUSTER}"


@pytest.mark.integration
@pytest.mark.asyncio
async def test_gke_flag_opens_the_explorer_on_the_cluster(cloud_world, capsys):
    cluster = cloud_world.sim.cluster
    cluster.create(cluster.type_for("pods"), {
        "metadata": {"name": "on-gke", "namespace": "kube-public"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    app = launch.build_app(ExplorerOptions(gke=REF, namespace="kube-public"), Config(),
                           discovery_cache=False)
    try:
        assert capsys.readouterr().err == (
            "fetching the cluster's endpoint and CA from the GKE API\n"
            f"connecting to {cloud_world.sim.url}\n")
        assert app.session.context == GKE_CONTEXT
        assert app.session.conn.server == cloud_world.sim.url
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await wait_view(pilot, app, "pods")
            assert column(screen) == ["on-gke"]
            await pilot.press("colon", *"gke", "enter")
            await wait_for(pilot, lambda: getattr(app.screen, "crumb", "") == "gke"
                           and app.screen.query_one("#cloud-table").row_count == 1,
                           what="the gke view")
            row = app.screen.query_one("#cloud-table").get_row_at(0)
            assert str(row[0]) == f"{CLUSTER}(*)"
        assert cloud_world.cloud.oauth.grants == 1  # one token: GKE API, cluster and :gke
    finally:
        app.session.close()
        app.cloud.close()


@pytest.mark.integration
@pytest.mark.parametrize("argv", [
    ["--gke", "just-a-name"],
    ["--gke", f"{PROJECT}/{LOCATION}/nope"],
    ["--gke", REF, "--context", "x"],
])
def test_gke_flag_errors_are_get_gkes_line(cloud_world, argv):
    code, out, err = run_cli(*argv)
    get_code, _, get_err = run_cli("get", "ns", *argv)
    assert (code, out) == (get_code, "") == (1, "")
    assert err.splitlines()[-1] == get_err.splitlines()[-1]
    assert get_err.splitlines()[-1].startswith("error: ")


@pytest.mark.integration
def test_gke_flag_names_a_missing_permission(cloud_world):
    cloud_world.cloud.deny("container.clusters.get")
    code, _, err = run_cli("--gke", REF)
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: permission denied: kubedeck@{PROJECT}.iam.gserviceaccount.com lacks "
        f"container.clusters.get (needed to get GKE cluster {REF}) - grant a role that "
        "includes it, e.g. roles/container.clusterViewer")


def test_gke_flag_is_global_for_get_but_refused_by_the_demo():
    code, _, err = run_cli("--gke", "p/l/c", "demo")
    assert code == 2
    assert err == ("error: the demo runs on its embedded cluster; drop --gke (inside the "
                   "demo, :gke lists its GKE clusters)\n")
    from kubedeck.cli import build_parser

    assert build_parser().parse_args(["--gke", "p/l/c", "get", "ns"]).gke == "p/l/c"


@pytest.mark.integration
def test_a_bad_first_command_closes_the_cloud_too(cloud_world, monkeypatch):
    from tui.cloud_access import CloudAccess

    closed: list[CloudAccess] = []
    real_close = CloudAccess.close
    monkeypatch.setattr(CloudAccess, "close", lambda self: (closed.append(self),
                                                            real_close(self)))
    with pytest.raises(KubedeckError) as caught:
        launch.build_app(ExplorerOptions(gke=REF, command="bogus"), Config(),
                         discovery_cache=False)
    assert caught.value.exit_code == 2
    assert str(caught.value) == 'error: -c "bogus": the server doesn\'t have a resource type ' \
                                '"bogus"'
    assert len(closed) == 1


def test_gke_and_images_parse_as_builtins():
    assert parse("gke") == Command("gke")
    assert parse("gke other-project") == Command("gke", "other-project")
    assert parse("images") == Command("images")
    assert parse("image europe-west1-docker.pkg.dev/p/apps") == \
        Command("images", "europe-west1-docker.pkg.dev/p/apps")
    with pytest.raises(KubedeckError, match="at most one argument"):
        parse("gke a b")
    assert {"gke", "images"} <= set(BUILTINS)


def test_completion_offers_projects_and_repositories_seen():
    names = [*BUILTINS, "pods", "po"]
    cloud = {"gke": ["kubedeck-demo", "other"], "images": ["apps", "apps-staging"]}
    assert complete("gk", names) == ["gke"]
    assert complete("im", names) == ["images"]
    assert complete("gke kube", names, ["kube-system"], [], cloud) == ["gke kubedeck-demo"]
    assert complete("images app", names, ["apps-ns"], [], cloud) == \
        ["images apps", "images apps-staging"]
    assert complete("images a", names, ["apps-ns"]) == []
    assert complete("po app", names, ["apps-ns"], [], cloud) == ["po apps-ns"]
