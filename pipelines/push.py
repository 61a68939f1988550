"""The push stage: which registry `registry` in kubedeck.yaml names, and getting every built
image there as an `ImageResult` whose `.pinned` (repo:tag@sha256:…) the manifests reference.

Registries (pipelines.registries): any OCI `host[:port]/path`, Artifact Registry
(`LOCATION-docker.pkg.dev/PROJECT/REPO`), `minikube` (loaded into the cluster, no push) and
`demo` (the embedded cluster's registry, handed in by whoever runs the embedded cluster,
because pipelines never import the simulator).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from kubedeck.kube.errors import KubedeckError
from pipelines.builders.base import Builder, Built
from pipelines.events import CancelToken, Emit, ImageResult, LogLine, StageProgress
from pipelines.registries.demo import DemoRegistry, DemoStore
from pipelines.registries.failures import DEFAULT_RETRY, RetryPolicy
from pipelines.registries.oci import OciRegistry
from pipelines.spec import PipelineSpec, TargetSpec, registry_kind

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext

# A dry run deploys nothing, so an image that was never pushed gets this digest: all zeros
# is no real image, and reads as a placeholder in the rendered manifests.
DRY_RUN_DIGEST = "sha256:" + "0" * 64


class Registry(Protocol):
    kind: str

    def repository(self, name: str) -> str: ...

    def prepare(self, emit: Emit, cancel: CancelToken) -> None:
        """Check and set up before anything is built (log in, create the repository)."""
        ...

    def deliver(self, builder: Builder, built: Built, emit: Emit,
                cancel: CancelToken) -> str: ...

    def lookup(self, repository: str, tag: str, emit: Emit,
               cancel: CancelToken) -> str | None: ...


def cloud_opener() -> CloudContext:
    """The Google Cloud context from the kubedeck config and ADC, opened only when an
    Artifact Registry or Cloud Build needs it."""
    from kubedeck.cloud.context import cloud_context
    from kubedeck.config import load_config

    return cloud_context(load_config())


def registry_for(spec: PipelineSpec, target: TargetSpec, *,
                 demo_registry: DemoStore | None = None,
                 cloud: Callable[[], CloudContext] = cloud_opener,
                 policy: RetryPolicy = DEFAULT_RETRY) -> Registry:
    kind = registry_kind(spec.registry)
    if kind == "demo":
        if demo_registry is None:
            raise KubedeckError("error: registry: demo is the embedded cluster's registry - "
                                "run with --demo (or a target with demo: true)", 2)
        return DemoRegistry(demo_registry)
    if kind == "minikube":
        from pipelines.registries.minikube import MinikubeRegistry

        return MinikubeRegistry(target.context or "minikube")
    if kind == "artifact":
        from pipelines.registries.artifact import ArtifactRegistry

        return ArtifactRegistry(spec.registry, cloud, policy=policy)
    return OciRegistry(spec.registry, spec.registry_insecure, policy=policy)


def push_images(registry: Registry, builder: Builder, built: Sequence[Built], emit: Emit,
                cancel: CancelToken) -> list[ImageResult]:
    out: list[ImageResult] = []
    for number, item in enumerate(built):
        cancel.check()
        digest = registry.deliver(builder, item, emit, cancel)
        result = ImageResult(item.image.name, item.repository, item.tag, digest)
        emit(LogLine("push", f"{item.image.name}: {result.pinned}", registry.kind))
        emit(StageProgress("push", f"{number + 1}/{len(built)} images",
                           (number + 1) / len(built)))
        out.append(result)
    return out


def resolve_images(registry: Registry, wanted: Sequence[tuple[str, str, str]], emit: Emit,
                   cancel: CancelToken) -> list[ImageResult]:
    """For a dry run: each (name, repository, tag) with the digest the registry has for it,
    else DRY_RUN_DIGEST."""
    out: list[ImageResult] = []
    for name, repository, tag in wanted:
        digest = registry.lookup(repository, tag, emit, cancel)
        if digest is None:
            emit(LogLine("push", f"dry run: {repository}:{tag} is not in the registry; "
                                 f"placeholder digest {DRY_RUN_DIGEST[:15]}…", registry.kind))
            digest = DRY_RUN_DIGEST
        else:
            emit(LogLine("push", f"dry run: {repository}:{tag} is {digest}", registry.kind))
        out.append(ImageResult(name, repository, tag, digest))
    return out
