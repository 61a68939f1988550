"""Cloud Build: for machines with no container engine. The context (ignore files honoured) is
uploaded, built and pushed on Google's side by kubedeck.cloud.cloudbuild, which reports the
pushed digest, so the push stage has nothing left to do but record it.

Cancelling: kubedeck.cloud.cloudbuild cancels the build when a KeyboardInterrupt reaches its
follow loop, so the progress callback raises one there once the run's token is set (only for
the follow loop's own lines: the build must exist for it to be cancelled).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kubedeck.cloud import cloudbuild
from pipelines.builders.base import Built, Login
from pipelines.events import Cancelled, CancelToken, Emit, LogLine
from pipelines.spec import ImageSpec
from pipelines.staged import Failure

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext
    from pipelines.registries.artifact import ArtifactRegistry

_FOLLOWING = re.compile(r"^build [0-9a-f-]{8}: ")


class CloudBuild:
    name = "cloudbuild"

    def __init__(self, cloud: Callable[[], CloudContext], registry: ArtifactRegistry) -> None:
        self.cloud = cloud
        self.registry = registry

    def describe(self, emit: Emit) -> None:
        emit(LogLine("build", f"builds in project {self.registry.ref.project}, pushes to "
                              f"{self.registry.ref}", "cloudbuild"))

    def build(self, image: ImageSpec, repository: str, tag: str, emit: Emit,
              cancel: CancelToken) -> Built:
        if image.target:
            raise Failure(f"error: build.builder cloudbuild cannot stop at a Dockerfile stage "
                          f"(image {image.name} has target {image.target})",
                          "drop target, or use buildah or docker", exit_code=2)
        if not image.dockerfile.is_relative_to(image.context):
            raise Failure(f"error: Cloud Build only sees the build context: the Dockerfile "
                          f"{image.dockerfile} of image {image.name} is outside "
                          f"{image.context}", "move it in, or use buildah or docker",
                          exit_code=2)

        def progress(text: str) -> None:
            emit(LogLine("build", text, "cloudbuild"))
            if cancel.cancelled and _FOLLOWING.match(text):
                raise KeyboardInterrupt  # cloudbuild.build cancels the build, then re-raises

        cancel.check()
        reference = f"{repository}:{tag}"
        try:
            result = cloudbuild.build(
                self.cloud(), str(image.context), reference, project=self.registry.ref.project,
                dockerfile=image.dockerfile.relative_to(image.context).as_posix(),
                build_args=image.build_args, progress=progress,
                poll_interval=cloudbuild.POLL_INTERVAL)
        except KeyboardInterrupt:
            if cancel.cancelled:
                raise Cancelled("Cloud Build cancelled") from None
            raise
        except cloudbuild.BuildFailed as exc:
            raise Failure(exc.message, "fix the Dockerfile or the context, then run "
                          "again") from None
        emit(LogLine("build", f"Cloud Build {result.build_id} pushed {reference} "
                              f"({result.digest})", "cloudbuild"))
        return Built(image, repository, tag, result.build_id, digest=result.digest)

    def push(self, built: Built, login: Login | None, insecure: bool, emit: Emit,
             cancel: CancelToken) -> str:
        raise Failure("error: Cloud Build pushes as it builds; there is nothing to push "
                      "separately")

    def export(self, built: Built, archive: Path, emit: Emit, cancel: CancelToken) -> str:
        raise Failure("error: Cloud Build images live in Artifact Registry; they cannot be "
                      "loaded into minikube", "use registry: minikube with buildah or docker",
                      exit_code=2)
