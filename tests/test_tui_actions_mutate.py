"""Delete, kill, scale, restart, cordon/uncordon and drain through the explorer, checked with
kubectl against the same served cluster; read-only refusal of every mutating action; 403s."""

from __future__ import annotations

import dataclasses
import json

import pytest
from tui_actions_support import kubectl_for, ref, settled, until

from tui import keymap, resource_actions
from tui.screens.dialogs import (
    ConfirmDialog,
    DeleteDialog,
    DrainDialog,
    ProgressDialog,
    ScaleDialog,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def kubectl(demo_world, tmp_path):
    return kubectl_for(demo_world, tmp_path)


def pods_of(kubectl, namespace: str, prefix: str) -> list[str]:
    out = kubectl("get", "pods", "-n", namespace, "-o", "name").stdout.split()
    return sorted(n.removeprefix("pod/") for n in out if n.startswith(f"pod/{prefix}"))


async def start(pilot, app, action: str, refs):
    worker = await resource_actions.run(app.screen, action, refs)
    assert worker is not None
    return worker


async def answer(pilot, app, dialog_type, button: str = "#ok") -> None:
    await until(pilot, lambda: isinstance(app.screen, dialog_type), what=dialog_type.__name__)
    await pilot.click(button)


async def test_delete_asks_then_deletes(demo_app, demo_world, kubectl):
    pod = pods_of(kubectl, "guestbook", "frontend")[0]
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "delete", [ref(demo_app, "po", pod, "guestbook")])
        await until(pilot, lambda: isinstance(demo_app.screen, DeleteDialog), what="dialog")
        assert f"Delete pod guestbook/{pod}?" in str(demo_app.screen.query_one("#message")
                                                     .render())
        await pilot.click("#ok")
        await settled(pilot, worker)
        assert demo_app.flash_message == (f"deleted pod guestbook/{pod}", "information")
    demo_world.cluster.step(1)
    result = kubectl("get", "pod", pod, "-n", "guestbook")
    assert result.returncode == 1 and "NotFound" in result.stderr


async def test_delete_cancelled_deletes_nothing(demo_app, kubectl):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "delete",
                             [ref(demo_app, "deploy", "frontend", "guestbook")])
        await answer(pilot, demo_app, DeleteDialog, "#cancel")
        await settled(pilot, worker)
    assert kubectl("get", "deploy", "frontend", "-n", "guestbook").returncode == 0


async def test_bulk_delete_with_orphan_propagation_gives_one_summary(demo_app, demo_world,
                                                                      kubectl):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        refs = [ref(demo_app, "deploy", n, "guestbook") for n in ("redis-leader",
                                                                   "redis-follower")]
        worker = await start(pilot, demo_app, "delete", refs)
        await until(pilot, lambda: isinstance(demo_app.screen, DeleteDialog), what="dialog")
        message = str(demo_app.screen.query_one("#message").render())
        assert "2 deployments" in message and "guestbook/redis-leader" in message
        await pilot.click("#p-Orphan")
        await pilot.click("#ok")
        await settled(pilot, worker)
        assert demo_app.flash_message == ("deleted 2 deployments", "information")
    demo_world.cluster.step(1)
    assert kubectl("get", "deploy", "-n", "guestbook", "-o", "name").stdout.split() == \
        ["deployment.apps/frontend"]
    assert pods_of(kubectl, "guestbook", "redis-")  # orphaned, not deleted


async def test_forbidden_delete_names_the_denied_verb(demo_app, demo_world, kubectl):
    pod = pods_of(kubectl, "guestbook", "frontend")[0]
    demo_world.server.server.deny = frozenset({("delete", "pods")})
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "delete", [ref(demo_app, "po", pod, "guestbook")])
        await answer(pilot, demo_app, DeleteDialog)
        await settled(pilot, worker)
        text, severity = demo_app.flash_message
        assert severity == "error"
        assert "forbidden" in text and 'cannot delete resource "pods"' in text
        assert 'namespace "guestbook"' in text
    assert kubectl("get", "pod", pod, "-n", "guestbook").returncode == 0


async def test_kill_removes_the_pod_at_once(demo_app, kubectl):
    pod = pods_of(kubectl, "web", "storefront")[0]
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "kill", [ref(demo_app, "po", pod, "web")])
        await answer(pilot, demo_app, ConfirmDialog)
        await settled(pilot, worker)
        assert demo_app.flash_message == (f"killed pod web/{pod}", "information")
    result = kubectl("get", "pod", pod, "-n", "web")
    assert "NotFound" in result.stderr


async def test_scale_prefills_validates_and_scales(demo_app, kubectl):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "scale",
                             [ref(demo_app, "deploy", "storefront", "web")])
        await until(pilot, lambda: isinstance(demo_app.screen, ScaleDialog), what="dialog")
        dialog = demo_app.screen
        demo_app.refresh_crumbs()
        assert "ScaleDialog" not in "".join(demo_app.stack_crumbs)  # dialogs are no views
        field = dialog.query_one("#replicas")
        assert field.value == "3"
        field.value = "-1"
        await pilot.press("enter")
        assert "integer >= 0" in str(dialog.query_one("#error").render())
        assert demo_app.screen is dialog
        field.value = "5"
        await pilot.press("enter")
        await settled(pilot, worker)
        assert demo_app.flash_message == ("scaled deployment web/storefront to 5",
                                          "information")
    out = kubectl("get", "deploy", "storefront", "-n", "web", "-o",
                  "jsonpath={.spec.replicas}").stdout
    assert out == "5"


