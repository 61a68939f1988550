"""`kubedeck pipeline run` with real components end to end: buildah builds the app FROM a
busybox-static base, pushes it to Debian's docker-registry on 127.0.0.1, and the simulated
cluster of this test process gets a Deployment pinned to the digest the registry holds; a
registry that refuses the push fails the run at the push stage and changes nothing live."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from pipe_build_support import BASE_IMAGE, buildah_storage, registry_running
from test_pipe_cli_run import env_for, kubedeck, service_on_ready_pods

from kubedeck.kube.connect import connect

TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ app }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ app }}}
  template:
    metadata:
      labels: {app: {{ app }}}
    spec:
      containers:
        - name: app
          image: {{ image }}
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: {{ app }}
spec:
  selector: {app: {{ app }}}
  ports: [{port: 80, targetPort: 8080}]
"""


def real_app(folder: Path, registry: str, namespace: str, tag: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(f"FROM {BASE_IMAGE}\nCOPY app.txt /app.txt\n"
                                       "CMD [\"cat\", \"/app.txt\"]\n")
    (folder / "app.txt").write_text(f"release {tag}\n")
    (folder / "tpl").mkdir()
    (folder / "tpl" / "app.yaml.j2").write_text(TEMPLATE)
    (folder / "kubedeck.yaml").write_text(
        f"app: real\nimages:\n  - name: real\n    context: .\n"
        f"build: {{builder: buildah, tag: {tag}}}\n"
        f"registry: {registry}/apps\nregistryInsecure: true\n"
        f"targets:\n  sim: {{context: kubedeck-sim, namespace: {namespace}}}\n"
        f"deploy: {{timeout: 60s}}\nmanifests: {{template: tpl}}\n")
    return folder


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    with buildah_storage(tmp_path_factory.mktemp("buildah")) as env:
        yield env


def live_image(kubeconfig: Path, namespace: str) -> str:
    conn = connect(str(kubeconfig))
    try:
        deployment = msgspec.json.decode(conn.get(
            f"/apis/apps/v1/namespaces/{namespace}/deployments/real"))
    finally:
        conn.close()
    return deployment["spec"]["template"]["spec"]["containers"][0]["image"]


def test_build_push_and_deploy_pinned_by_the_registry_digest(storage, tmp_path: Path,
                                                             sim_kubeconfig: Path):
    with registry_running(tmp_path / "registry") as registry:
        app = real_app(tmp_path / "app", registry.host, "p4-real", "v1")
        proc = kubedeck("pipeline", "run", "--ci", "--json", cwd=app,
                        env=env_for(tmp_path, sim_kubeconfig), timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        summary = json.loads(proc.stdout)
        [image] = summary["images"]
        digest = registry.digest_of("apps/real", "v1")
        assert image == {"name": "real", "repository": f"{registry.host}/apps/real",
                         "tag": "v1", "digest": digest,
                         "pinned": f"{registry.host}/apps/real:v1@{digest}"}
        assert live_image(sim_kubeconfig, "p4-real") == image["pinned"]
        assert "[build] buildah: STEP 1/3: FROM" in proc.stderr
        service_on_ready_pods(sim_kubeconfig, "p4-real", "real", image["pinned"])


def test_a_refused_push_fails_at_the_push_stage_and_changes_nothing(
        storage, tmp_path: Path, sim_kubeconfig: Path):
    with registry_running(tmp_path / "open") as open_registry:
        app = real_app(tmp_path / "app", open_registry.host, "p4-auth", "v1")
        env = env_for(tmp_path, sim_kubeconfig)
        first = kubedeck("pipeline", "run", "--ci", "--json", cwd=app, env=env, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr
        pinned = json.loads(first.stdout)["images"][0]["pinned"]
    with registry_running(tmp_path / "locked", users={"ci": "secret"}) as locked:
        spec = app / "kubedeck.yaml"
        spec.write_text(spec.read_text().replace(open_registry.host, locked.host)
                        .replace("tag: v1", "tag: v2"))
        proc = kubedeck("pipeline", "run", "--ci", "--json", cwd=app, env=env, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["result"], summary["failed_stage"]) == ("failed", "push")
    assert summary["reason"].startswith(f"registry {locked.host} refused the push")
    assert "login" in summary["reason"]  # what to do, after the what and where
    hints = [line for line in proc.stderr.splitlines() if "[push] hint:" in line]
    assert len(hints) == 1 and "login" in hints[0], proc.stderr
    assert "render" not in summary["timings"] and "deploy" not in summary["timings"]
    assert live_image(sim_kubeconfig, "p4-auth") == pinned
    service_on_ready_pods(sim_kubeconfig, "p4-auth", "real", pinned)
