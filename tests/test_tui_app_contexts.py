"""`:ctx`: switching between two simulated clusters live and back, and a failed switch that
keeps the current context."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tui_support import build_app, column, screen_text, start_world, wait_for, wait_view


def merged_kubeconfig(path: Path, *files: Path, broken: bool = False) -> Path:
    """One kubeconfig with every context of `files` (plus one whose server is closed)."""
    doc: dict = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [],
                 "contexts": []}
    for file in files:
        part = yaml.safe_load(file.read_text())
        doc.setdefault("current-context", part["current-context"])
        for section in ("clusters", "users", "contexts"):
            doc[section].extend(e for e in part[section]
                                if e["name"] not in {x["name"] for x in doc[section]})
    if broken:
        doc["clusters"].append({"name": "broken", "cluster": {"server": "http://127.0.0.1:9"}})
        doc["contexts"].append({"name": "broken", "context": {"cluster": "broken",
                                                              "user": doc["users"][0]["name"]}})
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def two_worlds(demo_world, tmp_path: Path):
    other = start_world(tmp_path / "b", context="sim-b", seed=11)
    pods = other.cluster.type_for("pods")
    other.cluster.create(pods, {"metadata": {"name": "only-in-b", "namespace": "default"},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    yield demo_world, other
    other.stop()


@pytest.mark.asyncio
async def test_switch_context_and_back(two_worlds, tmp_path: Path):
    a, b = two_worlds
    path = merged_kubeconfig(tmp_path / "merged", a.kubeconfig, b.kubeconfig)
    app = build_app(a, kubeconfig=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        assert "only-in-b" not in column(screen)
        first = app.session
        await pilot.press("colon", *"ctx", "enter")
        await wait_for(pilot, lambda: "sim-b" in screen_text(app), what="the contexts list")
        assert "kubedeck-demo(*)" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.session.context == "sim-b", what="the switch")
        screen = await wait_view(pilot, app, "pods")
        await wait_for(pilot, lambda: "only-in-b" in column(screen), what="b's pods")
        assert "Context:  sim-b" in screen_text(app)
        assert b.server.url in screen_text(app)
        assert first.conn._closed
        await pilot.press("colon", *"ctx kubedeck-demo", "enter")
        await wait_for(pilot, lambda: app.session.context == "kubedeck-demo", what="back")
        screen = await wait_view(pilot, app, "pods")
        assert "only-in-b" not in column(screen)
        assert any(n.startswith("legacy-api-") for n in column(screen))


@pytest.mark.asyncio
async def test_failed_switch_keeps_the_current_context(demo_world, tmp_path: Path):
    path = merged_kubeconfig(tmp_path / "merged", demo_world.kubeconfig, broken=True)
    app = build_app(demo_world, kubeconfig=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        session = app.session
        await pilot.press("colon", *"ctx broken", "enter")
        await wait_for(pilot, lambda: app.flash_message[1] == "error", what="the failure")
        assert app.flash_message[0].startswith(
            'cannot switch to context "broken": the connection to the server 127.0.0.1:9 was '
            "refused")
        assert app.session is session and not session.conn._closed
        assert app.screen is screen and screen.reflector is not None
        await pilot.press("colon", *"ctx nope", "enter")
        await wait_for(pilot, lambda: "nope" in app.flash_message[0], what="unknown context")
        assert app.flash_message[0].startswith('cannot switch to context "nope": context '
                                               '"nope" does not exist')
        assert app.session is session
