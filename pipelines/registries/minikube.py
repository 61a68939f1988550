"""`registry: minikube`: no registry at all. The built image is written to an archive and
loaded into the cluster's container runtime with `minikube image load`, for the profile the
target's kubeconfig context names (minikube names contexts after profiles).

The digest the manifests pin is the manifest digest inside the archive (buildah writes an OCI
archive, which containerd imports unchanged), so pinned references resolve with minikube's
containerd runtime. The docker runtime keeps no registry digest for loaded images; there,
push to a registry instead (said in the log).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pipelines.builders.base import Builder, Built
from pipelines.builders.process import run_tool
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.staged import Failure

MINIKUBE = "minikube"
ROOT = "kubedeck.local"  # never pulled: the image is already in the runtime


class MinikubeRegistry:
    kind = "minikube"

    def __init__(self, profile: str) -> None:
        self.profile = profile

    def __str__(self) -> str:
        return f"minikube profile {self.profile}"

    def repository(self, name: str) -> str:
        return f"{ROOT}/{name}"

    def prepare(self, emit: Emit, cancel: CancelToken) -> None:
        """Fail before building when minikube cannot load what would be built."""
        if shutil.which(MINIKUBE) is None:
            raise Failure("error: registry: minikube loads images with `minikube image load`, "
                          "but minikube is not on PATH", "install minikube, or set registry "
                          "to one the cluster can pull from", exit_code=2)
        emit(LogLine("build", f"images are loaded into profile {self.profile} (no push); "
                              "pinned digests resolve with the containerd runtime",
                     "minikube"))

    def load_command(self, archive: Path) -> list[str]:
        return [MINIKUBE, "-p", self.profile, "image", "load", str(archive)]

    def deliver(self, builder: Builder, built: Built, emit: Emit, cancel: CancelToken) -> str:
        with tempfile.TemporaryDirectory(prefix="kubedeck-minikube-") as tmp:
            archive = Path(tmp) / f"{built.image.name}.tar"
            digest = builder.export(built, archive, emit, cancel)
            emit(LogLine("push", f"loading {built.reference} into minikube profile "
                                 f"{self.profile}", "minikube"))
            done = run_tool(self.load_command(archive), emit, cancel, stage="push",
                            source="minikube")
        if not done.ok:
            reason = done.last_lines[-1] if done.last_lines else f"exit {done.returncode}"
            raise Failure(f"error: minikube could not load {built.reference} into profile "
                          f"{self.profile}: {reason}",
                          f"check `minikube status -p {self.profile}`", done.last_lines)
        return digest

    def lookup(self, repository: str, tag: str, emit: Emit, cancel: CancelToken) -> str | None:
        """Loaded images are in no registry to ask."""
        return None
