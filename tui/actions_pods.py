"""The container-level actions: logs, shell and port-forward (from the table or the
containers view). Each first works out which container(s) it is about, asking when a pod
has several."""

from __future__ import annotations

import json
from functools import partial

from textual.app import App

from kubedeck.kube import actions
from kubedeck.kube.actions import ObjectRef
from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.shell import run_shell, shell_argv
from tui.actions_io import blocking
from tui.screens.dialogs import ContainerPicker, PortChoice, PortForwardDialog
from tui.terminal import handed_over


def _pod(conn: Connection, namespace: str, name: str) -> dict:
    return json.loads(conn.get(f"/api/v1/namespaces/{namespace}/pods/{name}"))


def container_names(pod: dict) -> list[str]:
    """Init then main containers (ephemeral ones have no logs of their own worth picking)."""
    return [c.name for c in actions.containers_of(pod) if c.kind != "ephemeral"]


def port_choices(pod: dict) -> list[PortChoice]:
    """Every port the pod spec declares, container by container."""
    out = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("containerPort"):
                out.append(PortChoice(c.get("name", ""), int(p["containerPort"]),
                                      p.get("name", ""), p.get("protocol", "TCP")))
    return out


async def _pick(app: App, pod: str, names: list[str], title: str) -> str | None:
    if len(names) == 1:
        return names[0]
    return await app.push_screen_wait(ContainerPicker(pod, names, title))


def _workload_pods(conn: Connection, discovery, ref: ObjectRef) -> tuple[list[str], dict | None]:
    """Names of a workload's pods (and the first pod, for its containers)."""
    selection = actions.pods_of(conn, discovery, ref)
    query = {"labelSelector": selection.label_selector, "fieldSelector": selection.field_selector}
    path = selection.resource.path(selection.namespace)
    items = json.loads(conn.get(path, query)).get("items") or []
    names = sorted(i["metadata"]["name"] for i in items)
    return names, (items[0] if items else None)


async def open_logs(app: App, ref: ObjectRef, *, previous: bool = False,
                    container: str | None = None) -> None:
    """Push the logs view for a pod (one container) or a workload (all its pods)."""
    from tui.screens.logs import LogsScreen, LogTarget

    session = app.session
    namespace = ref.namespace or ""
    try:
        if ref.kind == "Pod" and not ref.resource.group:
            pod = await blocking(app, partial(_pod, session.conn, namespace, ref.name),
                                 name="logs")
            pods, label = [ref.name], ""
        else:
            pods, pod = await blocking(app, partial(_workload_pods, session.conn,
                                                    session.discovery, ref), name="logs")
            label = f"{ref.resource.singular or ref.kind.lower()} {namespace}/{ref.name}"
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    if pod is None:
        app.flash(f"{label} has no pods", "warning")
        return
    names = container_names(pod)
    if container is None:
        container = await _pick(app, ref.name, names, "Logs of container")
        if container is None:
            return
    app.push_view(LogsScreen(LogTarget(namespace, tuple(pods), container, tuple(names),
                                       label=label, previous=previous)))


async def open_shell(app: App, ref: ObjectRef, container: str | None = None) -> None:
    """Suspend the TUI and exec into the container (bash, else sh); restore after."""
    session = app.session
    namespace = ref.namespace or ""
    try:
        pod = await blocking(app, partial(_pod, session.conn, namespace, ref.name), name="shell")
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    if container is None:
        container = await _pick(app, ref.name, [c.name for c in actions.containers_of(pod)
                                                if c.kind == "main"], "Shell into container")
        if container is None:
            return
    argv = shell_argv(session.conn, session.kubeconfig_path, namespace, ref.name, container)
    try:
        with handed_over(app):
            code = run_shell(argv, session.kubeconfig_path)
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    if code != 0:
        app.flash(f"shell in {namespace}/{ref.name} ({container}) exited with code {code}",
                  "warning")
    else:
        app.flash(f"shell in {namespace}/{ref.name} ({container}) closed")


async def open_port_forward(app: App, ref: ObjectRef, container: str | None = None) -> None:
    """Ask which port, then start a forward in the session's registry (the `:pf` view)."""
    session = app.session
    namespace = ref.namespace or ""
    try:
        pod = await blocking(app, partial(_pod, session.conn, namespace, ref.name), name="pf")
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    choices = [c for c in port_choices(pod) if container is None or c.container == container]
    request = await app.push_screen_wait(PortForwardDialog(f"{namespace}/{ref.name}", choices))
    if request is None:
        return
    add = partial(session.portforwards.add, session.conn, namespace, ref.name,
                  request.remote_port, request.local_port, request.address)
    try:
        pf = await blocking(app, add, name="pf")
    except KubedeckError as exc:
        app.flash(str(exc), "error")
        return
    except OSError as exc:
        app.flash(f"cannot listen on {request.address}:{request.local_port}: {exc.strerror}",
                  "error")
        return
    app.flash(f"forwarding http://{pf.address}:{pf.local_port} -> "
              f"{namespace}/{ref.name}:{request.remote_port}")
