"""What the resource keys do (describe, logs, delete, scale, drain, …), for any view.

The table screen calls `run(screen, action_id, refs)` with the marked rows or the selected
one and `available(action_id, resource)` to decide which kind-specific keys to show. `run`
starts one async worker per action: dialogs are awaited there, every blocking call runs in a
thread worker, and the outcome is one flash line (a bulk action gives one summary).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from textual.app import App
from textual.screen import Screen
from textual.worker import Worker

from kubedeck.kube import actions
from kubedeck.kube.actions import ObjectRef
from kubedeck.kube.discovery import APIResource
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.actions_io import blocking, summary, what
from tui.screens.dialogs import (
    ConfirmDialog,
    DeleteDialog,
    DrainDialog,
    ProgressDialog,
    ScaleDialog,
)

POD = ("", "Pod")
NODE = ("", "Node")
SECRET = ("", "Secret")
SCALABLE = {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "ReplicaSet")}
RESTARTABLE = {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet")}
LOGGABLE = {POD, ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "ReplicaSet"),
            ("apps", "DaemonSet"), ("batch", "Job")}


def _key(resource: APIResource) -> tuple[str, str]:
    return resource.group, resource.kind


def available(action_id: str, resource: APIResource) -> bool:
    """Whether the action applies to this kind (k9s shows `s` Shell on pods and `s` Scale on
    deployments); verbs come from discovery, so a kind that cannot be deleted shows no delete."""
    key = _key(resource)
    verbs = set(resource.verbs)
    rules: dict[str, Callable[[], bool]] = {
        "describe": lambda: "get" in verbs,
        "yaml": lambda: "get" in verbs,
        "events": lambda: "get" in verbs,
        "edit": lambda: {"get", "update"} <= verbs,
        "delete": lambda: "delete" in verbs,
        "logs": lambda: key in LOGGABLE,
        "logs_previous": lambda: key in LOGGABLE,
        "shell": lambda: key == POD,
        "kill": lambda: key == POD and "delete" in verbs,
        "port_forward": lambda: key == POD,
        "containers": lambda: key == POD,
        "scale": lambda: key in SCALABLE,
        "restart": lambda: key in RESTARTABLE,
        "decode": lambda: key == SECRET,
        "cordon": lambda: key == NODE,
        "uncordon": lambda: key == NODE,
        "drain": lambda: key == NODE,
    }
    rule = rules.get(action_id)
    return bool(rule and rule())


def action_ids(resource: APIResource) -> set[str]:
    """Every action id that applies to a kind (the table binds these)."""
    return {s.id for s in keymap.specs(keymap.RESOURCE) if available(s.id, resource)}


async def run(screen: Screen, action_id: str, refs: list[ObjectRef]) -> Worker | None:
    """Start `action_id` on `refs`; returns the action's worker (tests await it), or None
    when it was refused at once (read-only, wrong kind, nothing selected)."""
    app = screen.app
    if not refs:
        app.flash("nothing selected", "warning")
        return None
    if not app.allowed(action_id):
        return None
    if not available(action_id, refs[0].resource):
        name = keymap.BY_ID[action_id].description.lower() if action_id in keymap.BY_ID \
            else action_id
        app.flash(f"{name} does not apply to {refs[0].resource.name}", "warning")
        return None
    handler = HANDLERS[action_id]
    return app.run_worker(handler(app, list(refs)), group="resource-action",
                          name=f"{action_id} {refs[0].name}", exit_on_error=False)


def _names(refs: list[ObjectRef], limit: int = 5) -> str:
    shown = [f"{r.namespace}/{r.name}" if r.namespace else r.name for r in refs[:limit]]
    more = f" and {len(refs) - limit} more" if len(refs) > limit else ""
    return ", ".join(shown) + more


async def _each(app: App, refs: list[ObjectRef], verb: str,
                call: Callable[[ObjectRef], object], suffix: str = "") -> None:
    """Run `call` on every ref in a thread; flash `<verb> <what><suffix>` or a summary of
    the failures."""

    def work() -> list[tuple[ObjectRef, str]]:
        failures = []
        for ref in refs:
            try:
                call(ref)
            except KubedeckError as exc:
                failures.append((ref, str(exc)))
        return failures

    failures = await blocking(app, work, name=verb)
    text, severity = summary(verb, what(refs), refs, failures)
    app.flash(text + suffix if not failures else text, severity)


# -- handlers: one coroutine per action id -----------------------------------------------------


async def _detail(mode: str, app: App, refs: list[ObjectRef]) -> None:
    from tui.screens.detail import DetailScreen

    app.push_view(DetailScreen(mode, refs[0]))


async def _delete(app: App, refs: list[ObjectRef]) -> None:
    names = f": {_names(refs)}" if len(refs) > 1 else ""
    propagation = await app.push_screen_wait(DeleteDialog(f"Delete {what(refs)}{names}?"))
    if propagation is None:
        return
    conn = app.session.conn
    await _each(app, refs, "deleted",
                lambda ref: actions.delete(conn, ref, propagation=propagation))


async def _kill(app: App, refs: list[ObjectRef]) -> None:
    ok = await app.push_screen_wait(ConfirmDialog(
        "Kill", f"Kill {what(refs)} now (grace period 0, no graceful shutdown)?", ok="Kill"))
    if ok:
        conn = app.session.conn
        await _each(app, refs, "killed", lambda ref: actions.kill(conn, ref))


async def _restart(app: App, refs: list[ObjectRef]) -> None:
    ok = await app.push_screen_wait(ConfirmDialog(
        "Restart", f"Restart {what(refs)}? Every pod is replaced (rollout restart).",
        ok="Restart"))
    if ok:
        conn = app.session.conn
        await _each(app, refs, "restarted", lambda ref: actions.restart(conn, ref))


async def _scale(app: App, refs: list[ObjectRef]) -> None:
    conn = app.session.conn
    try:
        current = await blocking(app, partial(_replicas, conn, refs[0]), name="scale")
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    replicas = await app.push_screen_wait(ScaleDialog(what(refs), current))
    if replicas is None:
        return
    await _each(app, refs, "scaled", lambda ref: actions.scale(conn, ref, replicas),
                suffix=f" to {replicas}")


def _replicas(conn, ref: ObjectRef) -> int:
    return int((actions.fetch(conn, ref).get("spec") or {}).get("replicas") or 0)


async def _cordon(unschedulable: bool, app: App, refs: list[ObjectRef]) -> None:
    conn = app.session.conn

    def work() -> tuple[list[str], list[str], list[tuple[ObjectRef, str]]]:
        changed, already, failures = [], [], []
        for ref in refs:
            try:
                (changed if actions.cordon(conn, ref.name, unschedulable) else already).append(
                    ref.name)
            except KubedeckError as exc:
                failures.append((ref, str(exc)))
        return changed, already, failures

    changed, already, failures = await blocking(app, work, name="cordon")
    verb = "cordoned" if unschedulable else "uncordoned"
    if failures:
        app.flash(*summary(verb, what(refs), refs, failures))
        return
    parts = [f"node/{name} {verb}" for name in changed]
    parts += [f"node/{name} already {verb}" for name in already]
    app.flash(", ".join(parts))


async def _drain(app: App, refs: list[ObjectRef]) -> None:
    node = refs[0].name
    request = await app.push_screen_wait(DrainDialog(node))
    if request is None:
        return
    progress = ProgressDialog(f"Drain node {node}")
    app.push_screen(progress)
    conn = app.session.conn

    def say(line: str) -> None:
        app.call_from_thread(progress.add_line, line)

    def work() -> str:
        try:
            actions.drain(conn, node, ignore_daemonsets=request.ignore_daemonsets,
                          delete_emptydir_data=request.delete_emptydir_data,
                          force=request.force, timeout=request.timeout, progress=say)
        except KubedeckError as exc:
            return str(exc)
        return ""

    error = await blocking(app, work, name="drain")
    if error:
        progress.add_line(error)
        progress.done("drain failed")
        app.flash(error, "error")
    else:
        progress.done(f"node/{node} drained")
        app.flash(f"node/{node} drained")


async def _logs(previous: bool, app: App, refs: list[ObjectRef]) -> None:
    from tui.actions_pods import open_logs

    await open_logs(app, refs[0], previous=previous)


async def _shell(app: App, refs: list[ObjectRef]) -> None:
    from tui.actions_pods import open_shell

    await open_shell(app, refs[0])


async def _port_forward(app: App, refs: list[ObjectRef]) -> None:
    from tui.actions_pods import open_port_forward

    await open_port_forward(app, refs[0])


async def _containers(app: App, refs: list[ObjectRef]) -> None:
    from tui.screens.containers import ContainersScreen

    app.push_view(ContainersScreen(refs[0]))


async def _edit(app: App, refs: list[ObjectRef]) -> None:
    from tui.actions_edit import edit

    await edit(app, refs[0])


Handler = Callable[[App, list[ObjectRef]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "describe": partial(_detail, "describe"),
    "yaml": partial(_detail, "yaml"),
    "events": partial(_detail, "events"),
    "decode": partial(_detail, "decode"),
    "edit": _edit,
    "logs": partial(_logs, False),
    "logs_previous": partial(_logs, True),
    "shell": _shell,
    "port_forward": _port_forward,
    "containers": _containers,
    "delete": _delete,
    "kill": _kill,
    "scale": _scale,
    "restart": _restart,
    "cordon": partial(_cordon, True),
    "uncordon": partial(_cordon, False),
    "drain": _drain,
}

