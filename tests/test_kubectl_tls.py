"""The installed kubectl against the simulated cluster over HTTPS: the kubeconfig carries the
CA and a client certificate inline (as minikube and kind write them), or a bearer token."""

from __future__ import annotations

import base64

import pytest
import yaml
from conftest import KUBECTL, make_kubectl

from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import serve, write_kubeconfig
from kubedeck.fake.tls import generate

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]


@pytest.fixture(scope="module")
def tls_cluster():
    cluster = FakeCluster(ready_delay=0.2)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module", params=["client-certificate", "token"])
def tls_kubectl(request, tls_cluster, tmp_path_factory):
    token = "sim-token" if request.param == "token" else None
    running = serve(tls_cluster, tls=True, token=token)
    folder = tmp_path_factory.mktemp(f"tls-{request.param}")
    path = write_kubeconfig(folder / "kubeconfig", running)
    yield request.param, path, make_kubectl(path, folder / "cache")
    running.stop()


def test_kubeconfig_is_written_like_minikube(tls_kubectl):
    mode, path, _ = tls_kubectl
    doc = yaml.safe_load(path.read_text())
    cluster = doc["clusters"][0]["cluster"]
    assert cluster["server"].startswith("https://127.0.0.1:")
    assert base64.b64decode(cluster["certificate-authority-data"]).startswith(
        b"-----BEGIN CERTIFICATE-----")
    user = doc["users"][0]["user"]
    if mode == "token":
        assert user == {"token": "sim-token"}
    else:
        assert set(user) == {"client-certificate-data", "client-key-data"}
    assert doc["current-context"] == "kubedeck-sim"
    assert path.stat().st_mode & 0o077 == 0


def test_get_apply_delete_over_https(tls_kubectl, tmp_path):
    mode, _, kubectl = tls_kubectl
    result = kubectl("get", "namespaces")
    assert result.returncode == 0, result.stderr
    assert "kube-system" in result.stdout
    name = f"tls-{mode}"
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
                        "data:\n  a: b\n")
    for args in (("apply", "-f", str(manifest)), ("apply", "--server-side", "-f", str(manifest)),
                 ("delete", "-f", str(manifest))):
        result = kubectl(*args)
        assert result.returncode == 0, result.stderr


def test_wrong_credentials_are_refused(tls_kubectl, tmp_path):
    mode, path, _ = tls_kubectl
    doc = yaml.safe_load(path.read_text())
    if mode == "token":
        doc["users"][0]["user"] = {"token": "not-the-token"}
    else:
        foreign = generate("intruder")
        doc["users"][0]["user"] = {
            "client-certificate-data": base64.b64encode(foreign.client_cert_pem).decode(),
            "client-key-data": base64.b64encode(foreign.client_key_pem).decode()}
    bad = tmp_path / "bad"
    bad.write_text(yaml.safe_dump(doc))
    result = make_kubectl(bad, tmp_path / "cache")("get", "pods")
    assert result.returncode == 1
    if mode == "token":
        assert "the server has asked for the client to provide credentials" in result.stderr
    else:
        # TLS 1.3 checks the client certificate after the client considers the handshake
        # done: kubectl reads the server's alert, or (under load) is already writing its
        # request when the server closes, and sees the closed socket instead.
        assert "Unable to connect to the server: " in result.stderr
        assert any(refusal in result.stderr for refusal in (
            "remote error: tls:", "broken pipe", "connection reset by peer")), result.stderr
