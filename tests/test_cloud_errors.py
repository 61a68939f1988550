"""Every Google Cloud failure a user can meet, as one line and exit code 1: no credentials,
API not enabled, permission denied, unknown project, unreachable or malformed endpoints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from cloud_support import PROJECT, run_cli

pytestmark = pytest.mark.integration
ACCOUNT = f"kubedeck@{PROJECT}.iam.gserviceaccount.com"
MAIN = "import sys; from kubedeck.cli import main; sys.exit(main(sys.argv[1:]))"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kubedeck(tmp_path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    """The installed command with a bare environment: no ADC anywhere unless given."""
    home = tmp_path / "bare-home"
    home.mkdir(exist_ok=True)
    base = {"PATH": os.environ["PATH"], "HOME": str(home), "NO_GCE_CHECK": "true"}
    return subprocess.run([sys.executable, "-c", MAIN, *argv], capture_output=True,
                          text=True, timeout=60, env={**base, **env}, cwd=os.getcwd())


NO_ADC = ('error: no Google Cloud credentials found (Application Default Credentials) - run '
          '"gcloud auth application-default login", or set GOOGLE_APPLICATION_CREDENTIALS to a '
          "service-account key file\n")


@pytest.mark.parametrize("argv", [["gke", "clusters", "--project", "p"],
                                  ["gke", "connect", "p/l/c"], ["images"],
                                  ["get", "pods", "--gke", "p/l/c"]])
def test_no_application_default_credentials_says_how_to_create_them(tmp_path, argv):
    proc = _kubedeck(tmp_path, *argv)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", NO_ADC)


def test_a_missing_credentials_file_is_named(tmp_path):
    proc = _kubedeck(tmp_path, "images", GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / "no.json"))
    assert proc.returncode == 1
    assert proc.stderr == (f"error: GOOGLE_APPLICATION_CREDENTIALS names {tmp_path / 'no.json'}, "
                           "which does not exist - point it at a service-account key file, or "
                           'unset it and run "gcloud auth application-default login"\n')


def test_a_broken_credentials_file_is_named(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"type": "service_account"}))
    proc = _kubedeck(tmp_path, "images", GOOGLE_APPLICATION_CREDENTIALS=str(broken))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: cannot use the credentials in {broken} "
                                  "(GOOGLE_APPLICATION_CREDENTIALS): ")
    assert "\n" not in proc.stderr.rstrip("\n")


@pytest.mark.parametrize(("service", "title", "argv"), [
    ("container.googleapis.com", "Kubernetes Engine API", ["gke", "clusters"]),
    ("container.googleapis.com", "Kubernetes Engine API", ["get", "ns", "--gke",
                                                           f"{PROJECT}/europe-west1/web"]),
    ("artifactregistry.googleapis.com", "Artifact Registry API", ["images"]),
])
def test_a_disabled_api_is_named_with_how_to_enable_it(cloud_world, service, title, argv):
    cloud_world.cloud.disable_service(PROJECT, service)
    number = cloud_world.cloud.projects[PROJECT].number
    code, out, err = run_cli(*argv)
    assert (code, out) == (1, "")
    assert err == (f"error: the {title} ({service}) is not enabled in project {PROJECT} - enable "
                   f'it with "gcloud services enable {service} --project {PROJECT}" or at '
                   f"https://console.developers.google.com/apis/api/{service}/overview?project="
                   f"{number}, then retry\n")


@pytest.mark.parametrize(("permission", "argv", "needed", "role"), [
    ("container.clusters.list", ["gke", "clusters"],
     f"list the GKE clusters of project {PROJECT}", "roles/container.clusterViewer"),
    ("container.clusters.get", ["gke", "connect", f"{PROJECT}/europe-west1/web"],
     f"get GKE cluster {PROJECT}/europe-west1/web", "roles/container.clusterViewer"),
    ("artifactregistry.repositories.list", ["images", "--location", "us"],
     f"list the repositories of project {PROJECT} in us", "roles/artifactregistry.reader"),
])
def test_a_missing_permission_is_named(cloud_world, permission, argv, needed, role):
    cloud_world.cloud.deny(permission)
    code, out, err = run_cli(*argv)
    assert (code, out) == (1, "")
    assert err == (f"error: permission denied: {ACCOUNT} lacks {permission} (needed to {needed}) "
                   f"- grant a role that includes it, e.g. {role}\n")


def test_an_unknown_project_is_reported_as_such(cloud_world):
    code, _, err = run_cli("gke", "clusters", "--project", "no-such-project")
    assert code == 1
    assert err == (f"error: project no-such-project does not exist or {ACCOUNT} cannot see it - "
                   "check the project id (--project, gcp.project in the config, "
                   "CLOUDSDK_CORE_PROJECT, or the project of the credentials)\n")


def test_an_unreachable_endpoint_names_the_url_and_the_setting(cloud_world, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("KUBEDECK_GCP_CONTAINER_ENDPOINT", url)
    code, _, err = run_cli("gke", "clusters")
    assert code == 1
    assert err == (f"error: cannot reach the Kubernetes Engine API at {url}: connection refused - "
                   "check the network, or the endpoint (KUBEDECK_GCP_CONTAINER_ENDPOINT / "
                   "gcp.endpoints.container in the config file)\n")


def test_a_malformed_endpoint_variable_is_rejected(cloud_world, monkeypatch):
    monkeypatch.setenv("KUBEDECK_GCP_ARTIFACTREGISTRY_ENDPOINT", "localhost:8080")
    code, _, err = run_cli("images")
    assert code == 1
    assert err == ('error: KUBEDECK_GCP_ARTIFACTREGISTRY_ENDPOINT="localhost:8080" is not a base '
                   "URL such as https://container.googleapis.com or http://127.0.0.1:8080\n")


def test_endpoints_come_from_the_config_file_unless_the_environment_says_otherwise(
        cloud_world, tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text(f"gcp:\n  endpoints:\n    container: {cloud_world.cloud.url}/\n")
    monkeypatch.setenv("KUBEDECK_CONFIG", str(config))
    monkeypatch.delenv("KUBEDECK_GCP_CONTAINER_ENDPOINT")
    code, out, err = run_cli("gke", "clusters")
    assert code == 0, err
    assert "web" in out
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("KUBEDECK_GCP_CONTAINER_ENDPOINT", dead)
    assert f"cannot reach the Kubernetes Engine API at {dead}" in run_cli("gke", "clusters")[2]


def test_a_bad_endpoint_in_the_config_file_names_the_line(cloud_world, tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("gcp:\n  endpoints:\n    container: container.internal\n")
    monkeypatch.setenv("KUBEDECK_CONFIG", str(config))
    code, _, err = run_cli("gke", "clusters")
    assert code == 1
    assert err == (f'{config}:3: gcp.endpoints.container: "container.internal" is not a base URL '
                   "such as https://container.googleapis.com or http://127.0.0.1:8080\n")


def test_no_project_anywhere_says_where_to_set_one(cloud_world, tmp_path, monkeypatch):
    key = json.loads(cloud_world.key.read_text())
    del key["project_id"]
    keyless = tmp_path / "no-project.json"
    keyless.write_text(json.dumps(key))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(keyless))
    code, _, err = run_cli("gke", "clusters")
    assert code == 1
    assert err == ("error: no Google Cloud project given - pass --project PROJECT, set "
                   "CLOUDSDK_CORE_PROJECT, or set gcp.project in the kubedeck config file\n")


def test_the_readme_gcp_config_example_is_valid():
    from pathlib import Path

    from kubedeck.config import parse_config

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("## Google Cloud"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    cfg = parse_config(section[start:section.index("\n```", start)], "README.md")
    assert cfg.gcp.project == "my-project"
    assert cfg.gcp.endpoints == {"container": "https://container.googleapis.com"}
