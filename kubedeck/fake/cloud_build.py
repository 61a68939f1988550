"""The fake Cloud Build API (cloudbuild.googleapis.com/v1): create (a long-running operation
whose metadata carries the build), get, cancel. A build "runs" by advancing one state per
read: QUEUED, then each step WORKING in turn, then the outcome. It opens the uploaded source
tarball: no Dockerfile fails the docker build step as docker would, and the pushed digest is
the sha256 of the tarball, so the same context gives the same digest. Images land in the fake
Artifact Registry (a missing repository fails the push step)."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import threading
import uuid
from dataclasses import dataclass, field

from kubedeck.fake.cloud_registry import RegistryApi
from kubedeck.fake.cloud_routes import CloudRequest, Reply, Route, route
from kubedeck.fake.cloud_state import (
    ApiFailure,
    Operation,
    Operations,
    Project,
    bad_request,
    error_info,
    not_found,
    rfc3339,
)
from kubedeck.fake.cloud_storage import StorageApi

TYPE = "type.googleapis.com/google.devtools.cloudbuild.v1"
TERMINAL = ("SUCCESS", "FAILURE", "INTERNAL_ERROR", "TIMEOUT", "CANCELLED", "EXPIRED")
_OUTCOME_DETAIL = {
    "TIMEOUT": "Build timeout.",
    "INTERNAL_ERROR": "An internal error occurred while running the build.",
    "EXPIRED": "Build expired: it stayed in the queue longer than its queueTtl.",
}


@dataclass
class FakeBuild:
    build_id: str
    project: Project
    location: str
    request: dict
    create_time: float
    status: str = "QUEUED"
    status_detail: str = ""
    steps: list[dict] = field(default_factory=list)
    current: int = -1
    outcome: str = "SUCCESS"
    failed_step: int | None = None
    failure_detail: str = ""
    start_time: float | None = None
    finish_time: float | None = None
    digest: str = ""
    size: int = 0
    files: list[str] = field(default_factory=list)
    results: dict = field(default_factory=dict)
    reads: int = 0

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def name(self) -> str:
        return f"projects/{self.project.number}/locations/{self.location}/builds/{self.build_id}"

    def render(self) -> dict:
        body = {k: v for k, v in self.request.items() if k not in ("status", "results")}
        body.update({
            "id": self.build_id, "name": self.name(), "projectId": self.project.project_id,
            "status": self.status, "steps": self.steps, "createTime": rfc3339(self.create_time),
            "logsBucket": f"gs://{self.project.number}.cloudbuild-logs.googleusercontent.com",
            "logUrl": f"https://console.cloud.google.com/cloud-build/builds;region="
                      f"{self.location}/{self.build_id}?project={self.project.number}",
        })
        if self.status_detail:
            body["statusDetail"] = self.status_detail
        if self.start_time is not None:
            body["startTime"] = rfc3339(self.start_time)
        if self.finish_time is not None:
            body["finishTime"] = rfc3339(self.finish_time)
        if self.results:
            body["results"] = self.results
        if self.status == "FAILURE" and self.failure_detail:
            body["failureInfo"] = {"type": "USER_BUILD_STEP", "detail": self.failure_detail}
        return body


def _docker_build_dockerfile(step: dict) -> str | None:
    """The Dockerfile a `docker build` step reads, relative to the workspace."""
    args = [str(a) for a in step.get("args", [])]
    if "docker" not in str(step.get("name", "")) or not args or args[0] != "build":
        return None
    base = str(step.get("dir", "")).strip("/")
    for i, arg in enumerate(args):
        if arg in ("-f", "--file") and i + 1 < len(args):
            name = args[i + 1]
            break
        if arg.startswith("--file="):
            name = arg.split("=", 1)[1]
            break
    else:
        name = "Dockerfile"
    return f"{base}/{name}".strip("/") if base else name


class BuildApi:
    service = "cloudbuild.googleapis.com"
    title = "Cloud Build API"

    def __init__(self, operations: Operations, storage: StorageApi, registry: RegistryApi,
                 projects: dict[str, Project], clock) -> None:
        self.operations = operations
        self.storage = storage
        self.registry = registry
        self.projects = projects
        self.clock = clock
        self.outcome = "SUCCESS"
        self.builds: dict[str, FakeBuild] = {}
        self.cancelled: list[str] = []
        self._lock = threading.Lock()

    def denied(self, permission: str, resource: str, account: str) -> ApiFailure:
        return ApiFailure(403, "The caller does not have permission",
                          [error_info("IAM_PERMISSION_DENIED", "cloudbuild.googleapis.com",
                                      {"permission": permission, "resource": resource})])

    # -- running ------------------------------------------------------------------------------

    def _prepare(self, build: FakeBuild) -> None:
        """Open the source and decide how the build ends, before it starts."""
        src = build.request.get("source", {}).get("storageSource", {})
        obj = self.storage.read(str(src.get("bucket", "")), str(src.get("object", "")))
        if obj is None:
            build.outcome = "FAILURE"
            build.failure_detail = (f"failed to fetch source: gs://{src.get('bucket')}/"
                                    f"{src.get('object')}: object not found")
            return
        build.digest = "sha256:" + hashlib.sha256(obj.data).hexdigest()
        build.size = len(obj.data)
        try:
            with tarfile.open(fileobj=io.BytesIO(obj.data), mode="r:*") as tar:
                build.files = sorted(m.name.removeprefix("./") for m in tar.getmembers()
                                     if not m.isdir())
        except tarfile.TarError as exc:
            build.outcome = "FAILURE"
            build.failure_detail = f"failed to unpack the source archive: {exc}"
            return
        for i, step in enumerate(build.steps):
            dockerfile = _docker_build_dockerfile(step)
            if dockerfile is not None and dockerfile not in build.files:
                build.outcome, build.failed_step = "FAILURE", i
                build.failure_detail = (f'Build step failure: build step {i} "{step["name"]}" '
                                        "failed: step exited with non-zero status: 1")
                return
        build.outcome = self.outcome

    def _advance(self, build: FakeBuild) -> None:
        if build.done:
            return
        now = self.clock()
        if build.status == "QUEUED":
            if build.outcome == "EXPIRED":
                self._finish(build, "EXPIRED")
                return
            if build.failure_detail and build.failed_step is None:
                self._finish(build, "FAILURE")
                return
            build.status, build.start_time = "WORKING", now
        elif 0 <= build.current < len(build.steps):
            step = build.steps[build.current]
            if build.current == build.failed_step:
                step["status"] = "FAILURE"
                self._finish(build, "FAILURE")
                return
            step["status"] = "SUCCESS"
            step["timing"]["endTime"] = rfc3339(now)
        build.current += 1
        if build.current < len(build.steps):
            step = build.steps[build.current]
            step["status"] = "WORKING"
            step["timing"] = {"startTime": rfc3339(now)}
            return
        if build.outcome != "SUCCESS":
            self._finish(build, build.outcome)
            return
        self._push(build)

    def _push(self, build: FakeBuild) -> None:
        images = []
        for image in build.request.get("images", []):
            try:
                self.registry.push(str(image), build.digest, build.size)
            except ApiFailure as exc:
                build.failure_detail = f"failed to push {image}: {exc.message}"
                self._finish(build, "FAILURE")
                return
            images.append({"name": image, "digest": build.digest,
                           "pushTiming": {"startTime": rfc3339(self.clock()),
                                          "endTime": rfc3339(self.clock())}})
        build.results = {"images": images,
                         "buildStepImages": ["sha256:" + hashlib.sha256(
                             str(s.get("name")).encode()).hexdigest() for s in build.steps]}
        self._finish(build, "SUCCESS")

    def _finish(self, build: FakeBuild, status: str) -> None:
        build.status, build.finish_time = status, self.clock()
        build.status_detail = build.failure_detail or _OUTCOME_DETAIL.get(status, "")
        for step in build.steps:
            if step.get("status") in ("WORKING", "QUEUED") and status != "SUCCESS":
                step["status"] = "CANCELLED" if status == "CANCELLED" else status

    # -- handlers ------------------------------------------------------------------------------

    def _build(self, project: str, build_id: str) -> FakeBuild:
        found = self.builds.get(build_id)
        if found is None or found.project.project_id != project:
            raise not_found(f'Build "{build_id}" not found.')
        return found

    def _render_op(self, op: Operation) -> dict:
        build: FakeBuild = op.extra["build"]
        with self._lock:
            self._advance(build)
            body: dict = {"name": op.name, "done": build.done,
                          "metadata": {"@type": f"{TYPE}.BuildOperationMetadata",
                                       "build": build.render()}}
            if build.status == "SUCCESS":
                body["response"] = {"@type": f"{TYPE}.Build", **build.render()}
            elif build.done:
                body["error"] = {"code": 2, "message": f"Build {build.status.lower()}; "
                                 f"{build.status_detail or 'check build logs for details'}"}
        return body

    def create(self, req: CloudRequest, project: str, location: str = "global") -> Reply:
        owner = self.projects.get(project)
        if owner is None:
            raise not_found(f"Project {project} not found.")
        body = req.json()
        if not body.get("steps"):
            raise bad_request("Invalid argument: build must have at least one step")
        build_id = str(uuid.uuid4())
        steps = [{**s, "status": "QUEUED"} for s in body["steps"]]
        build = FakeBuild(build_id, owner, location, body, self.clock(), steps=steps)
        self._prepare(build)
        with self._lock:
            self.builds[build_id] = build
        encoded = base64.urlsafe_b64encode(build_id.encode()).decode().rstrip("=")
        # The build's own state decides when this operation is done, not a poll count.
        op = self.operations.add(Operation(f"operations/build/{project}/{encoded}",
                                           self._render_op, dict, 0, extra={"build": build}))
        with self._lock:
            body = {"name": op.name, "done": False,
                    "metadata": {"@type": f"{TYPE}.BuildOperationMetadata",
                                 "build": build.render()}}
        return Reply(200, body)

    def get(self, req: CloudRequest, project: str, build_id: str, location: str = "") -> Reply:
        build = self._build(project, build_id)
        with self._lock:
            build.reads += 1
            self._advance(build)
            return Reply(200, build.render())

    def cancel(self, req: CloudRequest, project: str, build_id: str, location: str = "") -> Reply:
        build = self._build(project, build_id)
        with self._lock:
            self.cancelled.append(build_id)
            if not build.done:
                self._finish(build, "CANCELLED")
            return Reply(200, build.render())

    def get_operation(self, req: CloudRequest, project: str, op: str) -> Reply:
        operation = self.operations.poll(f"operations/build/{project}/{op}")
        return Reply(200, operation.render(operation))

    def routes(self) -> list[Route]:
        located = "/v1/projects/{project}/locations/{location}/builds"
        return [
            route(self, "POST", "/v1/projects/{project}/builds", self.create,
                  "cloudbuild.builds.create"),
            route(self, "POST", "/v1/projects/{project}/builds/{build_id}:cancel", self.cancel,
                  "cloudbuild.builds.update"),
            route(self, "GET", "/v1/projects/{project}/builds/{build_id}", self.get,
                  "cloudbuild.builds.get"),
            route(self, "POST", located, self.create, "cloudbuild.builds.create"),
            route(self, "POST", located + "/{build_id}:cancel", self.cancel,
                  "cloudbuild.builds.update"),
            route(self, "GET", located + "/{build_id}", self.get, "cloudbuild.builds.get"),
            route(self, "GET", "/v1/operations/build/{project}/{op}", self.get_operation,
                  "cloudbuild.builds.get"),
        ]
