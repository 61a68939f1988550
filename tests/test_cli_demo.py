"""The embedded cluster from the command line: `get --demo` and `kubedeck sim` (`kubedeck demo`
opens the explorer: tests/test_tui_tmux.py runs it in a terminal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")


def clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    return {**env, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}


def test_get_demo_needs_no_kubeconfig(tmp_path):
    env = clean_env(tmp_path)
    proc = subprocess.run([KUBEDECK, "get", "pods", "-A", "--demo"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert any(line.startswith("guestbook") and "frontend-" in line for line in lines)
    assert any("CrashLoopBackOff" in line for line in lines)
    proc = subprocess.run([KUBEDECK, "get", "deploy", "-n", "guestbook", "-o", "name", "--demo"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "deployment.apps/frontend" in proc.stdout.splitlines()


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no kubeconfig written"
        time.sleep(0.1)


def get_namespaces(env: dict, kubeconfig: Path) -> subprocess.CompletedProcess:
    return subprocess.run([KUBEDECK, "--kubeconfig", str(kubeconfig), "get", "ns"], env=env,
                          capture_output=True, text=True, timeout=60)


def test_sim_serves_until_interrupted(tmp_path):
    env = clean_env(tmp_path)
    kubeconfig = tmp_path / "sim.yaml"
    proc = subprocess.Popen([KUBEDECK, "sim", "--port", "0", "--kubeconfig", str(kubeconfig),
                             "--pods", "20"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(kubeconfig, proc)
        got = get_namespaces(env, kubeconfig)
        assert got.returncode == 0, got.stderr
        assert "guestbook" in got.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
