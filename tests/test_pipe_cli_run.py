"""`kubedeck pipeline run` end to end, through the installed CLI in a subprocess: the example
on the embedded cluster (--demo --ci --json), exit codes for each failure class, GitHub
annotations, the summary file, Ctrl-C mid-rollout, target selection and a dry run — with the
live Service checked on the simulated cluster (served by this test process) after every
failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

from kubedeck.kube.connect import connect
from kubedeck.kube.errors import ApiError

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"
SHA = "sha256:"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ app }}
  labels: {app: {{ app }}}
spec:
  replicas: {{ values.replicas }}
  selector:
    matchLabels: {app: {{ app }}}
  template:
    metadata:
      labels: {app: {{ app }}}
    spec:
      containers:
        - name: web
          image: {{ values.image }}
          ports: [{containerPort: 8080}]
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ app }}
spec:
  selector: {app: {{ app }}}
  ports: [{port: 80, targetPort: 8080}]
"""


def env_for(home: Path, kubeconfig: Path | None = None, **extra: str) -> dict:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache"),
           "KUBECONFIG": str(kubeconfig or home / "no-kubeconfig"), **extra}
    if "GITHUB_ACTIONS" not in extra:
        env.pop("GITHUB_ACTIONS", None)
    return env


def kubedeck(*args: str, cwd: Path, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([KUBEDECK, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def sim_app(folder: Path, *, app: str, namespace: str, image: str,
            targets: str = "") -> Path:
    """A pipeline without images (the template takes values.image) targeting the simulated
    cluster, so runs need no builder and the test picks which image the kubelet fails."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tpl").mkdir(exist_ok=True)
    (folder / "tpl" / "deployment.yaml.j2").write_text(DEPLOYMENT)
    (folder / "tpl" / "service.yaml.j2").write_text(SERVICE)
    (folder / "kubedeck.yaml").write_text(
        f"app: {app}\n"
        f"targets:\n  sim: {{context: kubedeck-sim, namespace: {namespace}}}\n{targets}"
        f"deploy: {{timeout: 60s}}\n"
        f"manifests:\n  template: tpl\n  values: {{replicas: 2, image: \"{image}\"}}\n")
    return folder


def set_image(folder: Path, image: str) -> None:
    path = folder / "kubedeck.yaml"
    text = path.read_text()
    start = text.index("image: \"") + len("image: \"")
    path.write_text(text[:start] + image + text[text.index("\"", start):])


def get_json(conn, path: str) -> dict | None:
    try:
        return msgspec.json.decode(conn.get(path))
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def service_on_ready_pods(kubeconfig: Path, namespace: str, app: str, image: str,
                          deadline: float = 30.0) -> list[str]:
    """Wait until the live Service's endpoints list only ready pods of `image` (at least
    one); return their names. Fails with what it saw when that never happens."""
    conn = connect(str(kubeconfig))
    seen = None
    try:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            eps = get_json(conn, f"/api/v1/namespaces/{namespace}/endpoints/{app}") or {}
            ready = [a["targetRef"]["name"] for s in eps.get("subsets") or []
                     for a in s.get("addresses") or []]
            images = set()
            for name in ready:
                pod = get_json(conn, f"/api/v1/namespaces/{namespace}/pods/{name}") or {}
                conditions = {c["type"]: c["status"] for c in
                              (pod.get("status") or {}).get("conditions") or []}
                if conditions.get("Ready") != "True":
                    images.add("<not ready>")
                images.update(c["image"] for c in pod.get("spec", {}).get("containers", []))
            seen = (ready, images)
            if ready and images == {image}:
                return ready
            time.sleep(0.1)
    finally:
        conn.close()
    raise AssertionError(f"the live Service {namespace}/{app} never settled on ready pods of "
                         f"{image}: saw {seen}")


# -- the example on the embedded cluster -------------------------------------------------------

def test_the_example_deploys_on_the_embedded_cluster(tmp_path: Path):
    summary_file = tmp_path / "summary.json"
    proc = kubedeck("pipeline", "run", "--demo", "--ci", "--json", "--summary-file",
                    str(summary_file), "-f", str(EXAMPLE / "kubedeck.yaml"), cwd=tmp_path,
                    env=env_for(tmp_path))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary == json.loads(summary_file.read_text())
    assert (summary["app"], summary["target"], summary["strategy"], summary["result"]) == \
        ("hello", "demo", "rolling", "success")
    [image] = summary["images"]
    assert image["digest"].startswith(SHA) and len(image["digest"]) == len(SHA) + 64
    assert image["pinned"] == f"{image['repository']}:{image['tag']}@{image['digest']}"
    assert set(summary["timings"]) >= {"build", "push", "render", "deploy", "rollout"}
    assert summary["failed_stage"] is None and summary["reason"] is None
    log = proc.stderr
    assert "demo builder instead of auto" in log
    assert '[rollout] rollout: deployment "hello" successfully rolled out' in log
    assert "[run] success: deployed hello to target demo (rolling)" in log
    assert all(line[:4].isdigit() for line in log.splitlines()), log


def broken_example(folder: Path, behaviour: str) -> Path:
    shutil.copytree(EXAMPLE, folder)
    dockerfile = folder / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() +
                          f"LABEL kubedeck.demo/behaviour={behaviour}\n")
    return folder / "kubedeck.yaml"


def test_a_crash_looping_app_fails_the_run_with_github_annotations(tmp_path: Path):
    spec = broken_example(tmp_path / "app", "crashloop")
    summary_file = tmp_path / "summary.json"
    proc = kubedeck("pipeline", "run", "--demo", "--summary-file", str(summary_file),
                    "-f", str(spec), cwd=tmp_path,
                    env=env_for(tmp_path, GITHUB_ACTIONS="true"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "::group::build" in lines and "::group::rollout" in lines
    assert lines.count("::group::") == 0
    assert sum(line.startswith("::group::") for line in lines) == \
        sum(line == "::endgroup::" for line in lines)
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 1 and errors[0].startswith("::error title=kubedeck%3A rollout failed::")
    assert 'container "hello" Error: exited with code 1' in errors[0]
    assert "%0Ahello-" in errors[0]  # the pod's last log lines, escaped onto the one line
    summary = json.loads(summary_file.read_text())
    assert (summary["result"], summary["failed_stage"]) == ("failed", "rollout")
    assert "exited with code 1" in summary["reason"]
    assert summary["images"][0]["digest"].startswith(SHA)


# -- against the simulated cluster of this test process ------------------------------------

def test_a_failed_rollout_exits_1_and_leaves_the_service_on_ready_pods(
        tmp_path: Path, sim_kubeconfig: Path):
    app = sim_app(tmp_path / "app", app="pull", namespace="p4-pull", image="nginx:1.25")
    env = env_for(tmp_path, sim_kubeconfig)
    first = kubedeck("pipeline", "run", "--ci", cwd=app, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    service_on_ready_pods(sim_kubeconfig, "p4-pull", "pull", "nginx:1.25")
    set_image(app, "nginx-fail-pull:2")
    proc = kubedeck("pipeline", "run", "--ci", "--json", cwd=app, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["result"], summary["failed_stage"]) == ("failed", "rollout")
    assert "ImagePull" in summary["reason"] or "ErrImagePull" in summary["reason"]
    assert "rolled back" in proc.stderr
    service_on_ready_pods(sim_kubeconfig, "p4-pull", "pull", "nginx:1.25")


def test_ctrl_c_mid_rollout_cancels_cleanly_with_exit_130(tmp_path: Path,
                                                          sim_kubeconfig: Path):
    app = sim_app(tmp_path / "app", app="intr", namespace="p4-intr", image="nginx:1.25")
    env = env_for(tmp_path, sim_kubeconfig)
    assert kubedeck("pipeline", "run", "--ci", cwd=app, env=env).returncode == 0
    set_image(app, "nginx-never-ready:2")
    proc = subprocess.Popen([KUBEDECK, "pipeline", "run", "--ci"], cwd=app, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "[rollout] rollout: Waiting for deployment" in line:
                proc.send_signal(signal.SIGINT)
                break
        rest, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = "".join(lines) + rest
    assert proc.returncode == 130, out + err
    assert "cancelling:" in err and "Traceback" not in err
    assert "[run] cancelled: deploying intr to target sim (rolling)" in out
    service_on_ready_pods(sim_kubeconfig, "p4-intr", "intr", "nginx:1.25")


def test_an_unreachable_cluster_fails_the_run_in_one_line(tmp_path: Path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: kubedeck-sim\n"
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {}}]\n"
        "contexts: [{name: kubedeck-sim, context: {cluster: c, user: u}}]\n")
    app = sim_app(tmp_path / "app", app="gone", namespace="p4-gone", image="nginx:1.25")
    proc = kubedeck("pipeline", "run", "--ci", cwd=app, env=env_for(tmp_path, kubeconfig))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = [line for line in proc.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "[deploy]" in failed[0]
    assert "127.0.0.1:9" in failed[0] and "Traceback" not in proc.stdout + proc.stderr


def test_the_target_of_the_current_context_is_used(tmp_path: Path, sim_kubeconfig: Path):
    app = sim_app(tmp_path / "app", app="pick", namespace="p4-pick", image="nginx:1.25",
                  targets="  prod: {context: prod-cluster, namespace: p4-pick}\n")
    proc = kubedeck("pipeline", "run", "--ci", "--json", cwd=app,
                    env=env_for(tmp_path, sim_kubeconfig))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["target"] == "sim"
    assert 'target "sim": its context "kubedeck-sim" is the current kubeconfig context' \
        in proc.stderr


def test_a_dry_run_changes_nothing(tmp_path: Path, sim_kubeconfig: Path, sim_kubectl):
    app = sim_app(tmp_path / "app", app="dry", namespace="p4-dry", image="nginx:1.25")
    env = env_for(tmp_path, sim_kubeconfig)
    assert kubedeck("pipeline", "run", "--ci", cwd=app, env=env).returncode == 0
    service_on_ready_pods(sim_kubeconfig, "p4-dry", "dry", "nginx:1.25")

    def state() -> list[tuple[str, str, str]]:
        proc = sim_kubectl("get", "deploy,rs,pods,svc,endpoints,leases,configmaps", "-n",
                           "p4-dry", "-o", "json")
        assert proc.returncode == 0, proc.stderr
        return sorted((i["kind"], i["metadata"]["name"], i["metadata"]["resourceVersion"])
                      for i in json.loads(proc.stdout)["items"])

    before = state()
    set_image(app, "nginx:2.0")
    proc = kubedeck("pipeline", "run", "--ci", "--dry-run", "--json", cwd=app, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["dry_run"] is True and summary["result"] == "success"
    assert "dry run" in proc.stderr
    assert state() == before
    image = sim_kubectl("get", "deploy", "dry", "-n", "p4-dry", "-o",
                        "jsonpath={.spec.template.spec.containers[0].image}")
    assert image.stdout == "nginx:1.25"


@pytest.mark.parametrize("flag", ["--json", "--summary-file"])
def test_a_usage_error_writes_no_summary(tmp_path: Path, flag: str):
    args = ["pipeline", "run", "--target", "nope", "-f", str(EXAMPLE / "kubedeck.yaml")]
    if flag == "--summary-file":
        args += [flag, str(tmp_path / "s.json")]
    else:
        args.append(flag)
    proc = kubedeck(*args, cwd=tmp_path, env=env_for(tmp_path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert 'no target "nope"' in proc.stderr
    assert not (tmp_path / "s.json").exists()


def test_diff_shows_what_a_run_would_change(tmp_path: Path, sim_kubeconfig: Path):
    app = sim_app(tmp_path / "app", app="diffy", namespace="p4-diff", image="nginx:1.25")
    env = env_for(tmp_path, sim_kubeconfig)
    assert kubedeck("pipeline", "run", "--ci", cwd=app, env=env).returncode == 0
    same = kubedeck("pipeline", "diff", cwd=app, env=env)
    assert (same.returncode, same.stdout) == (0, ""), same.stderr
    set_image(app, "nginx:1.27")
    changed = kubedeck("pipeline", "diff", cwd=app, env=env)
    assert changed.returncode == 0, changed.stderr
    assert "diff -u -N LIVE/apps.v1.Deployment.p4-diff.diffy" in changed.stdout
    assert "-      - image: nginx:1.25" in changed.stdout
    assert "+      - image: nginx:1.27" in changed.stdout
    assert "Service" not in changed.stdout


def test_bluegreen_diff_shows_the_colour_a_run_would_write(tmp_path: Path,
                                                          sim_kubeconfig: Path):
    app = sim_app(tmp_path / "app", app="bgdiff", namespace="p4-bgdiff", image="nginx:1.25")
    spec = app / "kubedeck.yaml"
    spec.write_text(spec.read_text().replace(
        "deploy: {timeout: 60s}",
        "deploy: {timeout: 60s, strategy: bluegreen, bluegreen: {scaleDownDelay: 0s}}"))
    env = env_for(tmp_path, sim_kubeconfig)
    assert kubedeck("pipeline", "run", "--ci", cwd=app, env=env).returncode == 0  # blue live
    set_image(app, "nginx:1.27")
    changed = kubedeck("pipeline", "diff", cwd=app, env=env)
    assert changed.returncode == 0, changed.stderr
    # the next run deploys green beside blue: green's Deployment is new, blue's untouched
    assert "diff -u -N LIVE/apps.v1.Deployment.p4-bgdiff.bgdiff-green" in changed.stdout
    assert "+      - image: nginx:1.27" in changed.stdout
    assert "bgdiff-blue" not in changed.stdout.split("diff -u -N")[0]
    assert "LIVE/apps.v1.Deployment.p4-bgdiff.bgdiff " not in changed.stdout


def test_a_build_error_fails_the_run_at_build(tmp_path: Path):
    spec = broken_example(tmp_path / "app", "ok")
    dockerfile = spec.parent / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("WORKDIR /app", "WORKDIRR /app"))
    proc = kubedeck("pipeline", "run", "--demo", "--ci", "--json", "-f", str(spec),
                    cwd=tmp_path, env=env_for(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["failed_stage"], summary["images"]) == ("build", [])
    assert "Dockerfile:" in summary["reason"] and "WORKDIRR" in summary["reason"]
    assert set(summary["timings"]) == {"build"}


def test_a_missing_template_value_is_a_configuration_error(tmp_path: Path,
                                                            sim_kubeconfig: Path, sim_kubectl):
    app = sim_app(tmp_path / "app", app="novalue", namespace="p4-novalue", image="nginx:1")
    template = app / "tpl" / "deployment.yaml.j2"
    template.write_text(template.read_text().replace("values.replicas", "values.replicaz"))
    proc = kubedeck("pipeline", "run", "--ci", "--json", cwd=app,
                    env=env_for(tmp_path, sim_kubeconfig))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["failed_stage"] == "render"
    assert "values.replicaz" in summary["reason"] and "deployment.yaml.j2" in summary["reason"]
    assert sim_kubectl("get", "ns", "p4-novalue").returncode != 0  # nothing was applied


def test_a_terminal_run_draws_progress_bars(tmp_path: Path):
    """In a terminal (a pty here) without --ci: one bar per stage, redrawn in place."""
    import pty

    argv = [KUBEDECK, "pipeline", "run", "--demo", "-f", str(EXAMPLE / "kubedeck.yaml")]
    env = env_for(tmp_path, COLUMNS="100", LINES="40")
    pid, fd = pty.fork()
    if pid == 0:  # the child: run the CLI on the pty
        os.chdir(tmp_path)
        os.execve(KUBEDECK, argv, env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the pty
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    out = b"".join(chunks).decode()
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert "\x1b[5F" in out  # moved up over the five stage rows to redraw them
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out)
    for stage in ("build", "push", "render", "deploy", "rollout"):
        assert re.search(rf"✓ {stage} +█+ 100%", plain), plain
    assert "success: deployed hello to target demo (rolling)" in plain
    assert plain.rindex("success: deployed") > plain.rindex("✓ rollout")  # result last
    assert "[build]" not in plain  # no CI lines
