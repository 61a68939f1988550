"""`run_sim`, the function behind `kubedeck sim`: seeds, serves, writes the kubeconfig, prints
one line, and stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import pytest
from kubernetes import client, config

pytestmark = pytest.mark.integration

RUN = ("import sys; from kubedeck.fake.serve import run_sim; "
       "sys.exit(run_sim(int(sys.argv[1]), sys.argv[2], sys.argv[3] == 'tls', int(sys.argv[4]), "
       "None))")


def start(port: int, kubeconfig, tls: bool, pods: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, str(port), str(kubeconfig),
                             "tls" if tls else "plain", str(pods)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_the_demo_world_until_signalled(tmp_path, sig):
    kubeconfig = tmp_path / "kubeconfig"
    proc = start(0, kubeconfig, True, 25)
    try:
        line = proc.stdout.readline()
        assert line.startswith("kubedeck sim: serving the simulated cluster at https://127.0.0.1:")
        assert f"--kubeconfig {kubeconfig}" in line
        api = client.CoreV1Api(config.new_client_from_config(config_file=str(kubeconfig)))
        resp = api.list_pod_for_all_namespaces(_preload_content=False)
        pods = json.loads(resp.data)["items"]
        assert len(pods) >= 25
        namespaces = {p["metadata"]["namespace"] for p in pods}
        assert len(namespaces) > 1
    finally:
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
    assert proc.stdout.read() == ""


def test_port_in_use_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = start(port, tmp_path / "kubeconfig", False, 0)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert out == ""
    assert err.splitlines() == [f"kubedeck sim: cannot serve on 127.0.0.1:{port}: Address already "
                                "in use; pick another --port"]
