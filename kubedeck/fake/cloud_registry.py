"""The fake Artifact Registry API (artifactregistry.googleapis.com/v1): locations,
repositories (create is a long-running operation), docker images with tags, digests, sizes and
upload times, the tags of one image (package), paged as the real API pages. Cloud Build's fake pushes into it."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from kubedeck.fake.cloud_routes import CloudRequest, Reply, Route, route
from kubedeck.fake.cloud_state import (
    ApiFailure,
    Operation,
    Operations,
    error_info,
    not_found,
    page,
    rfc3339,
)

TYPE = "type.googleapis.com/google.devtools.artifactregistry.v1"
MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
_FORMATS = {0: "FORMAT_UNSPECIFIED", 1: "DOCKER", 2: "MAVEN", 3: "NPM", 4: "APT", 5: "YUM",
            8: "PYTHON", 9: "KFP", 10: "GO", 11: "GENERIC"}
_DOCKER_URI = re.compile(r"^(?P<location>[a-z0-9-]+)-docker\.pkg\.dev/(?P<project>[^/]+)/"
                         r"(?P<repo>[^/]+)/(?P<image>[^:@]+)(?::(?P<tag>[^@]+))?$")


@dataclass
class DockerImage:
    image: str
    digest: str
    size: int
    upload_time: float
    tags: list[str] = field(default_factory=list)


@dataclass
class Repository:
    project: str
    location: str
    repo_id: str
    format: str = "DOCKER"
    description: str = ""
    create_time: float = 0.0
    images: dict[tuple[str, str], DockerImage] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"projects/{self.project}/locations/{self.location}/repositories/{self.repo_id}"

    @property
    def host_path(self) -> str:
        return f"{self.location}-docker.pkg.dev/{self.project}/{self.repo_id}"

    def render(self) -> dict:
        times = [self.create_time, *(i.upload_time for i in self.images.values())]
        body = {"name": self.path, "format": self.format, "description": self.description,
                "mode": "STANDARD_REPOSITORY", "createTime": rfc3339(self.create_time),
                "updateTime": rfc3339(max(times)),
                "sizeBytes": str(sum(i.size for i in self.images.values()))}
        if self.format == "DOCKER":
            body["registryUri"] = self.host_path
        return body

    def render_image(self, img: DockerImage) -> dict:
        return {"name": f"{self.path}/dockerImages/{quote(img.image, safe='')}@{img.digest}",
                "uri": f"{self.host_path}/{img.image}@{img.digest}", "tags": list(img.tags),
                "imageSizeBytes": str(img.size), "uploadTime": rfc3339(img.upload_time),
                "buildTime": rfc3339(img.upload_time), "updateTime": rfc3339(img.upload_time),
                "mediaType": MANIFEST}


class RegistryApi:
    service = "artifactregistry.googleapis.com"
    title = "Artifact Registry API"

    def __init__(self, operations: Operations, clock, *, lro_polls: int = 2,
                 page_size: int = 1000) -> None:
        self.operations = operations
        self.clock = clock
        self.lro_polls = lro_polls
        self.page_size = page_size
        self.locations = ["europe-west1", "us", "us-central1"]
        self.repositories: dict[str, Repository] = {}
        self._lock = threading.Lock()

    def denied(self, permission: str, resource: str, account: str) -> ApiFailure:
        return ApiFailure(
            403, f"Permission '{permission}' denied on resource "
                 f"'//artifactregistry.googleapis.com/{resource}' (or it may not exist).",
            [error_info("IAM_PERMISSION_DENIED", "artifactregistry.googleapis.com",
                        {"permission": permission,
                         "resource": f"//artifactregistry.googleapis.com/{resource}"})])

    def add(self, repo: Repository) -> Repository:
        repo.create_time = repo.create_time or self.clock()
        with self._lock:
            self.repositories[repo.path] = repo
        return repo

    def push(self, uri: str, digest: str, size: int) -> None:
        """Record an image pushed to `LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE[:TAG]`, moving
        the tag from any older digest; raise ApiFailure when the repository is missing."""
        m = _DOCKER_URI.match(uri)
        if m is None:
            return
        path = f"projects/{m['project']}/locations/{m['location']}/repositories/{m['repo']}"
        with self._lock:
            repo = self.repositories.get(path)
            if repo is None:
                raise not_found(f'name unknown: Repository "{m["repo"]}" not found')
            image = m["image"]
            tag = m["tag"] or "latest"
            for other in repo.images.values():
                if other.image == image and tag in other.tags:
                    other.tags.remove(tag)
            entry = repo.images.setdefault((image, digest), DockerImage(
                image, digest, size, self.clock()))
            entry.upload_time = self.clock()
            entry.tags.append(tag)

    # -- handlers ----------------------------------------------------------------------------

    def _repo(self, project: str, location: str, repo: str) -> Repository:
        found = self.repositories.get(
            f"projects/{project}/locations/{location}/repositories/{repo}")
        if found is None:
            raise not_found("Requested entity was not found.")
        return found

    def list_locations(self, req: CloudRequest, project: str) -> Reply:
        items = [{"name": f"projects/{project}/locations/{loc}", "locationId": loc}
                 for loc in self.locations]
        chunk, token = page(items, req.query, self.page_size)
        return Reply(200, {"locations": chunk, **({"nextPageToken": token} if token else {})})

    def list_repositories(self, req: CloudRequest, project: str, location: str) -> Reply:
        with self._lock:
            repos = sorted((r for r in self.repositories.values()
                            if r.project == project and r.location == location),
                           key=lambda r: r.repo_id)
        chunk, token = page([r.render() for r in repos], req.query, self.page_size)
        return Reply(200, {"repositories": chunk, **({"nextPageToken": token} if token else {})})

    def get_repository(self, req: CloudRequest, project: str, location: str, repo: str) -> Reply:
        return Reply(200, self._repo(project, location, repo).render())

    def create_repository(self, req: CloudRequest, project: str, location: str) -> Reply:
        repo_id = req.query.get("repositoryId", "")
        body = req.json()
        if not re.fullmatch(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?", repo_id):
            raise ApiFailure(400, f"Invalid repository id {repo_id!r}.")
        if location not in self.locations:
            raise ApiFailure(400, f"Invalid location {location!r}.")
        path = f"projects/{project}/locations/{location}/repositories/{repo_id}"
        if path in self.repositories:
            raise ApiFailure(409, "the repository already exists")
        fmt = body.get("format", "DOCKER")
        repo = Repository(project, location, repo_id,
                          _FORMATS.get(fmt, str(fmt)) if isinstance(fmt, int) else str(fmt),
                          str(body.get("description", "")))

        def finish() -> dict:
            self.add(repo)
            return {"@type": f"{TYPE}.Repository", **repo.render()}

        op = self.operations.add(Operation(
            f"projects/{project}/locations/{location}/operations/{uuid.uuid4()}",
            self._render_op, finish, self.lro_polls))
        return Reply(200, self._render_op(op))

    def _render_op(self, op: Operation) -> dict:
        body: dict = {"name": op.name, "done": op.done,
                      "metadata": {"@type": f"{TYPE}.OperationMetadata"}}
        if op.error is not None:
            body["error"] = {"code": 6 if op.error.code == 409 else 13,
                             "message": op.error.message}
        elif op.done:
            body["response"] = op.response
        return body

    def get_operation(self, req: CloudRequest, project: str, location: str, op: str) -> Reply:
        operation = self.operations.poll(f"projects/{project}/locations/{location}/operations/{op}")
        return Reply(200, operation.render(operation))

    def list_docker_images(self, req: CloudRequest, project: str, location: str,
                           repo: str) -> Reply:
        found = self._repo(project, location, repo)
        with self._lock:
            images = sorted(found.images.values(), key=lambda i: (i.image, -i.upload_time))
        chunk, token = page([found.render_image(i) for i in images], req.query, self.page_size)
        return Reply(200, {"dockerImages": chunk, **({"nextPageToken": token} if token else {})})

    def list_tags(self, req: CloudRequest, project: str, location: str, repo: str,
                  package: str) -> Reply:
        """`package` is the package id, the image name percent-encoded (web%2Ffrontend)."""
        package = unquote(package)
        found = self._repo(project, location, repo)
        with self._lock:
            pairs = sorted((tag, img.digest) for img in found.images.values()
                           if img.image == package for tag in img.tags)
        if not pairs and not any(i.image == package for i in found.images.values()):
            raise not_found("Requested entity was not found.")
        base = f"{found.path}/packages/{quote(package, safe='')}"
        items = [{"name": f"{base}/tags/{tag}", "version": f"{base}/versions/{digest}"}
                 for tag, digest in pairs]
        chunk, token = page(items, req.query, self.page_size)
        return Reply(200, {"tags": chunk, **({"nextPageToken": token} if token else {})})

    def routes(self) -> list[Route]:
        loc = "/v1/projects/{project}/locations/{location}"
        on_loc = "projects/{project}/locations/{location}"
        on_repo = on_loc + "/repositories/{repo}"
        return [
            route(self, "GET", "/v1/projects/{project}/locations", self.list_locations, ""),
            route(self, "GET", f"{loc}/repositories", self.list_repositories,
                  "artifactregistry.repositories.list", on_loc),
            route(self, "POST", f"{loc}/repositories", self.create_repository,
                  "artifactregistry.repositories.create", on_loc),
            route(self, "GET", loc + "/repositories/{repo}", self.get_repository,
                  "artifactregistry.repositories.get", on_repo),
            route(self, "GET", loc + "/repositories/{repo}/dockerImages",
                  self.list_docker_images, "artifactregistry.dockerimages.list", on_repo),
            route(self, "GET", loc + "/repositories/{repo}/packages/{package}/tags",
                  self.list_tags, "artifactregistry.tags.list", on_repo),
            route(self, "GET", loc + "/operations/{op:(?!operation-)[^/:]+}",
                  self.get_operation, "", on_loc),
        ]
