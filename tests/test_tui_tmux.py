"""The installed `kubedeck demo` in a real terminal (tmux): the pod table appears, `:deploy`
shows the deployments, `:q` exits with 0."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
KUBEDECK = Path(sys.executable).with_name("kubedeck")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)"),
    pytest.mark.skipif(not KUBEDECK.exists(), reason=f"{KUBEDECK} is not installed "
                       "(pip install -e .)"),
]


class Tmux:
    """One detached session on a private server socket (never the user's tmux)."""

    def __init__(self) -> None:
        self.socket = f"kubedeck-test-{uuid.uuid4().hex[:8]}"
        self.session = "demo"

    def run(self, *args: str) -> str:
        return subprocess.run([TMUX or "tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True, timeout=30).stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", self.session, "-x", "120", "-y", "40", command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def wait_for(self, predicate, what: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{text}")
            time.sleep(0.1)

    def kill(self) -> None:
        subprocess.run([TMUX or "tmux", "-L", self.socket, "kill-server"],
                       capture_output=True, timeout=30)


def test_installed_demo_in_tmux(tmp_path: Path):
    rc_file = tmp_path / "rc"
    env = {"XDG_CACHE_HOME": tmp_path / "cache", "XDG_STATE_HOME": tmp_path / "state",
           "XDG_CONFIG_HOME": tmp_path / "config", "TERM": "xterm-256color"}
    exports = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in env.items())
    command = (f"env {exports} {shlex.quote(str(KUBEDECK))} demo; "
               f"echo $? > {shlex.quote(str(rc_file))}; sleep 60")
    tmux = Tmux()
    tmux.start(command)
    try:
        tmux.wait_for(lambda s: "pods(all)" in s and "legacy-api-" in s, "the pod table")
        tmux.keys(":")
        tmux.wait_for(lambda s: "command:" in s, "the prompt")
        tmux.keys("deploy", "Enter")
        text = tmux.wait_for(lambda s: "deployments(all)" in s and "storefront" in s,
                             "the deployment rows")
        rows = [line for line in text.splitlines() if "legacy-api" in line]
        assert rows and "0/1" in rows[0]
        tmux.keys(":")
        tmux.wait_for(lambda s: "command:" in s, "the prompt")
        tmux.keys("q", "Enter")
        deadline = time.monotonic() + 30
        while not rc_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rc_file.read_text().strip() == "0"
    finally:
        tmux.kill()
