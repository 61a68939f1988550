"""`e` edit with $EDITOR set to small scripts: applied, unchanged, invalid, and a concurrent
change giving the conflict dialog and a re-edit."""

from __future__ import annotations

import sys
import textwrap

import pytest
from tui_actions_support import kubectl_for, ref, settled, until

from tui import resource_actions
from tui.screens.dialogs import EditErrorDialog

pytestmark = pytest.mark.asyncio

# Adds the label edited=yes; when $CONFLICT_ONCE names a missing file, first changes the
# object behind the editor's back with kubectl (and creates the file, so only once).
EDITOR = textwrap.dedent("""
    import os, pathlib, subprocess, sys
    path = pathlib.Path(sys.argv[1])
    text = path.read_text()
    pathlib.Path(os.environ["EDIT_LOG"]).open("a").write(text.split("\\n")[4] + "\\n")
    marker = os.environ.get("CONFLICT_ONCE")
    if marker and not os.path.exists(marker):
        open(marker, "w").close()
        subprocess.run(["kubectl", "--kubeconfig", os.environ["KCFG"], "label", "deploy",
                        "frontend", "-n", "guestbook", "someone=else"], check=True,
                       capture_output=True)
    mode = os.environ.get("EDIT_MODE", "label")
    if mode == "label":
        text = text.replace("  labels:\\n", "  labels:\\n    edited: 'yes'\\n", 1)
    elif mode == "invalid":
        text = text.replace("spec:", "spec: [", 1)
    path.write_text(text)
""")


@pytest.fixture
def editor(tmp_path, monkeypatch, demo_world):
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("KUBE_EDITOR", raising=False)
    monkeypatch.setenv("KCFG", str(demo_world.kubeconfig))
    monkeypatch.setenv("EDIT_LOG", str(tmp_path / "edit.log"))
    return monkeypatch


def labels(kubectl) -> str:
    return kubectl("get", "deploy", "frontend", "-n", "guestbook", "-o",
                   "jsonpath={.metadata.labels}").stdout


async def run_edit(pilot, app):
    return await resource_actions.run(app.screen, "edit",
                                      [ref(app, "deploy", "frontend", "guestbook")])


async def test_edit_applies_the_change(demo_app, demo_world, editor, tmp_path):
    kubectl = kubectl_for(demo_world, tmp_path)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, await run_edit(pilot, demo_app))
        assert demo_app.flash_message == ("edited deployment guestbook/frontend", "information")
    assert '"edited":"yes"' in labels(kubectl)


async def test_edit_without_changes_is_cancelled(demo_app, demo_world, editor, tmp_path):
    editor.setenv("EDIT_MODE", "none")
    kubectl = kubectl_for(demo_world, tmp_path)
    before = labels(kubectl)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, await run_edit(pilot, demo_app))
        assert demo_app.flash_message == ("edit cancelled, no changes", "information")
    assert labels(kubectl) == before


async def test_invalid_edit_offers_a_re_edit_that_can_be_cancelled(demo_app, editor):
    editor.setenv("EDIT_MODE", "invalid")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await run_edit(pilot, demo_app)
        await until(pilot, lambda: isinstance(demo_app.screen, EditErrorDialog), what="dialog")
        assert "invalid YAML" in str(demo_app.screen.query_one("#message").render())
        await pilot.click("#cancel")
        await settled(pilot, worker)
        assert demo_app.flash_message == ("edit of deployment guestbook/frontend cancelled",
                                          "warning")


async def test_concurrent_change_gives_the_conflict_dialog_and_re_edit_applies(
        demo_app, demo_world, editor, tmp_path):
    editor.setenv("CONFLICT_ONCE", str(tmp_path / "conflicted"))
    kubectl = kubectl_for(demo_world, tmp_path)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await run_edit(pilot, demo_app)
        await until(pilot, lambda: isinstance(demo_app.screen, EditErrorDialog), what="dialog")
        dialog = demo_app.screen
        assert dialog.conflict
        assert "modified" in str(dialog.query_one("#message").render())
        await pilot.click("#ok")
        await settled(pilot, worker)
        assert demo_app.flash_message == ("edited deployment guestbook/frontend", "information")
    assert '"edited":"yes"' in labels(kubectl)
    reopened = (tmp_path / "edit.log").read_text().splitlines()
    assert len(reopened) == 2
    assert reopened[1].startswith('# deployments.apps "frontend" was not saved')
