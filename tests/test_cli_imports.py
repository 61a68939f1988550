"""`kubedeck get` must not pay for the UI or the cloud: no textual, no google libraries."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig

pytestmark = pytest.mark.integration

PROBE = """
import sys
from kubedeck.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules
               if m.split(".")[0] in ("textual", "tui", "pipelines", "google", "rich"))
print("HEAVY", heavy, code)
"""


def test_get_imports_neither_textual_nor_google(tmp_path):
    cluster = FakeCluster()
    running = serve(cluster, 0)
    try:
        path = write_kubeconfig(tmp_path / "kc", running)
        env = {**os.environ, "KUBECONFIG": str(path), "HOME": str(tmp_path),
               "XDG_CACHE_HOME": str(tmp_path / "cache")}
        for argv in (["get", "ns"], ["get", "ns", "-o", "yaml"], ["get", "leases", "-A"]):
            proc = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env,
                                  capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0, proc.stderr
            assert proc.stdout.splitlines()[-1] == "HEAVY [] 0"
    finally:
        running.stop()
        cluster.stop()
