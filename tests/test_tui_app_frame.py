"""The app frame: header, flash, worker errors as flashes, the view stack and breadcrumbs,
the connection indicator."""

from __future__ import annotations

import pytest
from tui_support import build_app, screen_text, wait_for, wait_view

from kubedeck.fake.serve import serve
from kubedeck.kube.errors import ApiError


@pytest.mark.asyncio
async def test_header_names_context_cluster_server_user_and_versions(demo_app, demo_world):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        text = screen_text(demo_app)
        for expected in ("Context:  kubedeck-demo", "Cluster:  kubedeck-demo",
                         f"Server:   {demo_world.server.url}", "User:     kubedeck-user",
                         "K8s Rev:  v1.31.0-kubedeck", "Kubedeck: 0.1.0", "<0> all",
                         "Namespace: default", "● connected"):
            assert expected in text


@pytest.mark.asyncio
async def test_flash_shows_and_clears_itself(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        demo_app.flash("sticky one", sticky=True)
        demo_app.flash_seconds = 0.2
        demo_app.flash("deleted pod/x")
        await pilot.pause()
        assert "deleted pod/x" in screen_text(demo_app)
        assert "sticky one" not in screen_text(demo_app)
        await wait_for(pilot, lambda: "deleted pod/x" not in screen_text(demo_app),
                       what="the flash to clear")


@pytest.mark.asyncio
async def test_worker_error_becomes_one_line_flash(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")

        def fail() -> None:
            raise ApiError('forbidden: cannot delete pods in namespace "shop"', 403,
                           "Forbidden", None, None)

        demo_app.run_worker(fail, thread=True, exit_on_error=False)
        await wait_for(pilot, lambda: demo_app.flash_message[1] == "error")
        assert demo_app.flash_message[0] == 'forbidden: cannot delete pods in namespace "shop"'
        assert "Traceback" not in screen_text(demo_app)


@pytest.mark.asyncio
async def test_drill_down_pushes_and_escape_pops_with_crumbs(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        await pilot.press("colon", *"deploy", "enter")
        deployments = await wait_view(pilot, demo_app, "deployments")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(demo_app.views()) == 2, what="the drill-down")
        await wait_view(pilot, demo_app, "pods")
        assert "<deployments>" in screen_text(demo_app)
        assert demo_app.stack_crumbs[0] == "deployments"
        await pilot.press("escape")
        await wait_for(pilot, lambda: demo_app.screen is deployments, what="the pop")
        assert demo_app.stack_crumbs == ("deployments",)
        await pilot.press("escape")  # the last view stays
        await pilot.pause()
        assert demo_app.screen is deployments


@pytest.mark.asyncio
async def test_lost_connection_banner_then_reconnected(demo_world):
    app = build_app(demo_world, probe_seconds=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        port = demo_world.server.port
        demo_world.server.stop()
        await wait_for(pilot, lambda: not app.connection_state[0], what="the lost link")
        text, severity = app.flash_message
        assert text == (f"connection to {demo_world.server.url} lost: connection refused "
                        "— retrying")
        assert severity == "error"
        assert text in screen_text(app)
        demo_world.server = serve(demo_world.cluster, port=port)
        await wait_for(pilot, lambda: app.connection_state[0], what="the link back")
        assert app.flash_message == (f"reconnected to {demo_world.server.url}", "information")
    app.session.close()


@pytest.mark.asyncio
async def test_now_is_the_injected_clock(demo_app, demo_world):
    assert demo_app.now() == demo_world.clock.now()
    demo_world.clock.advance(30)
    assert demo_app.now() == demo_world.clock.now()


@pytest.mark.asyncio
async def test_flash_shows_brackets_literally(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, demo_app, "pods")
        demo_app.flash('invalid selector "a in [b]x[/]"', "error")
        await pilot.pause()
        assert 'invalid selector "a in [b]x[/]"' in screen_text(demo_app)
