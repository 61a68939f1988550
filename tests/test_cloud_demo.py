"""The demo's fake Google Cloud (what the explorer's :gke and :images views will show) and the
`kubedeck gcloud-sim` runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from kubedeck.cloud.artifacts import RepoRef, list_images
from kubedeck.cloud.gke import ClusterRef, connect, list_clusters
from kubedeck.fake.cloud_demo import DEMO_PROJECT, start_demo_cloud
from kubedeck.fake.cluster import FakeCluster

pytestmark = pytest.mark.integration


@pytest.fixture
def demo():
    embedded = FakeCluster()
    cloud = start_demo_cloud(embedded)
    yield embedded, cloud
    cloud.stop()
    embedded.stop()


def test_the_demo_project_has_two_clusters_one_of_them_the_embedded_one(demo):
    embedded, cloud = demo
    ctx = cloud.context()
    try:
        clusters = list_clusters(ctx).clusters
        assert [(c.ref.name, c.ref.location, c.status) for c in clusters] == [
            ("demo", "europe-west1", "RUNNING"), ("staging", "us-central1-a", "RUNNING")]
        embedded.create(embedded.type_for("namespaces", ""),
                        {"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": "only-in-the-embedded-cluster"}})
        conn = connect(ctx, ClusterRef(DEMO_PROJECT, "europe-west1", "demo"))
        try:
            assert b"only-in-the-embedded-cluster" in conn.get("/api/v1/namespaces")
        finally:
            conn.close()
        staging = connect(ctx, ClusterRef(DEMO_PROJECT, "us-central1-a", "staging"))
        try:
            assert b"only-in-the-embedded-cluster" not in staging.get("/api/v1/namespaces")
        finally:
            staging.close()
    finally:
        ctx.close()


def test_the_demo_registry_lists_images_newest_first(demo):
    _, cloud = demo
    ctx = cloud.context()
    try:
        images = list_images(ctx, RepoRef(DEMO_PROJECT, "europe-west1", "apps"))
    finally:
        ctx.close()
    assert [(i.image, i.tags) for i in images] == [
        ("guestbook/frontend", ("v5", "latest")), ("guestbook/frontend", ("v4",)),
        ("guestbook/redis-follower", ("v2",)), ("jobs/report", ("2024-06",)),
        ("web/api", ("1.4.2", "stable")), ("web/api", ("1.4.1",))]


def test_gcloud_sim_serves_until_interrupted(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from kubedeck.cli import main; "
                               "sys.exit(main(sys.argv[1:]))",
         "gcloud-sim", "--dir", str(tmp_path / "adc")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any("Ctrl-C" in line for line in lines):
            assert time.monotonic() < deadline, lines
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        exports = dict(line.strip().removeprefix("export ").split("=", 1)
                       for line in lines if line.strip().startswith("export "))
        assert set(exports) == {"GOOGLE_APPLICATION_CREDENTIALS",
                                "KUBEDECK_GCP_CONTAINER_ENDPOINT",
                                "KUBEDECK_GCP_ARTIFACTREGISTRY_ENDPOINT",
                                "KUBEDECK_GCP_CLOUDBUILD_ENDPOINT", "KUBEDECK_GCP_STORAGE_ENDPOINT"}
        run = subprocess.run(
            [sys.executable, "-c", "import sys; from kubedeck.cli import main; "
                                   "sys.exit(main(sys.argv[1:]))",
             "get", "deploy", "-n", "guestbook", "--gke", f"{DEMO_PROJECT}/europe-west1/demo"],
            capture_output=True, text=True, timeout=60,
            env={**env, **exports, "NO_GCE_CHECK": "true"})
        assert run.returncode == 0, run.stderr
        assert run.stdout.split()[:5] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
        assert "frontend" in run.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert code == 0
