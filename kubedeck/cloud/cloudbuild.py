"""Building an image with Cloud Build, for machines without a container engine: tar the
context (ignore files honoured), upload it to gs://PROJECT_cloudbuild/source/, create a build
(docker build + docker push, the image in `images` so Cloud Build records its digest), follow
it until a terminal state and return the pushed digest. Ctrl-C cancels the build and re-raises.

`build()` blocks; the pipeline runner calls it from its own thread and gets status lines
through `progress`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kubedeck.cloud import storage
from kubedeck.cloud.context import CloudContext
from kubedeck.cloud.errors import CloudError
from kubedeck.cloud.sourcetar import make_tarball

TERMINAL = ("SUCCESS", "FAILURE", "INTERNAL_ERROR", "TIMEOUT", "CANCELLED", "EXPIRED")
DOCKER = "gcr.io/cloud-builders/docker"
POLL_INTERVAL = 2.0
BUILD_TIMEOUT = 600

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    image: str
    digest: str
    log_url: str

    @property
    def pinned(self) -> str:
        """IMAGE@DIGEST with the tag dropped: what a manifest should deploy."""
        name, _, tag = self.image.rpartition(":")
        return f"{name if name and '/' not in tag else self.image}@{self.digest}"


class BuildFailed(CloudError):
    """The build reached a terminal state other than SUCCESS."""

    def __init__(self, message: str, status: str, build_id: str, log_url: str) -> None:
        super().__init__(message)
        self.status = status
        self.build_id = build_id
        self.log_url = log_url


def build_spec(image: str, dockerfile: str, build_args: Mapping[str, str], bucket: str,
               obj: str, generation: int, timeout: int) -> dict:
    """The Build resource: what `gcloud builds submit --tag IMAGE` creates, plus an explicit
    push step so the push shows as its own step."""
    args = ["build", "--network", "cloudbuild", "--no-cache", "-t", image, "-f", dockerfile]
    for key, value in build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    return {
        "source": {"storage_source": {"bucket": bucket, "object_": obj,
                                      "generation": generation}},
        "steps": [{"name": DOCKER, "args": [*args, "."]},
                  {"name": DOCKER, "args": ["push", image]}],
        "images": [image],
        "timeout": f"{timeout}s",
    }


def _describe(build) -> str:
    detail = build.status_detail or build.failure_info.detail
    return f": {detail}" if detail else ""


class _Follower:
    """Reports what changed between two reads of the build."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.status = ""
        self.steps: list[str] = []

    def __call__(self, build) -> None:
        short = build.id[:8]
        for i, step in enumerate(build.steps):
            state = step.status.name
            if i >= len(self.steps):
                self.steps.append("")
            if state not in ("STATUS_UNKNOWN", "QUEUED", "PENDING") and state != self.steps[i]:
                self.steps[i] = state
                what = " ".join(list(step.args)[:1])
                self.progress(f"build {short}: step #{i} {step.name} {what}: {state}")
        if build.status.name != self.status:
            self.status = build.status.name
            self.progress(f"build {short}: {self.status}")


def build(ctx: CloudContext, context: str, image: str, *, project: str | None = None,
          dockerfile: str = "Dockerfile", build_args: Mapping[str, str] | None = None,
          location: str = "global", timeout: int = BUILD_TIMEOUT,
          progress: Progress | None = None, poll_interval: float = POLL_INTERVAL) -> BuildResult:
    """Build and push `image` from the `context` directory with Cloud Build; return the digest
    Cloud Build reports for it. Raises BuildFailed on FAILURE, TIMEOUT, … and cancels the
    build on KeyboardInterrupt (then re-raises it)."""
    from google.cloud.devtools.cloudbuild_v1 import Build

    project = ctx.project(project)
    say = progress or (lambda _text: None)
    archive = make_tarball(context, dockerfile)
    bucket = f"{project}_cloudbuild"
    obj = f"source/{time.time():.6f}-{uuid.uuid4().hex}.tgz"
    try:
        say(f"uploading {len(archive.files)} files ({archive.size} bytes, {archive.rules}) to "
            f"gs://{bucket}/{obj}")
        storage.ensure_bucket(ctx, project, bucket)
        generation = storage.upload(ctx, project, bucket, obj, archive.file, archive.size)
    finally:
        archive.close()
    spec = build_spec(image, dockerfile, build_args or {}, bucket, obj, generation, timeout)
    request = _located(project, location, {"build": Build(spec)},
                       parent=f"projects/{project}/locations/{location}")
    with ctx.call("cloudbuild", f"create a build in project {project}", project):
        operation = ctx.builds().create_build(request=request)
    build_id = operation.metadata.build.id
    say(f"build {build_id} created: {operation.metadata.build.log_url}")
    return _follow(ctx, project, location, build_id, image, say, poll_interval)


def _located(project: str, location: str, fields: dict, **regional: str) -> dict:
    """Global builds are addressed by project_id (+ id); regional ones by parent or name
    only, so the REST client picks the /locations/ URL."""
    if location == "global":
        return {"project_id": project, **fields}
    return {**{k: v for k, v in fields.items() if k != "id"}, **regional}


def _build_request(project: str, location: str, build_id: str) -> dict:
    return _located(project, location, {"id": build_id},
                    name=f"projects/{project}/locations/{location}/builds/{build_id}")


def _get(ctx: CloudContext, project: str, location: str, build_id: str):
    request = _build_request(project, location, build_id)
    with ctx.call("cloudbuild", f"follow build {build_id}", project):
        return ctx.builds().get_build(request=request)


def _follow(ctx: CloudContext, project: str, location: str, build_id: str, image: str,
            say: Progress, poll_interval: float) -> BuildResult:
    follow = _Follower(say)
    try:
        current = _get(ctx, project, location, build_id)
        follow(current)
        while current.status.name not in TERMINAL:
            time.sleep(poll_interval)
            current = _get(ctx, project, location, build_id)
            follow(current)
    except KeyboardInterrupt:
        cancel(ctx, project, location, build_id, say)
        raise
    status = current.status.name
    if status != "SUCCESS":
        raise BuildFailed(f"error: Cloud Build {build_id} ended {status}{_describe(current)} - "
                          f"logs: {current.log_url}", status, build_id, current.log_url)
    pushed = {i.name: i.digest for i in current.results.images}
    digest = pushed.get(image) or next(iter(pushed.values()), "")
    if not digest:
        raise CloudError(f"error: Cloud Build {build_id} succeeded but reported no digest for "
                         f"{image} - logs: {current.log_url}")
    return BuildResult(build_id, image, digest, current.log_url)


def cancel(ctx: CloudContext, project: str, location: str, build_id: str,
           say: Progress) -> None:
    """Cancel the build; a failure to cancel is reported, never raised over the Ctrl-C."""
    request = _build_request(project, location, build_id)
    try:
        with ctx.call("cloudbuild", f"cancel build {build_id}", project):
            ended = ctx.builds().cancel_build(request=request)
        say(f"build {build_id}: cancelled ({ended.status.name})")
    except CloudError as exc:
        say(f"build {build_id}: could not cancel it: {exc.message}")
