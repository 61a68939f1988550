"""The demo's Google Cloud: project kubedeck-demo with two GKE clusters — "demo", which is the
embedded demo cluster reached through a TLS door that accepts the fake's OAuth tokens, and a
small "staging" cluster — and an Artifact Registry repository holding the demo's images.

`start_demo_cloud` gives the explorer's `:gke` and `:images` views a ready CloudContext (no
environment variables needed); `run_gcloud_sim` serves the same world for manual use with
`kubedeck gke …`, `kubedeck images` and `kubedeck get --gke`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from kubedeck.cloud.context import CloudContext
from kubedeck.cloud.credentials import from_service_account_info
from kubedeck.cloud.endpoints import Endpoints
from kubedeck.fake.cloud import FakeCloud
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.serve import RunningServer, serve, stop_signals

DEMO_PROJECT = "kubedeck-demo"
REGISTRY = "europe-west1-docker.pkg.dev"
_DAY = 86400.0
_DEMO_IMAGES = (  # image, tags, size, days since upload
    ("guestbook/frontend", ("v5", "latest"), 48_211_000, 2),
    ("guestbook/frontend", ("v4",), 48_090_500, 30),
    ("guestbook/redis-follower", ("v2",), 38_500_200, 45),
    ("web/api", ("1.4.2", "stable"), 92_310_400, 1),
    ("web/api", ("1.4.1",), 92_288_100, 9),
    ("jobs/report", ("2024-06",), 12_004_000, 60),
)


@dataclass
class DemoCloud:
    cloud: FakeCloud
    doors: list[RunningServer]
    key: dict

    def context(self) -> CloudContext:
        """A CloudContext on the fake: its service account, its endpoints, the demo project."""
        auth = from_service_account_info(self.key)
        return CloudContext(auth, Endpoints(self.cloud.env_urls()), DEMO_PROJECT)

    def stop(self) -> None:
        for door in self.doors:
            door.stop()
        self.cloud.stop()


def _gke_door(cloud: FakeCloud, cluster: FakeCluster, location: str, name: str,
              **fields) -> RunningServer:
    """Serve `cluster` over TLS for the fake's tokens and register it as a GKE cluster."""
    door = serve(cluster, tls=True, token=cloud.oauth.validator)
    cloud.add_cluster(DEMO_PROJECT, location, name, endpoint=door.url.removeprefix("https://"),
                      ca_pem=door.ca_pem or b"", **fields)
    return door


def start_demo_cloud(embedded: FakeCluster, *, port: int = 0) -> DemoCloud:
    """Serve the demo cloud on 127.0.0.1:port around the (already seeded) embedded cluster."""
    cloud = FakeCloud(port=port).start()
    cloud.add_project(DEMO_PROJECT, "271828182845")
    key = cloud.oauth.service_account_key(DEMO_PROJECT, "kubedeck-demo")
    staging = FakeCluster(nodes=2)
    doors = [
        _gke_door(cloud, embedded, "europe-west1", "demo", labels={"env": "demo"}),
        _gke_door(cloud, staging, "us-central1-a", "staging", node_count=2,
                  machine_type="e2-standard-4", version="1.30.9-gke.1127000",
                  labels={"env": "staging"}),
    ]
    repo = cloud.add_repository(DEMO_PROJECT, "europe-west1", "apps",
                                description="images of the demo world",
                                create_time=cloud.clock() - 90 * _DAY)
    for image, tags, size, age in _DEMO_IMAGES:
        digest = "sha256:" + hashlib.sha256(f"{image}:{tags[0]}".encode()).hexdigest()
        for tag in tags:
            cloud.registry.push(f"{REGISTRY}/{DEMO_PROJECT}/apps/{image}:{tag}", digest, size)
        repo.images[(image, digest)].upload_time = cloud.clock() - age * _DAY
    return DemoCloud(cloud, doors, key)


def run_gcloud_sim(port: int, directory: str) -> int:
    """`kubedeck gcloud-sim`: the demo cloud until Ctrl-C, with the key file and the
    environment to use it printed."""
    from kubedeck.fake.seed import seed_demo

    cluster = FakeCluster()
    seed_demo(cluster)
    cluster.step()
    try:
        demo = start_demo_cloud(cluster, port=port)
    except OSError as exc:
        print(f"kubedeck gcloud-sim: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; "
              "pick another --port", file=sys.stderr)
        return 1
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        key_path = out / "application_default_credentials.json"
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(demo.key, f, indent=2)
    except OSError as exc:
        demo.stop()
        print(f"kubedeck gcloud-sim: cannot write into {directory}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    cluster.start()
    try:
        with stop_signals() as stopped:
            exports = {"GOOGLE_APPLICATION_CREDENTIALS": str(key_path), **demo.cloud.env()}
            print(f"kubedeck gcloud-sim: serving a fake Google Cloud (project {DEMO_PROJECT}) "
                  f"at {demo.cloud.url}; in another shell:", flush=True)
            for name, value in exports.items():
                print(f"  export {name}={value}")
            print(f"  kubedeck gke clusters --project {DEMO_PROJECT}\n"
                  f"  kubedeck get pods -A --gke {DEMO_PROJECT}/europe-west1/demo\n"
                  f"  kubedeck images {REGISTRY}/{DEMO_PROJECT}/apps\n"
                  "(Ctrl-C stops it)", flush=True)
            stopped.wait()
    finally:
        demo.stop()
        cluster.stop()
    return 0
