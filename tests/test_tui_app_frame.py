"""The app frame: header, flash, worker errors as flashes, the clock, the view stack."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


def screen_text(app) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_header_names_context_server_and_version(demo_app, demo_world):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = screen_text(demo_app)
        assert "kubedeck-demo" in text
        assert demo_world.server.url in text
        assert demo_app.session.server_version in text


async def test_flash_shows_then_clears(demo_app):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        demo_app.flash("deleted pod/x", "information")
        await pilot.pause()
        assert "deleted pod/x" in screen_text(demo_app)
        demo_app._clear_flash()
        await pilot.pause()
        assert "deleted pod/x" not in screen_text(demo_app)


async def test_now_is_the_injected_clock(demo_app, demo_world):
    assert demo_app.now() == demo_world.clock.now()
    demo_world.clock.advance(30)
    assert demo_app.now() == demo_world.clock.now()
