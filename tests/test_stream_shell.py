"""The shell key's command line: kubedeck.kube.shell builds k9s's `kubectl exec -it … sh -c
"command -v bash … || exec sh"` and runs it in the foreground; driven here under a real pty
against the simulated cluster (bash on a Debian image, sh on Alpine, typing, line editing,
ctrl-c, exit codes)."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from types import SimpleNamespace

import pytest
from conftest import KUBECTL
from stream_support import create_pods

from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.shell import SHELL_SCRIPT, run_shell, shell_argv

pytestmark = pytest.mark.integration
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
CONN = SimpleNamespace(context="kubedeck-sim")


@pytest.fixture(scope="module", autouse=True)
def pods(sim_server):
    create_pods(sim_server.cluster)


class Pty:
    """A child process on a pseudo-terminal: type keys, wait for text, collect the exit."""

    def __init__(self, argv: list[str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: run_shell in the foreground, as the TUI does
            os.execv(sys.executable, [sys.executable, "-c", (
                "import sys; from kubedeck.kube.shell import run_shell; "
                "sys.exit(run_shell(sys.argv[1:]))"), *argv])
        self.seen = b""

    def expect(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {text!r}; screen so far: {self.seen!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"exited before {text!r}; screen: {self.seen!r}")
                self.seen += chunk
        return self.seen.decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def exit_code(self) -> int:
        while True:  # drain so the child never blocks writing
            try:
                if not os.read(self.fd, 4096):
                    break
            except OSError:
                break
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def shell(kubeconfig, pod: str, container: str | None = None) -> Pty:
    return Pty(shell_argv(CONN, str(kubeconfig), "default", pod, container))


def test_argv_is_kubectl_exec_it_with_bash_else_sh():
    argv = shell_argv(CONN, "/home/me/.kube/config", "shop", "web-1", "nginx")
    assert argv == ["kubectl", "--kubeconfig", "/home/me/.kube/config", "--context",
                    "kubedeck-sim", "exec", "-it", "-n", "shop", "web-1", "-c", "nginx", "--",
                    "sh", "-c", SHELL_SCRIPT]
    merged = shell_argv(CONN, os.pathsep.join(["/a", "/b"]), "shop", "web-1", None)
    assert "--kubeconfig" not in merged and "-c" not in merged[:-2]


def test_missing_kubectl_is_one_clear_line():
    with pytest.raises(KubedeckError, match="kubectl-that-is-not-there not found on PATH"):
        run_shell(["kubectl-that-is-not-there", "exec"])


@needs_kubectl
def test_debian_image_gets_bash(sim_kubeconfig):
    term = shell(sim_kubeconfig, "deb")
    term.expect("root@deb:/# ")
    term.type("echo $0\r")
    assert "\r\nbash\r\n" in term.expect("bash\r\nroot@deb:/# ")
    term.type("exit 4\r")
    assert term.exit_code() == 4


@needs_kubectl
def test_alpine_image_falls_back_to_sh(sim_kubeconfig):
    term = shell(sim_kubeconfig, "alp")
    term.expect("/ # ")
    term.type("echo $0\r")
    term.expect("sh\r\n/ # ")
    term.type("cd /etc && pwd\r")
    term.expect("/etc\r\n/etc # ")
    term.type("exit\r")
    assert term.exit_code() == 0


@needs_kubectl
def test_line_editing_and_ctrl_c(sim_kubeconfig):
    term = shell(sim_kubeconfig, "two", "sidecar")
    term.expect("/ # ")
    term.type("echo abx\x7fc\r")  # backspace erases on screen and in the line
    screen = term.expect("abc\r\n/ # ")
    assert "abx\b \bc" in screen
    term.type("sleep 600\r")
    term.expect("sleep 600\r\n")
    term.type("\x03")  # ctrl-c stops the command, not the shell
    term.expect("^C\r\n/ # ")
    term.type("false\r")
    term.expect("false\r\n/ # ")
    term.type("\x04")  # ctrl-d on an empty line ends sh with the last status
    assert term.exit_code() == 1


@needs_kubectl
def test_no_shell_in_image_exits_126(sim_kubeconfig):
    term = shell(sim_kubeconfig, "bare")
    term.expect('exec: "sh": executable file not found in $PATH')
    assert term.exit_code() == 126
