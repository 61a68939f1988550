"""Every failure the CLI can meet prints one line, exits 1 (2 for usage), and no traceback.

Each case runs the installed `kubedeck` command as a user would.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig
from kubedeck.fake.tls import generate

pytestmark = pytest.mark.integration

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")
KUBECTL = shutil.which("kubectl")


def kubedeck(*args: str, env: dict | None = None, home: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    base.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")})
    return subprocess.run([KUBEDECK, *args], env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=60)


def one_line(proc: subprocess.CompletedProcess, code: int = 1) -> str:
    """The single stderr line of a failed run."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr.rstrip("\n")


def config(server: str, user: dict, cluster_extra: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Config", "current-context": "sim",
            "clusters": [{"name": "sim", "cluster": {"server": server, **(cluster_extra or {})}}],
            "users": [{"name": "me", "user": user}],
            "contexts": [{"name": "sim", "context": {"cluster": "sim", "user": "me"}},
                         {"name": "other", "context": {"cluster": "sim", "user": "me"}}]}


def write(path: Path, doc: dict | str) -> Path:
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


@pytest.fixture(scope="module")
def cluster():
    c = FakeCluster()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def plain(cluster):
    running = serve(cluster, 0, deny={("list", "secrets"), ("get", "configmaps")})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tls_server(cluster):
    running = serve(cluster, 0, tls=True)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def token_server(cluster):
    running = serve(cluster, 0, tls=True, token="s3cret")
    yield running
    running.stop()


def test_no_kubeconfig(tmp_path):
    line = one_line(kubedeck("get", "pods", home=tmp_path))
    assert line.startswith("error: no kubeconfig found (looked in default location: "
                           f"{tmp_path}/.kube/config)")
    assert "kubedeck demo" in line


def test_malformed_kubeconfig_names_file_and_line(tmp_path):
    path = write(tmp_path / "broken.yaml", "apiVersion: v1\nclusters:\n  - name: a\n   bad: [\n")
    line = one_line(kubedeck("get", "pods", env={"KUBECONFIG": str(path)}, home=tmp_path))
    assert line.startswith(f"error: malformed kubeconfig {path}: YAML error at line 4, column ")


def test_unknown_context_lists_available(tmp_path, plain):
    path = write(tmp_path / "kc", config(plain.url, {}))
    line = one_line(kubedeck("--context", "prod", "get", "pods", env={"KUBECONFIG": str(path)},
                             home=tmp_path))
    assert line == f'error: context "prod" does not exist in {path} (available: other, sim)'


