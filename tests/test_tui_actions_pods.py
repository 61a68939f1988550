"""Shell, port-forward (+ the `:pf` view) and the pod → containers view against the sim."""

from __future__ import annotations

import asyncio
import subprocess
import urllib.request

import pytest
from tui_actions_support import kubectl_for, ref, settled, until

from tui import actions_pods, resource_actions
from tui.screens.containers import ContainersScreen
from tui.screens.dialogs import ContainerPicker, PortForwardDialog
from tui.screens.logs import LogsScreen
from tui.screens.portforwards import PortForwardsScreen

pytestmark = pytest.mark.asyncio


def first_pod(demo_world, tmp_path, namespace: str, prefix: str) -> str:
    out = kubectl_for(demo_world, tmp_path)("get", "pods", "-n", namespace, "-o", "name").stdout
    return sorted(n.removeprefix("pod/") for n in out.split() if n.startswith(f"pod/{prefix}"))[0]


@pytest.fixture
def terminal(monkeypatch):
    """Stands in for the terminal only: runs the real `kubectl exec` argv with piped stdin
    (no tty here) feeding a command, and records what ran and what it printed."""
    ran: list[dict] = []

    def run_shell(argv: list[str], kubeconfig_path: str | None = None) -> int:
        piped = ["-i" if a == "-it" else a for a in argv]
        result = subprocess.run(piped, input="hostname\nexit 3\n", capture_output=True,
                                text=True, timeout=60)
        ran.append({"argv": argv, "stdout": result.stdout, "stderr": result.stderr})
        return result.returncode

    monkeypatch.setattr(actions_pods, "run_shell", run_shell)
    return ran


async def test_shell_execs_into_the_pod_and_reports_the_exit_code(demo_app, demo_world,
                                                                  tmp_path, terminal):
    pod = first_pod(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await resource_actions.run(demo_app.screen, "shell",
                                            [ref(demo_app, "po", pod, "web")])
        await settled(pilot, worker)
        assert demo_app.flash_message == (
            f"shell in web/{pod} (storefront) exited with code 3", "warning")
    [call] = terminal
    assert call["argv"][-3:-1] == ["sh", "-c"] and "bash" in call["argv"][-1]
    assert ["-n", "web", pod, "-c", "storefront"] == call["argv"][call["argv"].index("-n"):
                                                                  call["argv"].index("-n") + 5]
    assert call["stdout"].strip() == pod


async def test_shell_without_kubectl_is_one_line(demo_app, demo_world, tmp_path, monkeypatch):
    pod = first_pod(demo_world, tmp_path, "web", "storefront")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await resource_actions.run(demo_app.screen, "shell",
                                            [ref(demo_app, "po", pod, "web")])
        await settled(pilot, worker)
        text, severity = demo_app.flash_message
        assert severity == "error" and "kubectl not found" in text


async def test_port_forward_serves_the_pod_and_pf_view_stops_it(demo_app, demo_world, tmp_path):
    pod = first_pod(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await resource_actions.run(demo_app.screen, "port_forward",
                                            [ref(demo_app, "po", pod, "web")])
        await until(pilot, lambda: isinstance(demo_app.screen, PortForwardDialog), what="dialog")
        dialog = demo_app.screen
        assert [c.port for c in dialog.choices] == [8080]
        assert dialog.query_one("#remote").value == "8080"
        dialog.query_one("#local").value = "0"
        await pilot.click("#ok")
        await settled(pilot, worker)
        [pf] = demo_app.session.portforwards.list()
        assert demo_app.flash_message[0] == (f"forwarding http://127.0.0.1:{pf.local_port} -> "
                                             f"web/{pod}:8080")
        url = f"http://127.0.0.1:{pf.local_port}/"

        def fetch() -> str:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.read().decode()

        body = await asyncio.to_thread(fetch)
        assert pod in body

        demo_app.push_view(PortForwardsScreen())
        await pilot.pause()
        table = demo_app.screen.query_one("#portforwards")
        assert table.row_count == 1
        row = table.get_row_at(0)
        assert row[:4] == ["web", pod, "8080", f"127.0.0.1:{pf.local_port}"]
        await pilot.press("ctrl+d")
        assert demo_app.session.portforwards.list() == []
        assert table.row_count == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)


async def test_containers_view_lists_containers_and_opens_logs(demo_app, demo_world, tmp_path):
    pod = first_pod(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await resource_actions.run(demo_app.screen, "containers",
                                            [ref(demo_app, "po", pod, "web")])
        await settled(pilot, worker)
        screen = demo_app.screen
        assert isinstance(screen, ContainersScreen)
        await until(pilot, lambda: screen.loaded, what="containers")
        row = screen.query_one("#containers").get_row_at(0)
        assert row[0] == "storefront" and row[2] == "main" and row[4] == "Running"
        await pilot.press("l")
        await until(pilot, lambda: isinstance(demo_app.screen, LogsScreen), what="logs view")
        assert demo_app.screen.opts.container == "storefront"


MULTI = """\
apiVersion: v1
kind: Pod
metadata: {name: duo, namespace: web}
spec:
  containers:
  - {name: app, image: nginx:1.27, ports: [{containerPort: 80, name: http}]}
  - {name: sidecar, image: busybox:1.36, ports: [{containerPort: 9000}]}
"""


async def test_pod_with_several_containers_asks_which(demo_app, demo_world, tmp_path):
    kubectl = kubectl_for(demo_world, tmp_path)
    assert kubectl("apply", "-f", "-", input=MULTI).returncode == 0
    demo_world.cluster.step(5)
    async with demo_app.run_test(size=(120, 40)) as pilot:
        worker = await resource_actions.run(demo_app.screen, "logs",
                                            [ref(demo_app, "po", "duo", "web")])
        await until(pilot, lambda: isinstance(demo_app.screen, ContainerPicker), what="picker")
        assert demo_app.screen.containers == ["app", "sidecar"]
        await pilot.press("down", "enter")
        await settled(pilot, worker)
        assert isinstance(demo_app.screen, LogsScreen)
        assert demo_app.screen.opts.container == "sidecar"
        demo_app.pop_screen()
        worker = await resource_actions.run(demo_app.screen, "port_forward",
                                            [ref(demo_app, "po", "duo", "web")])
        await until(pilot, lambda: isinstance(demo_app.screen, PortForwardDialog), what="dialog")
        assert [(c.container, c.port) for c in demo_app.screen.choices] == [("app", 80),
                                                                            ("sidecar", 9000)]
        await pilot.press("escape")
        await settled(pilot, worker)
