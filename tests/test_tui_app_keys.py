"""Keys: favourite and recent namespaces (0-9), read-only mode, remapping from the config
file, `?` help and the command palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_support import build_app, column, screen_text, wait_for, wait_view

from kubedeck.config import ConfigError, parse_config
from tui import keymap


def config(text: str):
    return parse_config(text, "config.yaml", binding_ids=keymap.BY_ID, key_check=keymap.clashes)


@pytest.mark.asyncio
async def test_favourites_then_recent_on_number_keys(demo_world):
    app = build_app(demo_world, config=config("favorites: [kube-system, web]\n"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        assert app.namespace_keys == (("0", None), ("1", "kube-system"), ("2", "web"))
        assert "<1> kube-system" in screen_text(app)
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.reflector is not None and screen.namespace ==
                       "kube-system" and screen.model.total >= 2, what="kube-system pods")
        assert app.screen is screen  # re-targeted in place, not rebuilt
        assert any(n.startswith("coredns-") for n in column(screen))
        await pilot.press("0")
        await wait_for(pilot, lambda: screen.namespace is None and screen.model.total > 20,
                       what="pods of all namespaces")
        assert app.session.namespace is None and "Namespace: all" in screen_text(app)
        await pilot.press("colon", *"po guestbook", "enter")
        await wait_for(pilot, lambda: ("3", "guestbook") in app.namespace_keys,
                       what="guestbook among the recent namespaces")
        await pilot.press("5")
        await pilot.pause()
        assert app.flash_message[0].startswith("no namespace on 5")


@pytest.mark.asyncio
async def test_readonly_hides_and_refuses_mutating_actions(demo_world):
    app = build_app(demo_world, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        assert "[RO]" in screen_text(app)
        active = {b.binding.id for b in screen.active_bindings.values()}
        assert "describe" in active
        assert not active & {"delete", "kill", "edit", "shell", "port_forward"}
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert app.flash_message == ("read-only: delete is disabled", "warning")
        await pilot.press("s")
        await pilot.pause()
        assert app.flash_message == ("read-only: shell is disabled", "warning")
        assert app.screen is screen  # no dialog opened
        assert not app.allowed("kill")
        assert app.flash_message == ("read-only: kill is disabled", "warning")
        await pilot.press("colon", *"deploy", "enter")
        await wait_view(pilot, app, "deployments")
        await pilot.press("s")
        await pilot.pause()
        assert app.flash_message == ("read-only: scale is disabled", "warning")


@pytest.mark.asyncio
async def test_readonly_per_context_from_config(demo_world):
    app = build_app(demo_world, config=config("contexts:\n  kubedeck-demo:\n    readonly: true\n"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        assert app.session.readonly
        assert "delete" not in {b.binding.id for b in screen.active_bindings.values()}


@pytest.mark.asyncio
async def test_remapped_key_runs_the_action_and_old_key_does_not(demo_world):
    app = build_app(demo_world, config=config("keys:\n  describe: i\n"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        await pilot.press("d")
        await pilot.pause(0.2)
        assert app.screen is screen
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.crumb == "describe", what="describe view")


@pytest.mark.asyncio
async def test_remapping_one_of_a_shared_key_keeps_the_other(demo_world):
    app = build_app(demo_world, config=config("keys:\n  scale: z\n"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        active = screen.active_bindings
        assert active["s"].binding.id == "shell"
        await pilot.press("colon", *"deploy", "enter")
        screen = await wait_view(pilot, app, "deployments")
        active = screen.active_bindings
        assert active["z"].binding.id == "scale"


@pytest.mark.asyncio
async def test_help_lists_view_keys_after_remapping(demo_world):
    app = build_app(demo_world, config=config("keys:\n  describe: i\n  delete: ctrl+x\n"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.crumb == "help", what="help")
        text = screen_text(app)
        for line in ("<i>", "Describe", "<ctrl+x>", "Delete", "<l>", "Logs", "<:>", "Command",
                     "<?>", "Help", "<s>", "Shell"):
            assert line in text
        assert "<d>" not in text
        assert "Scale" not in text  # pods have Shell on s, not Scale
        await pilot.press("escape")
        await wait_view(pilot, app, "pods")


@pytest.mark.asyncio
async def test_help_hides_mutating_keys_in_readonly(demo_world):
    app = build_app(demo_world, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_view(pilot, app, "pods")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.crumb == "help", what="help")
        text = screen_text(app)
        assert "Describe" in text and "Delete" not in text and "Shell" not in text


@pytest.mark.asyncio
async def test_palette_lists_actions_and_commands(demo_world):
    from textual.command import CommandPalette

    app = build_app(demo_world, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_view(pilot, app, "pods")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"Delete")
        await wait_for(pilot, lambda: "Delete" in screen_text(app), what="the Delete hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="palette closed")
        await wait_for(pilot, lambda: app.flash_message[0] == "read-only: delete is disabled",
                       what="the refusal")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*":deployments")
        await wait_for(pilot, lambda: ":deployments" in screen_text(app), what="the hit")
        await pilot.press("enter")
        await wait_view(pilot, app, "deployments")


def test_every_binding_id_is_unique_and_scoped():
    ids = [s.id for s in keymap.SPECS]
    assert len(ids) == len(set(ids))
    assert {s.scope for s in keymap.SPECS} <= set(keymap.SCOPES)
    assert keymap.spec("delete").mutating and not keymap.spec("describe").mutating


def test_remap_onto_another_binding_of_the_view_is_an_error():
    with pytest.raises(ConfigError) as caught:
        config("keys:\n  yaml: Y\n  describe: l\n")
    assert str(caught.value) == ('config.yaml:3: keys.describe: "l" is already the key of logs '
                                 "(Logs) in the same view; give one of them another key")
    with pytest.raises(ConfigError, match='keys.describe: ":" is already the key of command'):
        config("keys:\n  describe: ':'\n")
    assert config("keys:\n  describe: l\n  logs: d\n").keys == {"describe": "l", "logs": "d"}
    assert config("keys:\n  find: f\n  logs_wrap: W\n").keys["find"] == "f"


def test_effective_keymap_keeps_partners_of_a_remapped_key():
    eff = keymap.effective({"shell": "S"})
    assert eff["shell"] == "S" and eff["scale"] == "s" and eff["logs_follow"] == "s"
    assert keymap.effective({}) == {}


def test_readme_config_example_is_valid():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("**Config file**"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    example = section[start:section.index("\n```", start)]
    cfg = config(example)
    assert cfg.keys["describe"] == "i" and cfg.readonly_for("prod")
