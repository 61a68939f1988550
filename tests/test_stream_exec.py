"""Real kubectl exec against the simulated cluster over WebSocket (v5.channel.k8s.io): output,
stdin, exit codes, the container runtime's and the API server's errors, authorization, and
the official Python client's stream()."""

from __future__ import annotations

import pytest
from conftest import make_kubectl
from stream_support import create_pods

from kubedeck.fake.serve import serve, write_kubeconfig

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def pods(sim_server):
    create_pods(sim_server.cluster)


def test_exec_prints_command_output(sim_kubectl):
    result = sim_kubectl("exec", "deb", "--", "hostname")
    assert (result.returncode, result.stdout) == (0, "deb\n"), result.stderr


def test_exec_with_stdin(sim_kubectl):
    result = sim_kubectl("exec", "-i", "deb", "--", "cat", input="one\ntwo\n")
    assert (result.returncode, result.stdout) == (0, "one\ntwo\n"), result.stderr


def test_exec_sees_pod_env_and_shell_syntax(sim_kubectl):
    script = 'printenv GREETING; echo "$HOSTNAME" >/dev/null && echo ok || echo no; nope 2>&1'
    result = sim_kubectl("exec", "deb", "--", "sh", "-c", script)
    assert result.stdout == "hello world\nok\nsh: nope: not found\n"
    assert result.returncode == 127


def test_exit_code_propagates(sim_kubectl):
    result = sim_kubectl("exec", "deb", "--", "sh", "-c", "exit 3")
    assert result.returncode == 3
    assert "command terminated with exit code 3" in result.stderr


def test_kubectl_speaks_websocket_v5_without_spdy_fallback(sim_kubectl):
    result = sim_kubectl("exec", "-v=7", "deb", "--", "true")
    assert result.returncode == 0
    assert "Response Status: 101 Switching Protocols" in result.stderr
    assert "The subprotocol is v5.channel.k8s.io" in result.stderr
    assert "fallback" not in result.stderr.lower()


def test_missing_binary_is_the_runtime_error(sim_kubectl):
    result = sim_kubectl("exec", "alp", "--", "bash")
    assert result.returncode == 126
    assert ('OCI runtime exec failed: exec failed: unable to start container process: exec: '
            '"bash": executable file not found in $PATH: unknown') in result.stdout


def test_distroless_image_has_no_shell(sim_kubectl):
    result = sim_kubectl("exec", "bare", "--", "sh")
    assert result.returncode == 126
    assert 'exec: "sh": executable file not found' in result.stdout


def test_missing_container(sim_kubectl):
    result = sim_kubectl("exec", "deb", "-c", "nope", "--", "hostname")
    assert result.returncode == 1
    assert "container nope is not valid for pod deb" in result.stderr


def test_named_container_of_two(sim_kubectl):
    result = sim_kubectl("exec", "two", "-c", "sidecar", "--", "sh", "-c",
                         "command -v bash || echo no bash")
    assert (result.returncode, result.stdout) == (0, "no bash\n"), result.stderr


def test_missing_pod(sim_kubectl):
    result = sim_kubectl("exec", "ghost", "--", "hostname")
    assert result.returncode == 1
    assert 'pods "ghost" not found' in result.stderr


def test_forbidden_exec_names_verb_and_subresource(sim_server, tmp_path):
    denied = serve(sim_server.cluster, deny={("create", "pods/exec")})
    try:
        kubectl = make_kubectl(write_kubeconfig(tmp_path / "kubeconfig", denied),
                               tmp_path / "cache")
        result = kubectl("exec", "deb", "--", "hostname")
    finally:
        denied.stop()
    assert result.returncode == 1
    assert 'cannot create resource "pods/exec"' in result.stderr
    assert 'in the namespace "default"' in result.stderr


def test_official_client_stream_exec(sim_server, sim_kubeconfig):
    from kubernetes import client, config
    from kubernetes.stream import stream

    api = client.CoreV1Api(config.new_client_from_config(str(sim_kubeconfig)))
    out = stream(api.connect_get_namespaced_pod_exec, "deb", "default",
                 command=["sh", "-c", "echo out; echo err >&2"], stdout=True, stderr=True,
                 stdin=False, tty=False)
    assert out == "out\nerr\n"
    resp = stream(api.connect_get_namespaced_pod_exec, "alp", "default",
                  command=["sh", "-c", "cat; exit 5"], stdout=True, stderr=True, stdin=True,
                  tty=False, _preload_content=False)
    resp.write_stdin("piped\n")
    resp.close_channel(0)
    resp.run_forever(timeout=10)
    assert resp.read_stdout() == "piped\n"
    assert resp.returncode == 5
