"""Tag modes: git (short commit, -dirty limited to the image context), digest of the build
inputs (stable, .dockerignore honoured), datetime in UTC, literal tags."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kubedeck.kube.errors import KubedeckError
from pipelines.spec import ImageSpec
from pipelines.tags import image_tag, inputs_digest

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _image(context: Path, **kw) -> ImageSpec:
    return ImageSpec(name="hello", context=context, dockerfile=context / "Dockerfile",
                     build_args=kw.pop("build_args", {}), **kw)


def _app(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text("FROM scratch\nCOPY app.txt /\n")
    (root / "app.txt").write_text("v1\n")
    return root


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


@needs_git
def test_git_tag_is_the_short_commit_and_dirty_only_for_changes_in_the_context(tmp_path):
    repo = tmp_path / "repo"
    app = _app(repo / "services" / "hello")
    (repo / "README").write_text("docs\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "one")
    short = _git(repo, "rev-parse", "--short", "HEAD")

    assert image_tag("git", _image(app)) == short
    (repo / "README").write_text("changed elsewhere\n")
    assert image_tag("git", _image(app)) == short
    (app / "new.txt").write_text("untracked in the context\n")
    assert image_tag("git", _image(app)) == f"{short}-dirty"
    (app / "new.txt").unlink()
    (app / "app.txt").write_text("v2\n")
    assert image_tag("git", _image(app)) == f"{short}-dirty"


@needs_git
def test_git_tag_outside_a_repository_suggests_another_mode(tmp_path):
    app = _app(tmp_path / "plain")
    with pytest.raises(KubedeckError) as err:
        image_tag("git", _image(app))
    assert err.value.exit_code == 2
    assert "not in a git repository" in err.value.message
    assert "digest, datetime or a literal" in err.value.message


@needs_git
def test_git_tag_without_a_commit_says_commit_first(tmp_path):
    app = _app(tmp_path / "fresh")
    _git(app, "init", "-q")
    with pytest.raises(KubedeckError, match="commit first"):
        image_tag("git", _image(app))


def test_digest_tag_is_stable_and_follows_the_inputs(tmp_path):
    a = _app(tmp_path / "a")
    b = _app(tmp_path / "b")
    os.utime(b / "app.txt", (1, 1))  # times do not count
    tag = image_tag("digest", _image(a))
    assert len(tag) == 12 and all(c in "0123456789abcdef" for c in tag)
    assert image_tag("digest", _image(b)) == tag
    assert image_tag("digest", _image(a, build_args={"X": "1"})) != tag
    assert image_tag("digest", _image(a, target="prod")) != tag
    (b / "app.txt").write_text("v2\n")
    assert image_tag("digest", _image(b)) != tag
    (b / "app.txt").write_text("v1\n")
    (b / "app.txt").chmod(0o755)
    assert image_tag("digest", _image(b)) != tag


def test_digest_ignores_what_dockerignore_excludes(tmp_path):
    app = _app(tmp_path / "app")
    (app / ".dockerignore").write_text("*.log\nbuild/\n")
    before = inputs_digest(_image(app))
    (app / "debug.log").write_text("noise\n")
    (app / "build").mkdir()
    (app / "build" / "out.o").write_text("noise\n")
    assert inputs_digest(_image(app)) == before
    (app / "src.py").write_text("print(1)\n")
    assert inputs_digest(_image(app)) != before


def test_digest_counts_a_dockerfile_outside_the_context(tmp_path):
    app = _app(tmp_path / "app")
    outside = tmp_path / "docker" / "Dockerfile"
    outside.parent.mkdir()
    outside.write_text("FROM scratch\n")
    image = ImageSpec("hello", app, outside, {})
    before = inputs_digest(image)
    outside.write_text("FROM scratch\nCOPY app.txt /\n")
    assert inputs_digest(image) != before


def test_datetime_tag_is_utc():
    moment = dt.datetime(2026, 11, 22, 11, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert image_tag("datetime", _image(Path("/nonexistent")), now=moment) == "20261122-100001"


def test_literal_tags_are_checked(tmp_path):
    assert image_tag("v1.2.3", _image(tmp_path)) == "v1.2.3"
    with pytest.raises(KubedeckError, match="not git, digest, datetime or a literal") as err:
        image_tag("-bad tag", _image(tmp_path))
    assert err.value.exit_code == 2
