"""`e`: kubectl edit inside the explorer — $EDITOR on the object's YAML, then a PUT that
fails with 409 instead of overwriting someone else's change; on any error the user may
re-edit their own text with the error at the top, as kubectl edit reopens the file."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from textual.app import App

from kubedeck.kube import actions
from kubedeck.kube.actions import ObjectRef
from kubedeck.kube.errors import KubedeckError
from tui.actions_io import blocking, what
from tui.screens.dialogs import EditErrorDialog
from tui.terminal import editor_argv, handed_over, run_program

HEADER = """\
# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
"""


def error_header(ref: ObjectRef, message: str, conflict: bool) -> str:
    """The comment block put above the user's text when it is reopened after an error."""
    lines = [f'# {ref.resource.group_resource} "{ref.name}" was not saved:']
    lines += [f"# * {line}" for line in message.splitlines() or [message]]
    if conflict:
        lines.append("# The object changed while you edited it; saving again applies your "
                     "text over the latest version.")
    return HEADER + "\n".join(lines) + "\n#\n"


def _without_comments_header(text: str) -> str:
    """The user's YAML without our leading comment block (so it is not stacked twice)."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    return "".join(lines[i:])


async def edit(app: App, ref: ObjectRef) -> None:
    conn = app.session.conn
    label = what([ref])
    try:
        original = await blocking(app, partial(actions.edit_text, conn, ref), name="edit")
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    text = HEADER + original
    with tempfile.TemporaryDirectory(prefix="kubedeck-edit-") as tmp:
        path = Path(tmp) / f"{ref.resource.singular or ref.kind.lower()}-{ref.name}.yaml"
        while True:
            path.write_text(text, encoding="utf-8")
            try:
                with handed_over(app):
                    code = run_program(editor_argv(path))
            except KubedeckError as exc:
                app.flash(str(exc), "error")
                return
            if code != 0:
                app.flash(f"edit cancelled: the editor exited with code {code}", "warning")
                return
            edited = _without_comments_header(path.read_text(encoding="utf-8"))
            result = await blocking(app, partial(actions.apply_edit, conn, ref, original, edited),
                                    name="edit")
            if result.outcome == "unchanged":
                app.flash("edit cancelled, no changes")
                return
            if result.outcome == "applied":
                app.flash(f"edited {label}")
                return
            again = await app.push_screen_wait(EditErrorDialog(result.message, result.conflict))
            if not again:
                app.flash(f"edit of {label} cancelled", "warning")
                return
            if result.conflict:
                try:
                    original = await blocking(app, partial(actions.edit_text, conn, ref),
                                              name="edit")
                except KubedeckError as exc:
                    app.flash(str(exc), "error")
                    return
            text = error_header(ref, result.message, result.conflict) + edited
