"""buildah: builds Dockerfiles without a daemon, as root or rootless, which is why it is the
builder on machines (and CI runners) where no Docker engine runs.

Two choices are made once per process and said in the log, because both differ from
buildah's defaults for a reason:
- storage: buildah's configured driver (overlay here) when `buildah info` works with it,
  else `vfs`, which works everywhere (slower, more disk);
- isolation: `chroot` unless BUILDAH_ISOLATION says otherwise. The OCI runtime isolation
  needs cgroups it can create; inside containers and on cgroup v1/hybrid hosts crun refuses
  ("cgroups in hybrid mode not supported"), while chroot isolation is what buildah's own
  images use for builds inside containers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.builders.base import Built, Login
from pipelines.builders.process import Finished, run_tool
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.registries.auth import auth_file, tool_environ
from pipelines.registries.failures import failed
from pipelines.spec import ImageSpec
from pipelines.staged import Failure

BUILDAH = "buildah"
INFO_TIMEOUT = 60.0


@dataclass(frozen=True)
class Setup:
    """How buildah is run here: extra global flags, the isolation, and why."""

    global_args: tuple[str, ...]
    isolation: str
    notes: tuple[str, ...]


def available() -> str | None:
    return shutil.which(BUILDAH)


def setup() -> Setup:
    """How to run buildah with this environment's storage configuration and isolation
    (probed once per combination: `buildah info` takes a while)."""
    return _probe(os.environ.get("CONTAINERS_STORAGE_CONF"),
                  os.environ.get("BUILDAH_ISOLATION"))


@cache
def _probe(storage_conf: str | None, isolation_env: str | None) -> Setup:
    """`buildah info` with the configured storage driver, else with vfs. `storage_conf` only
    keys the cache: buildah reads CONTAINERS_STORAGE_CONF itself."""
    notes: list[str] = []
    isolation = (isolation_env or "").strip() or "chroot"
    if isolation_env is not None:
        notes.append(f"isolation {isolation} (BUILDAH_ISOLATION)")
    else:
        notes.append("isolation chroot (works in containers and on cgroup v1 hosts; set "
                     "BUILDAH_ISOLATION=oci to use the OCI runtime)")
    info = _info(())
    if info.returncode == 0:
        driver = _driver(info.stdout)
        notes.append(f"storage driver {driver} ({_graph_root(info.stdout)})")
        return Setup((), isolation, tuple(notes))
    fallback = ("--storage-driver", "vfs")
    retry = _info(fallback)
    if retry.returncode == 0:
        why = (info.stderr.strip().splitlines() or ["buildah info failed"])[-1]
        notes.append(f"storage driver vfs: the configured driver failed ({why})")
        return Setup(fallback, isolation, tuple(notes))
    raise Failure(f"error: buildah does not work on this machine: "
                  f"{(retry.stderr.strip().splitlines() or ['buildah info failed'])[-1]}",
                  "check `buildah info`, or use another builder (build.builder)",
                  tuple(info.stderr.strip().splitlines()[-12:]))


def _info(args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BUILDAH, *args, "info"], capture_output=True, text=True,
                          timeout=INFO_TIMEOUT)


def _driver(info_json: str) -> str:
    import json

    try:
        return json.loads(info_json)["store"]["GraphDriverName"]
    except (ValueError, KeyError, TypeError):
        return "default"


def _graph_root(info_json: str) -> str:
    import json

    try:
        return json.loads(info_json)["store"]["GraphRoot"]
    except (ValueError, KeyError, TypeError):
        return "default storage"


def _build_error(image: ImageSpec, done: Finished) -> Failure:
    lines = [line for line in done.last_lines if not line.startswith("time=")]
    reason = next((line for line in reversed(lines) if line.startswith("Error:")),
                  lines[-1] if lines else f"exit status {done.returncode}")
    return Failure(f"error: buildah could not build image {image.name} from "
                   f"{image.dockerfile}: {reason.removeprefix('Error: ')}",
                   "fix the Dockerfile or the context, then run again", done.last_lines)


class Buildah:
    """The buildah CLI: `bud --layers` to build, `push --digestfile` to push."""

    name = "buildah"

    def __init__(self) -> None:
        self.setup = setup()

    def _argv(self, *args: str) -> list[str]:
        return [BUILDAH, *self.setup.global_args, *args]

    def describe(self, emit: Emit) -> None:
        for note in self.setup.notes:
            emit(LogLine("build", note, "buildah"))

    def build(self, image: ImageSpec, repository: str, tag: str, emit: Emit,
              cancel: CancelToken) -> Built:
        with tempfile.TemporaryDirectory(prefix="kubedeck-buildah-") as tmp:
            iid = Path(tmp) / "iid"
            argv = self._argv("bud", "--layers", "--isolation", self.setup.isolation,
                              "--iidfile", str(iid), "-f", str(image.dockerfile),
                              "-t", f"{repository}:{tag}")
            for key, value in image.build_args.items():
                argv += ["--build-arg", f"{key}={value}"]
            if image.target:
                argv += ["--target", image.target]
            done = run_tool([*argv, str(image.context)], emit, cancel, stage="build",
                            source="buildah")
            if not done.ok:
                raise _build_error(image, done)
            image_id = iid.read_text().strip()
        return Built(image, repository, tag, image_id)

    def _copy(self, built: Built, destination: str, login: Login | None, insecure: bool,
              emit: Emit, cancel: CancelToken) -> str:
        with tempfile.TemporaryDirectory(prefix="kubedeck-push-") as tmp, \
                auth_file(login) as auth:
            digestfile = Path(tmp) / "digest"
            argv = self._argv("push", "--retry", "0", "--digestfile", str(digestfile))
            if auth is not None:
                argv += ["--authfile", str(auth)]
            if insecure:
                argv.append("--tls-verify=false")
            done = run_tool([*argv, built.reference, destination], emit, cancel,
                            stage="push", source="buildah", env=tool_environ())
            if not done.ok:
                raise failed(done.text, done.last_lines)
            return digestfile.read_text().strip()

    def push(self, built: Built, login: Login | None, insecure: bool, emit: Emit,
             cancel: CancelToken) -> str:
        return self._copy(built, f"docker://{built.reference}", login, insecure, emit, cancel)

    def export(self, built: Built, archive: Path, emit: Emit, cancel: CancelToken) -> str:
        """An OCI archive: containerd imports it with its manifest (and digest) unchanged."""
        return self._copy(built, f"oci-archive:{archive}:{built.reference}", None, False, emit,
                          cancel)
