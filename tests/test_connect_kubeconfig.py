"""kubeconfig discovery and merging as kubectl does it, and the flags that pick a context."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from kubedeck.kube.connect import client_from_kubeconfig, connect
from kubedeck.kube.durations import parse_go_duration, parse_request_timeout
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.kubeconfig import load_kubeconfig


def write(path: Path, doc: dict | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return str(path)


def kubeconfig(current: str | None, contexts: dict[str, tuple[str, str, str | None]],
               clusters: dict[str, str], users: dict[str, dict]) -> dict:
    doc: dict = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": s}} for n, s in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u,
                                             **({"namespace": ns} if ns else {})}}
                     for n, (c, u, ns) in contexts.items()],
    }
    if current is not None:
        doc["current-context"] = current
    return doc


def test_kubeconfig_env_merges_first_file_wins(tmp_path):
    a = write(tmp_path / "a", kubeconfig(
        None, {"shared": ("c-a", "u-a", "from-a")}, {"c-a": "http://a.example:1"},
        {"u-a": {"token": "ta"}}))
    b = write(tmp_path / "b", kubeconfig(
        "only-b", {"shared": ("c-b", "u-b", "from-b"), "only-b": ("c-b", "u-b", None)},
        {"c-b": "http://b.example:2"}, {"u-b": {"token": "tb"}}))
    c = write(tmp_path / "c", kubeconfig(
        "shared", {}, {"c-b": "http://ignored.example:3"}, {}))
    env = {"KUBECONFIG": f"{a}:{tmp_path / 'missing'}:{b}:{c}", "HOME": str(tmp_path)}
    cfg = load_kubeconfig(None, env)
    assert cfg.files == [a, b, c]
    assert cfg.current_context == "only-b"  # the first file that sets it
    assert cfg.contexts["shared"].path == a  # first file to name a context wins
    assert cfg.clusters["c-b"].body["cluster"]["server"] == "http://b.example:2"
    conn = client_from_kubeconfig(cfg, "shared")
    assert (conn.context, conn.server, conn.user, conn.namespace) == (
        "shared", "http://a.example:1", "u-a", "from-a")
    assert conn.api_client.configuration.api_key["BearerToken"] == "Bearer ta"


def test_default_location_and_flags(tmp_path):
    write(tmp_path / ".kube" / "config", kubeconfig(
        "one", {"one": ("c", "u", "team"), "two": ("c", "u", None)},
        {"c": "https://k.example:6443"}, {"u": {}}))
    env = {"HOME": str(tmp_path)}
    conn = connect(environ=env)
    assert (conn.context, conn.namespace) == ("one", "team")
    conn = connect(context="two", environ=env)
    assert (conn.context, conn.namespace) == ("two", "default")
    conn = connect(context="one", namespace="other", environ=env, request_timeout=5.0)
    assert (conn.namespace, conn.request_timeout) == ("other", 5.0)
    explicit = write(tmp_path / "explicit.yaml", kubeconfig(
        "x", {"x": ("c", "u", None)}, {"c": "http://x.example"}, {"u": {}}))
    # --kubeconfig wins over $KUBECONFIG and the default location
    conn = connect(kubeconfig=explicit, environ={**env, "KUBECONFIG": "/nonexistent"})
    assert conn.server == "http://x.example"


def test_inline_certificate_data_and_relative_files(tmp_path):
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_bytes(pem)
    doc = kubeconfig("m", {"m": ("minikube", "minikube", None)},
                     {"minikube": "https://192.168.49.2:8443"}, {"minikube": {}})
    doc["clusters"][0]["cluster"]["certificate-authority"] = "certs/ca.crt"
    doc["users"][0]["user"] = {
        "client-certificate-data": base64.b64encode(pem).decode(),
        "client-key-data": base64.b64encode(b"KEY").decode()}
    path = write(tmp_path / "config", doc)
    conn = connect(kubeconfig=path, environ={})
    cfg = conn.api_client.configuration
    assert cfg.ssl_ca_cert == str(tmp_path / "certs" / "ca.crt")
    assert Path(cfg.cert_file).read_bytes() == pem
    assert Path(cfg.key_file).read_bytes() == b"KEY"


def test_token_file_and_insecure(tmp_path):
    (tmp_path / "tok").write_text("secret-token")
    doc = kubeconfig("t", {"t": ("c", "u", None)}, {"c": "https://k.example"},
                     {"u": {"tokenFile": "tok"}})
    doc["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
    conn = connect(kubeconfig=write(tmp_path / "config", doc), environ={})
    assert conn.api_client.configuration.api_key["BearerToken"] == "Bearer secret-token"
    assert conn.api_client.configuration.verify_ssl is False


def test_no_kubeconfig_says_where_it_looked(tmp_path):
    with pytest.raises(KubedeckError) as err:
        connect(environ={"HOME": str(tmp_path)})
    msg = str(err.value)
    assert str(tmp_path / ".kube" / "config") in msg and "kubedeck demo" in msg
    with pytest.raises(KubedeckError) as err:
        connect(environ={"KUBECONFIG": f"{tmp_path}/a:{tmp_path}/b"})
    assert "$KUBECONFIG" in str(err.value) and f"{tmp_path}/b" in str(err.value)
    with pytest.raises(KubedeckError) as err:
        connect(kubeconfig=str(tmp_path / "nope"), environ={})
    assert "--kubeconfig" in str(err.value) and str(tmp_path / "nope") in str(err.value)


def test_malformed_kubeconfig_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad", "apiVersion: v1\nclusters:\n- name: x\n  cluster: {server: [\n")
    with pytest.raises(KubedeckError) as err:
        connect(kubeconfig=path, environ={})
    msg = str(err.value)
    assert msg.startswith(f"error: malformed kubeconfig {path}: YAML error at line ")
    path = write(tmp_path / "bad2", {"contexts": {"name": "x"}})
    with pytest.raises(KubedeckError, match='"contexts" must be a list'):
        connect(kubeconfig=path, environ={})
    path = write(tmp_path / "bad3", "- just\n- a list\n")
    with pytest.raises(KubedeckError, match="expected a mapping at the top level"):
        connect(kubeconfig=path, environ={})


def test_unknown_context_lists_available(tmp_path):
    path = write(tmp_path / "c", kubeconfig(
        "a", {"a": ("c", "u", None), "b": ("c", "u", None)}, {"c": "http://x"}, {"u": {}}))
    with pytest.raises(KubedeckError) as err:
        connect(kubeconfig=path, context="nope", environ={})
    assert str(err.value) == f'error: context "nope" does not exist in {path} (available: a, b)'


def test_context_without_cluster_or_current_context(tmp_path):
    path = write(tmp_path / "c", kubeconfig(None, {"a": ("gone", "u", None)}, {}, {"u": {}}))
    with pytest.raises(KubedeckError, match="no current context is set"):
        connect(kubeconfig=path, environ={})
    with pytest.raises(KubedeckError, match='refers to cluster "gone"'):
        connect(kubeconfig=path, context="a", environ={})


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", None), ("", None), (None, None), ("30", 30.0), ("30s", 30.0), ("1m", 60.0),
    ("1m30s", 90.0), ("500ms", 0.5), ("1h", 3600.0), ("1.5s", 1.5)])
def test_request_timeout_parses_like_kubectl(text, seconds):
    assert parse_request_timeout(text) == seconds


@pytest.mark.parametrize("text", ["abc", "-5", "5x", "1m5"])
def test_request_timeout_rejects_like_kubectl(text):
    with pytest.raises(ValueError, match="Invalid timeout value"):
        parse_request_timeout(text)


def test_go_duration():
    assert parse_go_duration("2h45m") == 9900.0
    assert parse_go_duration("-1.5h") == -5400.0
    with pytest.raises(ValueError, match="missing unit"):
        parse_go_duration("30")
