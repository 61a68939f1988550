"""Which builder runs: `auto` in each situation (and the line saying why), explicit choices
checked against the registry, and how buildah is set up here (vfs when the configured
storage driver fails, isolation from BUILDAH_ISOLATION)."""

from __future__ import annotations

import shutil
import stat

import pytest
from pipe_build_support import Recorder

from kubedeck.fake.registry import DemoRegistry as DemoStore
from pipelines.build import choose_builder
from pipelines.builders import buildah
from pipelines.registries.demo import DemoRegistry
from pipelines.registries.minikube import MinikubeRegistry
from pipelines.registries.oci import OciRegistry
from pipelines.staged import Failure


def _no_cloud():
    raise AssertionError("no cloud context is needed to choose")


def _engine(found: bool):
    return lambda: (object(), "unix:///run/docker.sock") if found else \
        (None, "unix:///run/docker.sock: no socket there")


def _choose(name, registry, engine: bool, events=None):
    return choose_builder(name, registry, events or Recorder(), cloud=_no_cloud,
                          probe_docker=_engine(engine))


def test_auto_prefers_a_docker_engine():
    events = Recorder()
    builder = _choose("auto", OciRegistry("localhost:5000/apps"), True, events)
    assert builder.name == "docker"
    assert events.lines("auto") == [
        "builder docker: a Docker engine answers at unix:///run/docker.sock"]


@pytest.mark.skipif(shutil.which("buildah") is None, reason="buildah is not installed")
def test_auto_falls_back_to_buildah_and_says_why():
    events = Recorder()
    builder = _choose("auto", MinikubeRegistry("minikube"), False, events)
    assert builder.name == "buildah"
    [why] = events.lines("auto")
    assert why == (f"builder buildah: no Docker engine (unix:///run/docker.sock: no socket "
                   f"there); buildah is at {shutil.which('buildah')}")


def test_auto_with_the_demo_registry_is_demo_even_with_an_engine():
    assert _choose("auto", DemoRegistry(DemoStore()), True).name == "demo"


def test_explicit_docker_needs_an_engine_and_demo_needs_the_demo_registry():
    assert _choose("docker", OciRegistry("localhost:5000/apps"), True).name == "docker"
    with pytest.raises(Failure) as err:
        _choose("docker", OciRegistry("localhost:5000/apps"), False)
    assert err.value.exit_code == 2
    assert err.value.hint == "start Docker or set DOCKER_HOST, or use build.builder: buildah"
    with pytest.raises(Failure, match="demo only builds for the embedded cluster"):
        _choose("demo", OciRegistry("localhost:5000/apps"), True)


# -- buildah's set-up ---------------------------------------------------------------------------

FAKE_INFO = ('#!/bin/sh\ncase " $* " in\n'
             '  *" --storage-driver vfs "*) {vfs} ;;\n'
             '  *) echo "Error: kernel does not support overlay fs: overlay: the backing xfs '
             'filesystem is formatted without d_type support" >&2; exit 125 ;;\nesac\n')
VFS_OK = ('echo \'{"store": {"GraphDriverName": "vfs", "GraphRoot": '
          '"/var/lib/containers/storage"}}\'')


@pytest.fixture
def fake_buildah(tmp_path, monkeypatch):
    """A `buildah` on PATH whose `info` fails unless asked for vfs; setup() re-probed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()

    def install(vfs_works: bool) -> None:
        script = bin_dir / "buildah"
        script.write_text(FAKE_INFO.format(vfs=VFS_OK if vfs_works else
                                           'echo "Error: vfs broken too" >&2; exit 125'))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)

    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("BUILDAH_ISOLATION", raising=False)
    buildah._probe.cache_clear()
    yield install
    buildah._probe.cache_clear()


def test_buildah_uses_vfs_when_the_configured_driver_fails_and_says_so(fake_buildah):
    fake_buildah(True)
    found = buildah.setup()
    assert found.global_args == ("--storage-driver", "vfs")
    assert found.isolation == "chroot"
    assert ("storage driver vfs: the configured driver failed (Error: kernel does not support "
            "overlay fs: overlay: the backing xfs filesystem is formatted without d_type "
            "support)") in found.notes


def test_buildah_that_works_with_no_driver_is_a_clear_error(fake_buildah):
    fake_buildah(False)
    with pytest.raises(Failure) as err:
        buildah.setup()
    assert err.value.reason == "error: buildah does not work on this machine: Error: vfs " \
                               "broken too"
    assert err.value.hint == "check `buildah info`, or use another builder (build.builder)"


def test_buildah_isolation_follows_the_environment(fake_buildah, monkeypatch):
    fake_buildah(True)
    monkeypatch.setenv("BUILDAH_ISOLATION", "oci")
    found = buildah.setup()
    assert found.isolation == "oci"
    assert "isolation oci (BUILDAH_ISOLATION)" in found.notes
