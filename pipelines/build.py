"""The build and push stages of a run: pick the builder (`build.builder`, or `auto` says which
and why), tag every image (`build.tag`), build, and push to the registry; the result is one
`ImageResult` per image, pinned by the digest the registry stored.

`build_and_push` reports both stages itself (pipelines.staged: StageStarted,
LogLine/StageProgress, then StageFinished or StageFailed), because only it knows where
building ends and pushing begins; a failure leaves it as pipelines.staged.StageError (already
reported). A dry run builds nothing: each image's tag is looked up in the registry (its
current digest, else a placeholder).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from pipelines.builders.base import Builder, Built
from pipelines.events import (
    CancelToken,
    Emit,
    ImageResult,
    LogLine,
    StageProgress,
)
from pipelines.push import Registry, cloud_opener, push_images, registry_for, resolve_images
from pipelines.registries.demo import DemoRegistry, DemoStore
from pipelines.registries.failures import DEFAULT_RETRY, RetryPolicy
from pipelines.spec import PipelineSpec, TargetSpec
from pipelines.staged import Failure, staged
from pipelines.tags import image_tag

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext


def _usage(reason: str, hint: str) -> Failure:
    return Failure(reason, hint, exit_code=2)


def _docker_engine() -> tuple[object | None, str]:
    from pipelines.builders.docker import engine

    return engine()


def choose_builder(name: str, registry: Registry, emit: Emit, *,
                   cloud: Callable[[], CloudContext],
                   probe_docker: Callable[[], tuple[object | None, str]] = _docker_engine
                   ) -> Builder:
    """The builder `build.builder` names, checked against the registry; for `auto`, the first
    that can work here, with a LogLine saying why it was picked."""
    if name == "auto":
        name, why = _auto(registry, probe_docker)
        emit(LogLine("build", f"builder {name}: {why}", "auto"))
    if name == "demo":
        if not isinstance(registry, DemoRegistry):
            raise _usage("error: build.builder demo only builds for the embedded cluster",
                         "set registry: demo (or run with --demo), or pick another builder")
        from pipelines.builders.demo import DemoBuilder

        return DemoBuilder(registry.store)
    if isinstance(registry, DemoRegistry):
        raise _usage(f"error: registry: demo only takes images of the demo builder (build."
                     f"builder is {name})", "set build.builder: demo or auto")
    if name == "cloudbuild":
        if registry.kind != "artifact":
            raise _usage("error: build.builder cloudbuild pushes to Artifact Registry only",
                         "set registry: LOCATION-docker.pkg.dev/PROJECT/REPO, or pick "
                         "buildah or docker")
        from pipelines.builders.cloudbuild import CloudBuild

        return CloudBuild(cloud, registry)  # type: ignore[arg-type]
    if name == "docker":
        client, where = probe_docker()
        if client is None:
            raise _usage(f"error: build.builder docker: no Docker engine answers ({where})",
                         "start Docker or set DOCKER_HOST, or use build.builder: buildah")
        from pipelines.builders.docker import DockerBuilder

        return DockerBuilder(client)
    if name == "buildah":
        from pipelines.builders.buildah import Buildah, available

        if available() is None:
            raise _usage("error: build.builder buildah: buildah is not on PATH",
                         "install it (apt-get install buildah) or pick another builder")
        return Buildah()
    raise _usage(f'error: unknown builder "{name}"',
                 "use auto, docker, buildah, cloudbuild or demo")


def _auto(registry: Registry, probe_docker: Callable[[], tuple[object | None, str]]
          ) -> tuple[str, str]:
    if isinstance(registry, DemoRegistry):
        return "demo", "the registry is the embedded cluster's demo registry"
    client, where = probe_docker()
    if client is not None:
        return "docker", f"a Docker engine answers at {where}"
    buildah = shutil.which("buildah")
    if buildah is not None:
        return "buildah", f"no Docker engine ({where}); buildah is at {buildah}"
    if registry.kind == "artifact":
        return "cloudbuild", (f"no local engine (no Docker engine: {where}; no buildah on "
                              "PATH) and the registry is Artifact Registry")
    raise _usage(f"error: build.builder auto found no way to build here: no Docker engine "
                 f"({where}), no buildah on PATH, and Cloud Build needs an Artifact Registry "
                 f"registry (registry is {registry.kind})",
                 "install buildah or Docker, or set build.builder")


def build_images(builder: Builder, registry: Registry, spec: PipelineSpec,
                 tags: list[str], emit: Emit, cancel: CancelToken) -> list[Built]:
    out: list[Built] = []
    for number, (image, tag) in enumerate(zip(spec.images, tags, strict=True)):
        cancel.check()
        repository = registry.repository(image.name)
        emit(LogLine("build", f"building {image.name} as {repository}:{tag} with "
                              f"{builder.name}", builder.name))
        out.append(builder.build(image, repository, tag, emit, cancel))
        emit(StageProgress("build", f"{number + 1}/{len(spec.images)} images",
                           (number + 1) / len(spec.images)))
    return out


def build_and_push(spec: PipelineSpec, target: str | TargetSpec | None, emit: Emit,
                   cancel: CancelToken, *, dry_run: bool = False,
                   demo_registry: DemoStore | None = None,
                   cloud: CloudContext | None = None,
                   policy: RetryPolicy = DEFAULT_RETRY) -> list[ImageResult]:
    """Build every image of `spec` and push it for `target`; see the module docstring.

    `demo_registry` is the embedded cluster's store (needed for registry: demo); `cloud` an
    open Google Cloud context to use (else one is opened from ADC when needed, and closed)."""
    chosen = target if isinstance(target, TargetSpec) else spec.target(target)
    opened: list[CloudContext] = []

    def cloud_once() -> CloudContext:
        if cloud is not None:
            return cloud
        if not opened:
            opened.append(cloud_opener())
        return opened[0]

    try:
        return _run(spec, chosen, emit, cancel, dry_run, demo_registry, cloud_once, policy)
    finally:
        for ctx in opened:
            ctx.close()


def _run(spec: PipelineSpec, target: TargetSpec, emit: Emit, cancel: CancelToken,
         dry_run: bool, demo_registry: DemoStore | None, cloud: Callable[[], CloudContext],
         policy: RetryPolicy) -> list[ImageResult]:
    with staged(emit, "build", "dry run: nothing built" if dry_run else spec.build.builder):
        registry = registry_for(spec, target, demo_registry=demo_registry, cloud=cloud,
                                policy=policy)
        tags = [image_tag(spec.build.tag, image) for image in spec.images]
        if not dry_run:
            builder = choose_builder(spec.build.builder, registry, emit, cloud=cloud)
            builder.describe(emit)
            registry.prepare(emit, cancel)
            built = build_images(builder, registry, spec, tags, emit, cancel)
    with staged(emit, "push", f"dry run: looking up {spec.registry}" if dry_run
                   else spec.registry):
        if dry_run:
            wanted = [(i.name, registry.repository(i.name), t)
                      for i, t in zip(spec.images, tags, strict=True)]
            return resolve_images(registry, wanted, emit, cancel)
        return push_images(registry, builder, built, emit, cancel)
