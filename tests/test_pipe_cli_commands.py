"""The installed `kubedeck pipeline` / `kubedeck init` commands: help through the entry point,
render with placeholder or given digests, init, and the one-line usage errors (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pipe_run_support import write_pipeline

KUBEDECK = str(Path(sys.executable).parent / "kubedeck")
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"
DIGEST = "sha256:" + "12" * 32


def kubedeck(*args: str, cwd: Path, env: dict | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    base = {**os.environ, "HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd / ".config"),
            "XDG_CACHE_HOME": str(cwd / ".cache"), "KUBECONFIG": str(cwd / "no-kubeconfig")}
    base.pop("GITHUB_ACTIONS", None)
    return subprocess.run([KUBEDECK, *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess, code: int) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_pipeline_help_comes_from_the_pipelines_front_end(tmp_path: Path):
    proc = kubedeck("pipeline", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    for command in ("run", "render", "diff", "promote", "abort", "rollback", "status"):
        assert command in proc.stdout
    proc = kubedeck("pipeline", "run", "--help", cwd=tmp_path)
    assert "--summary-file F" in proc.stdout and "--dry-run" in proc.stdout


def test_kubedeck_get_does_not_import_the_pipelines(tmp_path: Path):
    code = ("import sys; from kubedeck.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith(('pipelines', 'jinja2'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_render_prints_the_example_with_placeholder_digests(tmp_path: Path):
    proc = kubedeck("pipeline", "render", "-f", str(EXAMPLE / "kubedeck.yaml"),
                    "--target", "dev", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    kinds = {d["kind"]: d for d in docs}
    assert {"Deployment", "Service"} <= set(kinds)
    deployment = kinds["Deployment"]
    assert deployment["metadata"]["namespace"] == "hello"
    assert deployment["spec"]["replicas"] == 2
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "localhost:5000/apps/hello:placeholder@sha256:" + "0" * 64


def test_render_takes_target_values_and_given_images(tmp_path: Path):
    proc = kubedeck("pipeline", "render", "-f", str(EXAMPLE / "kubedeck.yaml"),
                    "--target", "prod", "--image", f"hello=reg.example/hello:v2@{DIGEST}",
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    deployment = next(d for d in yaml.safe_load_all(proc.stdout)
                      if d and d["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 5
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == \
        f"reg.example/hello:v2@{DIGEST}"


@pytest.mark.parametrize(("image", "expect"), [
    ("hello=reg.example/hello:v2", "give NAME=REPOSITORY[:TAG]@sha256:"),
    (f"other=reg.example/other@{DIGEST}", 'no image "other" in kubedeck.yaml (images: hello)'),
])
def test_render_refuses_a_bad_image(tmp_path: Path, image: str, expect: str):
    proc = kubedeck("pipeline", "render", "-f", str(EXAMPLE / "kubedeck.yaml"), "--target",
                    "dev", "--image", image, cwd=tmp_path)
    assert expect in one_line_error(proc, 2)


def test_a_missing_pipeline_file_says_how_to_start(tmp_path: Path):
    line = one_line_error(kubedeck("pipeline", "run", cwd=tmp_path), 2)
    assert "kubedeck.yaml: no such file; run `kubedeck init`" in line


def test_a_bad_field_names_file_line_and_field(tmp_path: Path):
    path = write_pipeline(tmp_path, targets="sim: {context: kubedeck-sim}",
                          extra="deploy:\n  strategy: blue\n")
    line = one_line_error(kubedeck("pipeline", "run", "--ci", cwd=tmp_path), 2)
    lineno = path.read_text().splitlines().index("  strategy: blue") + 1
    assert f"kubedeck.yaml:{lineno}: deploy.strategy:" in line
    assert "rolling, recreate, bluegreen" in line


def test_an_ambiguous_target_lists_them(tmp_path: Path):
    write_pipeline(tmp_path, targets="a: {context: one}\nb: {context: two}")
    line = one_line_error(kubedeck("pipeline", "run", "--ci", cwd=tmp_path), 2)
    assert "several targets" in line and "a (kubeconfig context \"one\")" in line


def test_context_and_namespace_flags_are_refused(tmp_path: Path):
    write_pipeline(tmp_path, targets="a: {context: one}")
    line = one_line_error(kubedeck("--context", "x", "pipeline", "run", cwd=tmp_path), 2)
    assert "the pipeline's target picks the context and namespace" in line


def test_a_summary_file_in_a_missing_folder_is_refused_before_running(tmp_path: Path):
    write_pipeline(tmp_path, targets="a: {context: one}")
    line = one_line_error(kubedeck("pipeline", "run", "--summary-file",
                                   str(tmp_path / "no" / "s.json"), cwd=tmp_path), 2)
    assert "--summary-file" in line and "does not exist" in line


def test_a_bad_request_timeout_is_a_usage_error(tmp_path: Path):
    write_pipeline(tmp_path, targets="a: {context: one}")
    line = one_line_error(kubedeck("pipeline", "run", "--request-timeout", "soon",
                                   cwd=tmp_path), 2)
    assert "timeout" in line.lower()


def test_init_writes_a_starter_that_render_accepts(tmp_path: Path):
    app = tmp_path / "My_Shop"
    app.mkdir()
    (app / "requirements.txt").write_text("flask\n")
    proc = kubedeck("init", "--port", "5000", cwd=app)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.splitlines()) == ["wrote Dockerfile", "wrote kubedeck.yaml"]
    spec = yaml.safe_load((app / "kubedeck.yaml").read_text())
    assert spec["app"] == "my-shop"
    rendered = kubedeck("pipeline", "render", "--target", "dev", cwd=app)
    assert rendered.returncode == 0, rendered.stderr
    assert "kind: Deployment" in rendered.stdout
    again = kubedeck("init", cwd=app)
    assert "--force" in one_line_error(again, 2)


def test_the_readme_pipeline_file_is_valid(tmp_path: Path):
    from pipelines.spec import load_spec

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("### The pipeline file"):]
    block = section[section.index("```yaml\n") + 8:]
    (tmp_path / "kubedeck.yaml").write_text(block[:block.index("```")])
    (tmp_path / "Dockerfile").write_text("FROM scratch AS runtime\n")
    spec = load_spec(tmp_path / "kubedeck.yaml")
    assert set(spec.targets) == {"dev", "prod", "play"}
    assert spec.deploy.bluegreen.check.port == 8080
    assert spec.values_for("prod")["replicas"] == 5
