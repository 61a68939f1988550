"""Describe, YAML, events and decoded-secret views: content, search, managedFields, wrap,
copy, and the deleted banner."""

from __future__ import annotations

import pytest
from tui_actions_support import kubectl_for, ref, settled, until

from tui import resource_actions
from tui.screens.detail import DetailScreen

pytestmark = pytest.mark.asyncio


async def open_detail(pilot, app, action: str, kind: str, name: str, ns: str | None):
    worker = await resource_actions.run(app.screen, action, [ref(app, kind, name, ns)])
    await settled(pilot, worker)
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    await until(pilot, lambda: screen.loaded, what=f"{action} text")
    return screen


SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: web}
data: {mode: fast}
"""


async def test_yaml_is_the_object_and_hides_managed_fields_until_toggled(demo_app, demo_world,
                                                                         tmp_path):
    kubectl = kubectl_for(demo_world, tmp_path)
    assert kubectl("apply", "--server-side", "-f", "-", input=SETTINGS).returncode == 0
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "cm", "settings", "web")
        text = "\n".join(screen.plain_lines())
        assert "name: settings" in text and "mode: fast" in text
        assert "managedFields" not in text
        await pilot.press("m")
        await until(pilot, lambda: "managedFields" in screen.text, what="managedFields")
        await pilot.press("m")
        await until(pilot, lambda: "managedFields" not in screen.text, what="fields hidden")


async def test_yaml_is_highlighted(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "deploy", "frontend", "guestbook")
        assert any(line.spans for line in screen.view.lines)


async def test_search_highlights_and_moves_between_matches(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "deploy", "frontend", "guestbook")
        await pilot.press("slash", *"name:", "enter")
        rows = screen.view.match_rows()
        assert len(rows) >= 2
        assert screen.view.current_match == rows[0]
        await pilot.press("n")
        assert screen.view.current_match == rows[1]
        await pilot.press("N")
        assert screen.view.current_match == rows[0]
        await pilot.press("N")
        assert screen.view.current_match == rows[-1]


async def test_search_with_an_invalid_regex_is_literal(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "deploy", "frontend", "guestbook")
        await pilot.press("slash", *"tier: (", "enter")
        assert screen.view.match_rows() == []
        assert "no match" in demo_app.flash_message[0]


async def test_describe_names_the_object_and_ends_with_events(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "describe", "deploy", "frontend", "guestbook")
        text = "\n".join(screen.plain_lines())
        assert text.startswith("Name:")
        assert "frontend" in text.splitlines()[0]
        assert "Events:" in text


async def test_events_view_is_a_table(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "events", "deploy", "frontend", "guestbook")
        lines = screen.plain_lines()
        assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        assert any("ScalingReplicaSet" in line and "deployment/frontend" in line
                   for line in lines[1:])


async def test_decode_shows_secret_values(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        secret = demo_app.session.conn.get("/api/v1/namespaces/web/secrets/storefront-secrets")
        screen = await open_detail(pilot, demo_app, "decode", "secret", "storefront-secrets",
                                   "web")
        import base64
        import json

        data = json.loads(secret)["data"]
        key, value = next(iter(data.items()))
        assert f"{key}: {base64.b64decode(value).decode()}" in "\n".join(screen.plain_lines())


async def test_decode_is_not_offered_for_other_kinds(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await resource_actions.run(demo_app.screen, "decode",
                                            [ref(demo_app, "cm", "x", "web")])
        await pilot.pause()
        assert worker is None
        assert "does not apply" in demo_app.flash_message[0]


async def test_copy_puts_the_text_on_the_clipboard(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "deploy", "frontend", "guestbook")
        await pilot.press("c")
        assert demo_app.clipboard == screen.text
        assert demo_app.flash_message[0].startswith("copied")


async def test_wrap_splits_long_lines_into_rows(demo_app):
    async with demo_app.run_test(size=(60, 30)) as pilot:
        screen = await open_detail(pilot, demo_app, "describe", "deploy", "frontend", "guestbook")
        rows = screen.view.row_count
        assert max(line.cell_len for line in screen.view.lines) > 60
        await pilot.press("w")
        assert screen.view.row_count > rows
        await pilot.press("w")
        assert screen.view.row_count == rows


async def test_deleted_object_keeps_its_text_under_a_banner(demo_app, demo_world):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "cm", "kube-root-ca.crt", "web")
        before = screen.text
        demo_world.cluster.delete(demo_world.cluster.type_for("configmaps"), "web",
                                  "kube-root-ca.crt")
        screen.load()
        await until(pilot, lambda: screen.deleted, what="the deleted banner")
        banner = str(screen.query_one("#detail-banner").render())
        assert banner == "configmap web/kube-root-ca.crt was deleted"
        assert screen.text == before


async def test_keys_from_the_table_and_escape_closes_find_before_the_view(demo_world):
    from tui_support import build_app, wait_for, wait_view

    app = build_app(demo_world, command="deploy guestbook", probe_seconds=0)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = await wait_view(pilot, app, "deployments", rows=3)
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), what="YAML")
            screen = app.screen
            assert screen.ref.name == "frontend" and screen.mode == "yaml"
            await pilot.press("slash", "x")
            find = screen.query_one("#detail-find")
            assert find.has_focus
            await pilot.press("escape")
            assert app.screen is screen and not find.has_class("-shown")
            await pilot.press("escape")
            assert app.screen is table
    finally:
        app.session.close()


async def test_a_failed_refresh_shows_the_error_until_a_fetch_works(demo_app, demo_world):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, demo_app, "yaml", "deploy", "frontend", "guestbook")
        banner = screen.query_one("#detail-banner")
        demo_world.server.server.deny = frozenset({("get", "deployments")})
        screen.load()
        await until(pilot, lambda: banner.has_class("-shown"), what="the error banner")
        assert "forbidden" in str(banner.render()) and not screen.deleted
        assert "name: frontend" in screen.text
        demo_world.server.server.deny = frozenset()
        screen.load()
        await until(pilot, lambda: not banner.has_class("-shown"), what="the banner to go")
