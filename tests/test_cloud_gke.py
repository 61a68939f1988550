"""`kubedeck gke clusters|connect` and `get --gke` through google-cloud-container against the
fake GKE API, and a TLS sim cluster that accepts only the fake's OAuth tokens."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess

import pytest
import yaml
from cloud_support import CLUSTER, LOCATION, PROJECT, run_cli

from kubedeck.cloud.context import cloud_context
from kubedeck.cloud.gke import ClusterRef, connect
from kubedeck.fake.serve import write_kubeconfig

pytestmark = pytest.mark.integration
REF = f"{PROJECT}/{LOCATION}/{CLUSTER}"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_clusters_lists_every_location_with_gcloud_columns(cloud_world):
    cloud_world.cloud.add_cluster(PROJECT, "us-central1-a", "batch", endpoint="10.0.0.9",
                                  ca_pem=b"x", node_count=7, machine_type="n2-standard-4",
                                  version="1.30.9-gke.1")
    cloud_world.cloud.add_cluster("other", "us-central1-a", "hidden", endpoint="10.0.0.8",
                                  ca_pem=b"x")
    code, out, err = run_cli("gke", "clusters")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "LOCATION", "MASTER_VERSION", "MASTER_IP",
                                "MACHINE_TYPE", "NODE_VERSION", "NUM_NODES", "STATUS"]
    assert lines[1].split() == [CLUSTER, LOCATION, "1.31.5-gke.1233000", cloud_world.endpoint,
                                "e2-medium", "1.31.5-gke.1233000", "3", "RUNNING"]
    assert lines[2].split() == ["batch", "us-central1-a", "1.30.9-gke.1", "10.0.0.9",
                                "n2-standard-4", "1.30.9-gke.1", "7", "RUNNING"]
    assert len(lines) == 3
    assert cloud_world.cloud.count("GET", f"/v1/projects/{PROJECT}/locations/-/clusters") == 1


def test_clusters_warns_about_locations_that_did_not_answer(cloud_world):
    cloud_world.cloud.gke.missing_zones = ["asia-east1-a"]
    code, out, err = run_cli("gke", "clusters")
    assert code == 0
    assert "WARNING: these locations did not answer" in err and "asia-east1-a" in err
    assert CLUSTER in out


def test_clusters_project_comes_from_flag_config_env_then_credentials(cloud_world, tmp_path,
                                                                      monkeypatch):
    for name in ("flagp", "confp", "envp"):
        cloud_world.cloud.add_project(name)
        cloud_world.cloud.add_cluster(name, "us-east1", f"in-{name}", endpoint="10.1.1.1",
                                      ca_pem=b"x")
    assert f"in-{CLUSTER}" not in run_cli("gke", "clusters")[1]
    assert CLUSTER in run_cli("gke", "clusters")[1]  # the service account's project_id
    monkeypatch.setenv("CLOUDSDK_CORE_PROJECT", "envp")
    assert "in-envp" in run_cli("gke", "clusters")[1]
    config = tmp_path / "config.yaml"
    config.write_text("gcp:\n  project: confp\n")
    monkeypatch.setenv("KUBEDECK_CONFIG", str(config))
    assert "in-confp" in run_cli("gke", "clusters")[1]
    assert "in-flagp" in run_cli("gke", "clusters", "--project", "flagp")[1]


def test_clusters_in_an_empty_project_says_so(cloud_world):
    cloud_world.cloud.add_project("empty")
    code, out, err = run_cli("gke", "clusters", "--project", "empty")
    assert (code, out) == (0, "")
    assert err == "No GKE clusters in project empty.\n"


def test_connect_verifies_over_tls_with_a_bearer_token(cloud_world):
    code, out, err = run_cli("gke", "connect", REF)
    assert code == 0, err
    assert out == (f"Connected to GKE cluster {CLUSTER} (project {PROJECT}, location {LOCATION}) "
                   f"at {cloud_world.sim.url}: Kubernetes v1.31.0-kubedeck, as "
                   f"kubedeck@{PROJECT}.iam.gserviceaccount.com\n")
    assert cloud_world.cloud.oauth.grants == 1  # one token for the GKE API and the cluster


def test_the_sim_refuses_anything_but_a_live_fake_token(cloud_world, tmp_path):
    """Guards the tests above: the cluster really checks the bearer token."""
    from kubedeck.kube.connect import connect as kube_connect

    kubeconfig = write_kubeconfig(tmp_path / "kc", cloud_world.sim)
    doc = yaml.safe_load(kubeconfig.read_text())
    doc["users"][0]["user"] = {"token": "ya29.not-issued-by-the-fake"}
    kubeconfig.write_text(yaml.safe_dump(doc))
    conn = kube_connect(str(kubeconfig))
    try:
        with pytest.raises(Exception, match="Unauthorized"):
            conn.get("/api")
    finally:
        conn.close()


def test_get_with_gke_lists_from_the_cluster(cloud_world):
    code, out, err = run_cli("get", "ns", "--gke", REF)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    assert "kube-system" in out
    code, out, err = run_cli("get", "pods", "-n", "kube-public", "--gke", REF)
    assert (code, out) == (0, "")
    assert err == "No resources found in kube-public namespace.\n"


def test_get_with_gke_refuses_a_kubeconfig_context(cloud_world):
    code, _, err = run_cli("get", "ns", "--gke", REF, "--context", "x")
    assert code == 1
    assert err == "error: --gke picks the cluster itself; drop --context/--kubeconfig\n"


def test_connect_to_a_missing_cluster_names_the_ones_that_exist(cloud_world):
    code, _, err = run_cli("gke", "connect", f"{PROJECT}/{LOCATION}/nope")
    assert code == 1
    assert err == (f'error: GKE cluster "nope" not found in project {PROJECT}, location '
                   f"{LOCATION} (clusters in the project: {REF})\n")


def test_a_malformed_cluster_reference_is_explained(cloud_world):
    code, _, err = run_cli("gke", "connect", "just-a-name")
    assert code == 1
    assert err == ('error: "just-a-name" is not a GKE cluster - give it as '
                   "PROJECT/LOCATION/CLUSTER, e.g. my-project/europe-west1/web\n")
    assert ClusterRef.parse(f"projects/{PROJECT}/locations/{LOCATION}/clusters/{CLUSTER}") == \
        ClusterRef(PROJECT, LOCATION, CLUSTER)


def test_connect_waits_for_a_cluster_being_created(cloud_world):
    cloud_world.cloud.add_cluster(PROJECT, "us-east1", "fresh", endpoint=cloud_world.endpoint,
                                  ca_pem=cloud_world.sim.ca_pem, provisioning_polls=3)
    ctx = cloud_context()
    lines: list[str] = []
    conn = connect(ctx, ClusterRef(PROJECT, "us-east1", "fresh"), progress=lines.append,
                   wait_interval=0)
    try:
        assert json.loads(conn.get("/version"))["gitVersion"] == "v1.31.0-kubedeck"
    finally:
        conn.close()
        ctx.close()
    assert len(lines) == 1
    assert lines[0].startswith("cluster fresh is PROVISIONING: waiting for operation operation-")
    assert lines[0].endswith("(CREATE_CLUSTER)")
    assert cloud_world.cloud.count("GET", f"/v1/projects/{PROJECT}/locations/us-east1/"
                                          "operations/operation-") == 3


def test_connect_refuses_a_cluster_being_deleted(cloud_world):
    cloud_world.cloud.add_cluster(PROJECT, "us-east1", "going", endpoint="10.0.0.1",
                                  ca_pem=b"x", status="STOPPING")
    code, _, err = run_cli("gke", "connect", f"{PROJECT}/us-east1/going")
    assert code == 1
    assert err == 'error: GKE cluster "going" is STOPPING - it cannot be connected to\n'


def test_an_unreachable_private_endpoint_is_explained(cloud_world):
    port = _closed_port()
    cloud_world.cloud.add_cluster(PROJECT, "us-east1", "private", endpoint=f"127.0.0.1:{port}",
                                  ca_pem=cloud_world.sim.ca_pem, private=True)
    code, _, err = run_cli("gke", "connect", f"{PROJECT}/us-east1/private")
    assert code == 1
    assert err.startswith(f"error: cannot reach the private endpoint https://127.0.0.1:{port} "
                          'of GKE cluster "gke_proj_us-east1_private": connection refused - a '
                          "private endpoint is reachable only from inside the cluster's VPC")


def test_write_kubeconfig_adds_a_context_as_gcloud_does(cloud_world, tmp_path, monkeypatch):
    first = write_kubeconfig(tmp_path / "first", cloud_world.sim, context="mine")
    second = write_kubeconfig(tmp_path / "second", cloud_world.sim, context="theirs")
    before_second = second.read_text()
    monkeypatch.setenv("KUBECONFIG", f"{first}{os.pathsep}{second}")
    for _ in range(2):  # a second run replaces the entries, never duplicates them
        code, out, err = run_cli("gke", "connect", REF, "--write-kubeconfig")
        assert code == 0, err
    name = f"gke_{PROJECT}_{LOCATION}_{CLUSTER}"
    assert out == f"context {name} written to {first} (now the current context)\n"
    assert err.startswith("Fetching cluster endpoint and auth data.\n"
                          f"kubeconfig entry generated for {CLUSTER}.\n")
    assert second.read_text() == before_second
    doc = yaml.safe_load(first.read_text())
    assert doc["current-context"] == name
    assert [c["name"] for c in doc["contexts"]] == ["mine", name]
    assert [c["name"] for c in doc["clusters"]] == ["mine", name]
    gke_cluster = doc["clusters"][1]["cluster"]
    assert gke_cluster["server"] == cloud_world.sim.url
    import base64

    assert base64.b64decode(gke_cluster["certificate-authority-data"]) == cloud_world.sim.ca_pem
    assert doc["contexts"][1]["context"] == {"cluster": name, "user": name}
    assert doc["users"][-1] == {"name": name, "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1", "args": None,
        "command": "gke-gcloud-auth-plugin", "env": None,
        "installHint": "Install gke-gcloud-auth-plugin for use with kubectl by following "
                       "https://cloud.google.com/kubernetes-engine/docs/how-to/"
                       "cluster-access-for-kubectl#install_plugin",
        "interactiveMode": "IfAvailable", "provideClusterInfo": True}}}
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    if shutil.which("kubectl"):
        view = subprocess.run(["kubectl", "config", "get-contexts", "-o", "name"],
                              capture_output=True, text=True, timeout=30,
                              env={**os.environ})
        assert view.returncode == 0, view.stderr
        assert view.stdout.split() == sorted(["mine", "theirs", name])


def test_write_kubeconfig_creates_the_default_file(cloud_world):
    code, _, err = run_cli("gke", "connect", REF, "--write-kubeconfig")
    assert code == 0, err
    doc = yaml.safe_load((cloud_world.home / ".kube" / "config").read_text())
    assert list(doc) == ["apiVersion", "clusters", "contexts", "current-context", "kind",
                         "preferences", "users"]
    assert doc["current-context"] == f"gke_{PROJECT}_{LOCATION}_{CLUSTER}"
