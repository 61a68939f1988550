"""registry: minikube. minikube is not installed here: a stand-in script on PATH records the
command and keeps the archive, so the test checks the command (profile from the target's
context), that the archive is a real OCI archive of the buildah-built image whose manifest
digest is the result's, and the clear errors when minikube is missing or fails."""

from __future__ import annotations

import json
import shutil
import stat
import tarfile

import pytest
from pipe_build_support import Recorder, buildah_storage, make_spec, no_cancel, write_app

from pipelines.build import build_and_push
from pipelines.staged import StageError


@pytest.fixture(scope="module")
def buildah_env(tmp_path_factory):
    with buildah_storage(tmp_path_factory.mktemp("buildah")) as env:
        yield env


def _path_with(tmp_path, monkeypatch, minikube_script: str | None):
    """PATH holding buildah and (optionally) a minikube stand-in, nothing else."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "buildah").symlink_to(shutil.which("buildah"))
    if minikube_script is not None:
        script = bin_dir / "minikube"
        script.write_text(minikube_script)
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_images_are_loaded_into_the_profile_of_the_target_context(tmp_path, buildah_env,
                                                                   monkeypatch):
    kept = tmp_path / "loaded.tar"
    calls = tmp_path / "calls"
    _path_with(tmp_path, monkeypatch,
               f'#!/bin/sh\necho "$@" >> "{calls}"\n/bin/cp "$5" "{kept}"\n'
               'echo "image loaded"\n')
    app = write_app(tmp_path / "app", message="for minikube")
    events = Recorder()
    [result] = build_and_push(make_spec(app, "minikube", context="minikube-dev"), "dev",
                              events, no_cancel())
    argv = calls.read_text().split()
    assert argv[:4] == ["-p", "minikube-dev", "image", "load"]
    assert argv[4].endswith("/hello.tar")
    assert result.repository == "kubedeck.local/hello" and result.tag == "v1"
    with tarfile.open(kept) as tar:
        index = json.load(tar.extractfile("index.json"))
    [manifest] = index["manifests"]
    assert manifest["digest"] == result.digest
    assert manifest["annotations"]["org.opencontainers.image.ref.name"] == \
        "kubedeck.local/hello:v1"
    assert "image loaded" in events.lines("minikube")
    assert any("profile minikube-dev (no push)" in line for line in events.lines("minikube"))


def test_missing_minikube_fails_before_building(tmp_path, buildah_env, monkeypatch):
    _path_with(tmp_path, monkeypatch, None)
    events = Recorder()
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(write_app(tmp_path / "app"), "minikube"), "dev", events,
                       no_cancel())
    assert err.value.message == (
        "error: registry: minikube loads images with `minikube image load`, but minikube is "
        "not on PATH - install minikube, or set registry to one the cluster can pull from")
    assert err.value.exit_code == 2
    assert not [line for line in events.lines() if line.startswith("STEP")]


def test_a_failed_load_says_what_to_check(tmp_path, buildah_env, monkeypatch):
    _path_with(tmp_path, monkeypatch,
               '#!/bin/sh\necho "X Exiting due to GUEST_STATUS: profile not found" >&2\n'
               "exit 80\n")
    with pytest.raises(StageError) as err:
        build_and_push(make_spec(write_app(tmp_path / "app"), "minikube", context="gone"),
                       "dev", Recorder(), no_cancel())
    assert err.value.message == (
        "error: minikube could not load kubedeck.local/hello:v1 into profile gone: X Exiting "
        "due to GUEST_STATUS: profile not found - check `minikube status -p gone`")
