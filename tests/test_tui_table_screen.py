"""ResourceScreen against the embedded simulated cluster: the reflector feeds the table."""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.screen import Screen
from tui_support import build_app

from kubedeck.config import Config
from kubedeck.kube.discovery import APIResource
from tui.screens.resources import ResourceScreen

KUBECTL = shutil.which("kubectl")


async def wait_for(pilot, condition: Callable[[], object], what: str, limit: float = 15.0):
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def store_pods(world, namespace: str | None = None, labels: dict | None = None) -> set[str]:
    items = world.cluster.store.list(world.cluster.type_for("pods"))[0]
    out = set()
    for p in items:
        meta = p["metadata"]
        if namespace and meta["namespace"] != namespace:
            continue
        if labels and any(meta.get("labels", {}).get(k) != v for k, v in labels.items()):
            continue
        out.add(meta["name"])
    return out


def shown(screen: ResourceScreen) -> set[str]:
    return {r.name for r in screen.model.rows()}


async def open_view(pilot, app, command: str) -> ResourceScreen:
    if command:
        app.open_command(command)
    await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen)
                   and app.screen.reflector is not None
                   and app.screen.reflector.synced.is_set()
                   and app.screen.model.total > 0, f"the {command or 'first'} view")
    await pilot.pause()
    return app.screen