def test_unreachable_server(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = write(tmp_path / "kc", config(f"https://127.0.0.1:{port}", {}))
    line = one_line(kubedeck("get", "pods", "--kubeconfig", str(path), home=tmp_path))
    assert line == (f"error: the connection to the server 127.0.0.1:{port} was refused "
                    f"(https://127.0.0.1:{port}) - is the cluster running? (minikube start / "
                    "check VPN)")


def test_server_that_never_answers_times_out(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        path = write(tmp_path / "kc", config(url, {}))
        line = one_line(kubedeck("get", "pods", "--request-timeout=1s", "--kubeconfig", str(path),
                                 home=tmp_path))
        assert line.startswith(f"error: the server {url} did not answer within 1s")
    finally:
        listener.close()


def test_tls_failure_with_wrong_ca(tmp_path, tls_server):
    other_ca = generate().ca_pem
    path = write(tmp_path / "kc", config(
        tls_server.url,
        {"client-certificate-data": base64.b64encode(tls_server.client_cert_pem).decode(),
         "client-key-data": base64.b64encode(tls_server.client_key_pem).decode()},
        {"certificate-authority-data": base64.b64encode(other_ca).decode()}))
    line = one_line(kubedeck("get", "ns", "--kubeconfig", str(path), home=tmp_path))
    assert line.startswith(f"error: TLS failure talking to {tls_server.url}: ")
    assert "certificate" in line and 'cluster "sim"' in line


def test_https_with_client_certificate_works(tmp_path, tls_server):
    path = write_kubeconfig(tmp_path / "kc", tls_server)
    proc = kubedeck("get", "ns", "--kubeconfig", str(path), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    assert "kube-system" in proc.stdout


def test_insecure_skip_tls_verify_with_token(tmp_path, token_server):
    path = write(tmp_path / "kc", config(token_server.url, {"token": "s3cret"},
                                          {"insecure-skip-tls-verify": True}))
    proc = kubedeck("get", "ns", "default", "--kubeconfig", str(path), home=tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout.startswith("NAME      STATUS   AGE\ndefault   Active")


def test_unauthorized(tmp_path, token_server):
    path = write(tmp_path / "kc", config(
        token_server.url, {"token": "wrong"},
        {"certificate-authority-data": base64.b64encode(token_server.ca_pem).decode()}))
    line = one_line(kubedeck("get", "pods", "--kubeconfig", str(path), home=tmp_path))
    assert line.startswith("error: You must be logged in to the server (Unauthorized) - ")
    assert 'user "me"' in line and 'context "sim"' in line


@pytest.mark.parametrize(("args", "verb", "resource"), [
    (["get", "secrets", "-n", "kube-system"], "list", "secrets"),
    (["get", "configmap", "x", "-n", "default"], "get", "configmaps"),
])
def test_forbidden_names_verb_and_resource(tmp_path, plain, args, verb, resource):
    path = write_kubeconfig(tmp_path / "kc", plain)
    line = one_line(kubedeck(*args, "--kubeconfig", str(path), home=tmp_path))
    assert line.startswith("Error from server (Forbidden): ")
    assert f'cannot {verb} resource "{resource}"' in line
    assert f'in the namespace "{args[-1]}"' in line
    if KUBECTL:
        theirs = subprocess.run([KUBECTL, *args, "--kubeconfig", str(path)], capture_output=True,
                                text=True, env={**os.environ, "HOME": str(tmp_path)}, timeout=60)
        assert theirs.stderr.rstrip("\n") == line


def test_unknown_kind(tmp_path, plain):
    path = write_kubeconfig(tmp_path / "kc", plain)
    line = one_line(kubedeck("get", "foo", "--kubeconfig", str(path), home=tmp_path))
    assert line == 'error: the server doesn\'t have a resource type "foo"'


def test_bad_label_selector(tmp_path, plain):
    path = write_kubeconfig(tmp_path / "kc", plain)
    line = one_line(kubedeck("get", "pods", "-l", "app in (web", "--kubeconfig", str(path),
                             home=tmp_path))
    assert line.startswith("error: invalid label selector 'app in (web'")


def test_unknown_output_format(tmp_path):
    line = one_line(kubedeck("get", "pods", "-o", "table", home=tmp_path))
    assert line == ('error: unable to match a printer suitable for the output format "table", '
                    "allowed formats are: json,name,wide,yaml")


def test_bad_request_timeout(tmp_path):
    line = one_line(kubedeck("get", "pods", "--request-timeout", "soon", home=tmp_path))
    assert line.startswith("error: Invalid timeout value.")


def test_usage_errors_exit_2(tmp_path):
    proc = kubedeck("get", "pods", "--bogus", home=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "unrecognized arguments: --bogus" in proc.stderr
    proc = kubedeck("rollout", "status", "deploy/x", "--revision", "two", home=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_missing_resource_type(tmp_path, plain):
    path = write_kubeconfig(tmp_path / "kc", plain)
    line = one_line(kubedeck("get", "--kubeconfig", str(path), home=tmp_path))
    assert line.startswith("error: you must specify the type of resource to get")


def exec_user(script: Path, install_hint: str | None = None) -> dict:
    spec: dict = {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(script),
                  "args": ["--cluster", "sim"], "env": [{"name": "PLUGIN_TOKEN", "value": "s3cret"}],
                  "interactiveMode": "IfAvailable", "provideClusterInfo": True}
    if install_hint:
        spec["installHint"] = install_hint
    return {"exec": spec}


def test_exec_credential_plugin(tmp_path, token_server):
    """What `gcloud container clusters get-credentials` writes: an exec plugin printing an
    ExecCredential; kubedeck must run it and use its token."""
    script = tmp_path / "fake-auth-plugin"
    script.write_text(
        "#!/bin/sh\n"
        'test "$1 $2" = "--cluster sim" || exit 3\n'
        'echo "$KUBERNETES_EXEC_INFO" | grep -q ExecCredential || exit 4\n'
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",'
        '"status":{"token":"%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}\' "$PLUGIN_TOKEN"\n')
    script.chmod(0o755)
    ca = {"certificate-authority-data": base64.b64encode(token_server.ca_pem).decode()}
    path = write(tmp_path / "kc", config(token_server.url, exec_user(script), ca))
    proc = kubedeck("get", "ns", "default", "--kubeconfig", str(path), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("default   Active")


def test_failing_exec_plugin_is_one_line(tmp_path, token_server):
    script = tmp_path / "broken-plugin"
    script.write_text("#!/bin/sh\necho 'credentials expired, run login' >&2\nexit 1\n")
    script.chmod(0o755)
    ca = {"certificate-authority-data": base64.b64encode(token_server.ca_pem).decode()}
    path = write(tmp_path / "kc", config(token_server.url, exec_user(script), ca))
    line = one_line(kubedeck("get", "ns", "--kubeconfig", str(path), home=tmp_path))
    assert line.startswith(f'error: the exec credential plugin "{script}" of user "me"')
    assert "credentials expired, run login" in line


def test_missing_exec_plugin_shows_install_hint(tmp_path, token_server):
    hint = "Install gke-gcloud-auth-plugin for use with kubectl by following\nhttps://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin"
    path = write(tmp_path / "kc", config(token_server.url,
                                         exec_user(tmp_path / "gke-gcloud-auth-plugin", hint)))
    line = one_line(kubedeck("get", "ns", "--kubeconfig", str(path), home=tmp_path))
    assert "Install gke-gcloud-auth-plugin for use with kubectl by following https://" in line