async def test_restart_stamps_the_pod_template(demo_app, kubectl):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "restart",
                             [ref(demo_app, "deploy", "storefront", "web")])
        await answer(pilot, demo_app, ConfirmDialog)
        await settled(pilot, worker)
        assert demo_app.flash_message == ("restarted deployment web/storefront", "information")
    doc = json.loads(kubectl("get", "deploy", "storefront", "-n", "web", "-o", "json").stdout)
    annotations = doc["spec"]["template"]["metadata"].get("annotations") or {}
    assert "kubectl.kubernetes.io/restartedAt" in annotations


async def test_cordon_and_uncordon(demo_app, kubectl):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        node = [ref(demo_app, "node", "kubedeck-m02", None)]
        await settled(pilot, await start(pilot, demo_app, "cordon", node))
        assert demo_app.flash_message[0] == "node/kubedeck-m02 cordoned"
        assert "SchedulingDisabled" in kubectl("get", "node", "kubedeck-m02").stdout
        await settled(pilot, await start(pilot, demo_app, "cordon", node))
        assert demo_app.flash_message[0] == "node/kubedeck-m02 already cordoned"
        await settled(pilot, await start(pilot, demo_app, "uncordon", node))
        assert demo_app.flash_message[0] == "node/kubedeck-m02 uncordoned"
    assert "SchedulingDisabled" not in kubectl("get", "node", "kubedeck-m02").stdout


async def test_drain_shows_progress_and_empties_the_node(demo_app, demo_world, kubectl):
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await start(pilot, demo_app, "drain",
                             [ref(demo_app, "node", "kubedeck-m03", None)])
        await until(pilot, lambda: isinstance(demo_app.screen, DrainDialog), what="dialog")
        demo_app.screen.query_one("#timeout").value = "30"
        await pilot.click("#ok")
        await until(pilot, lambda: isinstance(demo_app.screen, ProgressDialog), what="progress")
        progress = demo_app.screen

        def evicted_pods_terminate() -> bool:
            demo_world.cluster.step(1)  # the kubelet finishes graceful deletions on the clock
            return worker.is_finished

        await until(pilot, evicted_pods_terminate, what="the drain")
        assert progress.finished
        lines = [str(line) for line in progress.query_one("#progress").lines]
        assert lines[0] == "node/kubedeck-m03 cordoned"
        assert any(line.startswith("evicting pod ") for line in lines)
        assert demo_app.flash_message == ("node/kubedeck-m03 drained", "information")
    out = kubectl("get", "pods", "-A", "--field-selector", "spec.nodeName=kubedeck-m03",
                  "-o", "jsonpath={.items[*].metadata.ownerReferences[0].kind}").stdout
    assert set(out.split()) <= {"DaemonSet"}
    assert "SchedulingDisabled" in kubectl("get", "node", "kubedeck-m03").stdout


MUTATING = [(s.id) for s in keymap.specs(keymap.RESOURCE) if s.mutating]
TARGETS = {"edit": ("deploy", "storefront", "web"), "shell": ("po", None, "web"),
           "scale": ("deploy", "storefront", "web"), "restart": ("deploy", "storefront", "web"),
           "port_forward": ("po", None, "web"), "delete": ("deploy", "storefront", "web"),
           "kill": ("po", None, "web"), "cordon": ("node", "kubedeck-m02", None),
           "uncordon": ("node", "kubedeck-m02", None), "drain": ("node", "kubedeck-m02", None)}


@pytest.mark.parametrize("action", MUTATING)
async def test_read_only_refuses_every_mutating_action(demo_world, action, tmp_path):
    from tui_support import build_app

    kubectl = kubectl_for(demo_world, tmp_path)
    app = build_app(demo_world, readonly=True)
    kind, name, ns = TARGETS[action]
    name = name or pods_of(kubectl, "web", "storefront")[0]
    before = kubectl("get", kind, name, *(["-n", ns] if ns else []), "-o", "json").stdout
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            worker = await resource_actions.run(app.screen, action, [ref(app, kind, name, ns)])
            await pilot.pause()
            assert worker is None
            assert app.flash_message == (keymap.refused_message(action), "warning")
            assert app.screen_stack[-1].__class__.__name__ not in {
                "DeleteDialog", "ConfirmDialog", "ScaleDialog", "DrainDialog",
                "PortForwardDialog"}
    finally:
        app.session.close()
    after = kubectl("get", kind, name, *(["-n", ns] if ns else []), "-o", "json").stdout
    assert json.loads(after)["metadata"]["resourceVersion"] == \
        json.loads(before)["metadata"]["resourceVersion"]


async def test_available_is_kind_specific(demo_world):
    from tui_support import build_app

    app = build_app(demo_world)
    try:
        resolve = app.session.discovery.resolve
        assert resource_actions.action_ids(resolve("po")) >= {"shell", "kill", "port_forward",
                                                                "logs", "delete", "describe"}
        assert "scale" not in resource_actions.action_ids(resolve("po"))
        deploy = resource_actions.action_ids(resolve("deploy"))
        assert {"scale", "restart", "logs"} <= deploy and "shell" not in deploy
        assert "restart" not in resource_actions.action_ids(resolve("rs"))
        assert "scale" not in resource_actions.action_ids(resolve("ds"))
        assert {"cordon", "uncordon", "drain"} <= resource_actions.action_ids(resolve("node"))
        assert "decode" in resource_actions.action_ids(resolve("secret"))
        assert "decode" not in resource_actions.action_ids(resolve("cm"))
        read_only_kind = dataclasses.replace(resolve("cm"), verbs=("get", "list", "watch"))
        assert resource_actions.action_ids(read_only_kind) == {"describe", "yaml", "events"}
    finally:
        app.session.close()
