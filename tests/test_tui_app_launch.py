"""Launching the explorer: kubectl/k9s flags through tui.launch, one-line errors before the
TUI starts, and the entry point that keeps `kubedeck get` free of textual (checked by
tests/test_cli_imports.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_support import wait_view

from kubedeck.cli import main
from kubedeck.config import Config
from kubedeck.frontends import ExplorerOptions, find_frontend
from kubedeck.kube.errors import KubedeckError
from tui import launch


def options(world, **kw) -> ExplorerOptions:
    return ExplorerOptions(kubeconfig=str(world.kubeconfig), **kw)


@pytest.mark.asyncio
@pytest.mark.parametrize(("flags", "kind", "namespace"), [
    ({}, "pods", "default"),
    ({"command": "deploy", "all_namespaces": True}, "deployments", None),
    ({"command": "po", "namespace": "kube-system"}, "pods", "kube-system"),
    ({"command": "po kube-system"}, "pods", "kube-system"),
    ({"command": "svc -A"}, "services", None),
])
async def test_flags_choose_first_view_and_namespace(demo_world, flags, kind, namespace):
    app = launch.build_app(options(demo_world, **flags), Config(), discovery_cache=False,
                           clock=demo_world.clock.now)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, kind)
        assert app.session.namespace == namespace
        assert screen.namespace == namespace
    app.session.close()


def test_readonly_flag_holds(demo_world):
    app = launch.build_app(options(demo_world, readonly=True), Config(), discovery_cache=False)
    assert app.session.readonly and app.force_readonly
    app.session.close()


def test_unknown_first_kind_is_a_usage_error(demo_world):
    with pytest.raises(KubedeckError) as caught:
        launch.build_app(options(demo_world, command="bogus"), Config(), discovery_cache=False)
    assert caught.value.exit_code == 2
    assert str(caught.value) == ('error: -c "bogus": the server doesn\'t have a resource '
                                 'type "bogus"')


def cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err.strip()


def test_errors_match_kubedeck_get_before_the_tui(demo_world, capsys, tmp_path: Path):
    kc = str(demo_world.kubeconfig)
    for extra in (["--context", "nope"], ["--kubeconfig", str(tmp_path / "missing")]):
        args = ["--kubeconfig", kc, *extra]
        explorer = cli(args, capsys)
        get = cli([*args, "get", "pods"], capsys)
        assert explorer == get and explorer[0] == 1 and explorer[1].startswith("error: ")
    demo_world.server.stop()
    code, err = cli(["--kubeconfig", kc], capsys)
    assert code == 1
    assert err.startswith("error: the connection to the server 127.0.0.1:") and "refused" in err


def test_bad_config_file_is_one_line(demo_world, capsys, tmp_path: Path, monkeypatch):
    bad = tmp_path / "config.yaml"
    bad.write_text("readonly: true\nkeys:\n  descrbe: x\n")
    monkeypatch.setenv("KUBEDECK_CONFIG", str(bad))
    code, err = cli(["--kubeconfig", str(demo_world.kubeconfig)], capsys)
    assert code == 1
    assert err == (f'{bad}:3: keys.descrbe: unknown binding id "descrbe" (did you mean '
                   '"describe"?)')


def test_entry_point_is_the_launcher():
    assert find_frontend("explorer") is launch.run