def kubectl(world, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": str(world.kubeconfig)}
    return subprocess.run([KUBECTL, *args], env=env, capture_output=True, text=True,
                          timeout=60, check=True)


@pytest.mark.asyncio
async def test_rows_appear_with_counts_in_the_title(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        expected = store_pods(demo_world)
        await wait_for(pilot, lambda: shown(screen) == expected, "every pod")
        assert screen.table.border_title == f"pods(all)[{len(expected)}]"
        header = screen.table.render_line(0).text.split()
        assert header[:2] == ["NAMESPACE", "NAME↑"]
    app.session.close()


@pytest.mark.asyncio
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
async def test_kubectl_deletes_and_creates_show_up(demo_world):
    app = build_app(demo_world, namespace="guestbook")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        victim = sorted(shown(screen))[0]
        screen.table.move_cursor(0)
        await asyncio.to_thread(kubectl, demo_world, "delete", "pod", victim, "-n", "guestbook",
                                "--grace-period=0", "--force")
        await wait_for(pilot, lambda: victim not in shown(screen), "the deleted pod to go")
        assert screen.model.selected_row() is not None  # the neighbour took the cursor
        await asyncio.to_thread(kubectl, demo_world, "run", "newcomer", "--image=nginx",
                                "-n", "guestbook")
        await wait_for(pilot, lambda: "newcomer" in shown(screen), "the new pod")
        assert shown(screen) == store_pods(demo_world, "guestbook")
    app.session.close()


@pytest.mark.asyncio
async def test_label_selector_filter_restarts_the_reflector_server_side(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        first = screen.reflector
        await pilot.press("slash")
        for key in "-l tier=frontend":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        expected = store_pods(demo_world, labels={"tier": "frontend"})
        await wait_for(pilot, lambda: shown(screen) == expected, "only the selected pods")
        assert screen.reflector is not first and not first._worker.is_alive()
        assert screen.reflector.label_selector == "tier=frontend"
        assert len(screen.reflector.snapshot()) == len(expected)  # filtered by the server
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.reflector.label_selector is None
                       and shown(screen) == store_pods(demo_world), "the selector cleared")
    app.session.close()


@pytest.mark.asyncio
async def test_text_filter_is_live_and_esc_clears_it(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        total = screen.model.total
        await pilot.press("slash", "r", "e", "d", "i", "s")
        assert shown(screen) == {n for n in store_pods(demo_world) if "redis" in n}
        assert screen.table.border_title.startswith(f"pods(all)[{len(shown(screen))}/{total}]")
        await pilot.press("enter")  # keeps the filter, back to the table
        assert screen.table.has_focus and len(screen.model) < total
        await pilot.press("escape")
        assert len(screen.model) == total
    app.session.close()


@pytest.mark.asyncio
async def test_a_suspended_view_stops_its_reflector_and_resumes(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        running = screen.reflector
        app.push_screen(Screen())
        await wait_for(pilot, lambda: screen.reflector is None, "the reflector to stop")
        assert not running._worker.is_alive() and not running._dispatcher.is_alive()
        rows_before = {r.name: r for r in screen.model.rows()}
        demo_world.cluster.store.remove(demo_world.cluster.type_for("pods"), "guestbook",
                                        sorted(store_pods(demo_world, "guestbook"))[0])
        app.pop_screen()
        await wait_for(pilot, lambda: screen.reflector is not None
                       and shown(screen) == store_pods(demo_world), "a resumed, relisted view")
        # unchanged objects keep their rows: nothing was rebuilt
        assert all(r is rows_before[r.name] for r in screen.model.rows())
    app.session.close()


@pytest.mark.asyncio
async def test_enter_on_a_deployment_lists_exactly_its_pods(demo_world):
    app = build_app(demo_world, namespace="guestbook")
    async with app.run_test(size=(120, 40)) as pilot:
        deployments = await open_view(pilot, app, "deploy")
        names = [r.name for r in deployments.model.rows()]
        deployments.table.move_cursor(names.index("frontend"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not deployments
                       and isinstance(app.screen, ResourceScreen)
                       and app.screen.model.total > 0, "the pods of frontend")
        pods = app.screen
        expected = store_pods(demo_world, "guestbook", {"app": "guestbook", "tier": "frontend"})
        assert shown(pods) == expected and pods.resource.name == "pods"
        assert pods.reflector.label_selector == "app=guestbook,tier=frontend"
        assert deployments.reflector is None  # not visible: stopped
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is deployments
                       and deployments.reflector is not None, "back to deployments")
    app.session.close()


@pytest.mark.asyncio
async def test_ctrl_s_saves_the_filtered_table_as_csv(demo_world, tmp_path: Path):
    app = build_app(demo_world, all_namespaces=True, config=Config(csv_dir=str(tmp_path / "out")))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        screen.set_filter("redis", live=False)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list((tmp_path / "out").glob("*.csv")), "the CSV file")
        await app.workers.wait_for_complete()
        [path] = (tmp_path / "out").glob("*.csv")
        assert path.name.startswith("kubedeck-demo-pods-all-")
        rows = list(csv.reader(path.read_text().splitlines()))
        assert rows[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        assert {r[1] for r in rows[1:]} == {n for n in store_pods(demo_world) if "redis" in n}
        assert str(path) in app.flash_message[0]
    app.session.close()


@pytest.mark.asyncio
async def test_sort_keys_and_errors_only(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        await pilot.press("T")
        restarts = [r.cells[3] for r in screen.model.rows()]
        counts = [int(c.split()[0]) for c in restarts]
        assert counts == sorted(counts)
        await pilot.press("T")
        assert [int(r.cells[3].split()[0]) for r in screen.model.rows()] == sorted(counts,
                                                                                    reverse=True)
        assert "RESTARTS↓" in screen.table.render_line(0).text
        await pilot.press("ctrl+z")
        assert len(screen.model) > 0
        assert all(r.status == "failing" for r in screen.model.rows())
        assert len(screen.model) < screen.model.total
        screen.set_filter("no-such-pod", live=False)
        assert "match the filter" in state_text(screen)
    app.session.close()


@pytest.mark.asyncio
async def test_a_kind_without_list_verb_says_why(demo_world):
    app = build_app(demo_world)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_view(pilot, app, "")
        bindings = APIResource("", "v1", "bindings", "binding", "Binding", True, ("create",))
        app.reset_view(ResourceScreen(bindings, "default"))
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen)
                       and app.screen.resource is bindings and app.screen.is_mounted, "the view")
        await pilot.pause()
        state = str(app.screen.query_one("#table-state").render())
        assert "bindings cannot be listed" in state and "no list or watch verb" in state
        assert app.screen.reflector is None
    app.session.close()


def state_text(screen: ResourceScreen) -> str:
    return str(screen.query_one("#table-state").render())


@pytest.mark.asyncio
async def test_a_403_says_which_verb_on_what_was_denied(demo_world):
    demo_world.server.server.deny = frozenset({("list", "secrets")})
    app = build_app(demo_world, namespace="default")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_view(pilot, app, "")
        app.open_command("secrets")
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen)
                       and app.screen.resource.name == "secrets"
                       and "forbidden" in state_text(app.screen), "the 403 state")
        text = state_text(app.screen)
        assert text.startswith('cannot list secrets in namespace "default": forbidden')
        assert "retrying in" in text and "\n" not in text
        assert app.screen.model.total == 0
    app.session.close()


@pytest.mark.asyncio
async def test_a_lost_connection_shows_and_recovers_by_itself(demo_world):
    from kubedeck.fake.serve import serve

    app = build_app(demo_world, namespace="guestbook")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        rows = shown(screen)
        port = demo_world.server.port
        demo_world.server.stop()
        await wait_for(pilot, lambda: "connection lost" in state_text(screen), "the banner")
        assert "retrying in" in state_text(screen)
        assert shown(screen) == rows  # the last known rows stay
        revived = serve(demo_world.cluster, port=port)
        try:
            victim = sorted(rows)[0]
            demo_world.cluster.store.remove(demo_world.cluster.type_for("pods"), "guestbook",
                                            victim)
            await wait_for(pilot, lambda: state_text(screen) == ""
                           and victim not in shown(screen), "the view to recover", limit=60)
        finally:
            revived.stop()
    app.session.close()


@pytest.mark.asyncio
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
async def test_a_custom_resource_shows_its_crd_printer_columns_as_kubectl_does(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_view(pilot, app, "certificates")
        expected = await asyncio.to_thread(kubectl, demo_world, "get", "certificates", "-A")
        lines = expected.stdout.splitlines()
        assert screen.model.headers() == lines[0].split()
        rows = [" ".join(" ".join(r).split()) for r in screen.model.table_rows()]
        assert rows == [" ".join(line.split()) for line in lines[1:]]
        assert any(r[4] == "" for r in screen.model.table_rows())  # a missing value is blank
        screen.action_wide()
        wide = await asyncio.to_thread(kubectl, demo_world, "get", "certificates", "-A",
                                       "-o", "wide")
        assert screen.model.headers() == wide.stdout.splitlines()[0].split()
    app.session.close()


async def drill(pilot, app, command: str, name: str) -> ResourceScreen:
    parent = await open_view(pilot, app, command)
    parent.table.move_cursor([r.name for r in parent.model.rows()].index(name))
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is not parent
                   and isinstance(app.screen, ResourceScreen)
                   and app.screen.reflector is not None
                   and app.screen.reflector.synced.is_set()
                   and app.screen.model.total > 0, f"the drill-down from {name}")
    await pilot.pause(0.3)
    return app.screen


@pytest.mark.asyncio
async def test_enter_on_a_node_lists_the_pods_scheduled_there(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        pods = await drill(pilot, app, "nodes", "kubedeck-m03")
        expected = {p["metadata"]["name"] for p in demo_world.cluster.store.list(
            demo_world.cluster.type_for("pods"))[0] if p["spec"].get("nodeName") == "kubedeck-m03"}
        assert shown(pods) == expected
        assert pods.reflector.field_selector == "spec.nodeName=kubedeck-m03"
    app.session.close()


@pytest.mark.asyncio
async def test_enter_on_a_cronjob_lists_only_the_jobs_it_owns(demo_world):
    app = build_app(demo_world, namespace="batch")
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await drill(pilot, app, "cronjobs", "metrics-rollup")
        assert jobs.resource.name == "jobs"
        assert shown(jobs) == {"metrics-rollup-29833331", "metrics-rollup-29833332",
                               "metrics-rollup-29833333"}  # not db-migrate
    app.session.close()


@pytest.mark.asyncio
async def test_enter_on_a_namespace_switches_to_its_pods(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        namespaces = await open_view(pilot, app, "namespaces")
        namespaces.table.move_cursor([r.name for r in namespaces.model.rows()].index("web"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen)
                       and app.screen.resource.name == "pods"
                       and shown(app.screen) == store_pods(demo_world, "web"), "web's pods")
        assert app.session.namespace == "web"
        assert app.screen.table.border_title.startswith("pods(web)[")
    app.session.close()


@pytest.mark.asyncio
async def test_space_marks_rows_and_ctrl_backslash_clears(demo_world):
    app = build_app(demo_world, namespace="guestbook")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        first, second = screen.model.row(0).name, screen.model.row(1).name
        await pilot.press("space", "space")
        assert [r.name for r in screen.model.marked_rows()] == [first, second]
        assert [ref.name for ref in screen.target_refs()] == [first, second]
        await pilot.press("ctrl+backslash")
        assert screen.model.marks == set()
        assert [ref.name for ref in screen.target_refs()] == [screen.model.row(2).name]
    app.session.close()


@pytest.mark.asyncio
async def test_switching_namespace_keeps_the_sort_and_an_inverse_filter(demo_world):
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        await pilot.press("A")
        screen.set_filter("!redis", live=False)
        app.switch_namespace("guestbook")
        await wait_for(pilot, lambda: screen.reflector is not None and screen.model.total > 0
                       and screen.reflector.synced.is_set(), "the guestbook pods")
        await pilot.pause(0.3)
        assert screen.model.headers()[0] == "NAME"
        assert screen.model.columns[screen.model.sort_column].header == "AGE"
        assert shown(screen) == {n for n in store_pods(demo_world, "guestbook")
                                 if "redis" not in n}
    app.session.close()


@pytest.mark.asyncio
async def test_marks_survive_a_suspend_and_resume_over_several_pages(demo_world):
    from kubedeck.fake.seed import add_pods

    add_pods(demo_world.cluster, 700)  # more than one list page of 500
    app = build_app(demo_world, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "")
        total = len(store_pods(demo_world))
        await wait_for(pilot, lambda: screen.model.total == total, "every pod")
        for row in list(screen.model.rows()):
            screen.model.toggle_mark(row.uid)
        app.push_screen(Screen())
        await wait_for(pilot, lambda: screen.reflector is None, "the reflector to stop")
        app.pop_screen()
        await wait_for(pilot, lambda: screen.reflector is not None
                       and screen.reflector.synced.is_set(), "the relist")
        await pilot.pause(0.5)
        assert screen.model.total == total
        assert len(screen.model.marks) == total  # no row was dropped and re-added
    app.session.close()


@pytest.mark.asyncio
async def test_a_new_session_retargets_the_visible_view(demo_world, tmp_path: Path):
    from tui_support import start_world

    from tui.session import Session

    other = start_world(tmp_path / "other", context="other", seed=11)
    app = build_app(demo_world, all_namespaces=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_view(pilot, app, "")
            first = screen.reflector
            old = app.session
            app.session = await asyncio.to_thread(
                Session.open, config=Config(), kubeconfig_path=str(other.kubeconfig),
                context="other", namespace="guestbook")
            app.session_changed()
            await wait_for(pilot, lambda: screen.reflector is not first
                           and screen.reflector is not None
                           and shown(screen) == store_pods(other, "guestbook"),
                           "the other cluster's pods")
            assert screen.namespace == "guestbook"
            assert not first._worker.is_alive()
            old.close()
    finally:
        app.session.close()
        other.stop()
