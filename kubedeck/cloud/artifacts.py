"""Artifact Registry through google-cloud-artifact-registry: repositories, docker images with
their tags, digests, sizes and upload times; making sure a DOCKER repository exists; and the
credentials a registry push uses (`oauth2accesstoken` + the ADC access token).

Blocking calls; the explorer's `:images` view runs `list_repositories` / `list_images` in
thread workers, the pipeline's push step calls `ensure_repository` and `registry_login`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from kubedeck.cloud.context import CloudContext
from kubedeck.cloud.errors import CloudError, NotFoundError

LOGIN_USER = "oauth2accesstoken"
CREATE_TIMEOUT = 300.0
_HOST_FORM = re.compile(r"^(?P<location>[a-z0-9-]+)-docker\.pkg\.dev/(?P<project>[^/]+)/"
                        r"(?P<repo>[^/]+)(?:/(?P<image>[^:@]+))?(?:[:@].*)?$")
_PATH_FORM = re.compile(r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/"
                        r"repositories/(?P<repo>[^/]+)$")


@dataclass(frozen=True)
class RepoRef:
    project: str
    location: str
    repo: str

    @classmethod
    def parse(cls, text: str) -> tuple[RepoRef, str | None]:
        """(repository, image or None) from LOCATION-docker.pkg.dev/PROJECT/REPO[/IMAGE] or
        projects/P/locations/L/repositories/R."""
        text = text.strip().removeprefix("https://").rstrip("/")
        m = _HOST_FORM.match(text) or _PATH_FORM.match(text)
        if m is None:
            raise CloudError(f'error: "{text}" is not an Artifact Registry repository - give '
                             "LOCATION-docker.pkg.dev/PROJECT/REPO[/IMAGE] or "
                             "projects/PROJECT/locations/LOCATION/repositories/REPO")
        return cls(m["project"], m["location"], m["repo"]), m.groupdict().get("image")

    @property
    def path(self) -> str:
        return f"projects/{self.project}/locations/{self.location}/repositories/{self.repo}"

    @property
    def host(self) -> str:
        return f"{self.location}-docker.pkg.dev"

    @property
    def uri(self) -> str:
        """Where images go: LOCATION-docker.pkg.dev/PROJECT/REPO."""
        return f"{self.host}/{self.project}/{self.repo}"

    def __str__(self) -> str:
        return self.uri


@dataclass(frozen=True)
class RepositoryInfo:
    ref: RepoRef
    format: str
    description: str
    create_time: float | None
    update_time: float | None
    size_bytes: int


@dataclass(frozen=True)
class ImageInfo:
    """One manifest: `uri` without the digest, its tags, size and upload time."""

    image: str
    uri: str
    digest: str
    tags: tuple[str, ...]
    size_bytes: int
    upload_time: float | None


def _seconds(stamp) -> float | None:
    return stamp.timestamp() if stamp else None


def _repository(r) -> RepositoryInfo:
    m = _PATH_FORM.match(r.name)
    ref = RepoRef(m["project"], m["location"], m["repo"]) if m else RepoRef("", "", r.name)
    return RepositoryInfo(ref, r.format_.name, r.description, _seconds(r.create_time),
                          _seconds(r.update_time), int(r.size_bytes))


def list_locations(ctx: CloudContext, project: str) -> list[str]:
    """Where Artifact Registry can hold repositories for the project (paged by hand: the
    locations mixin has no pager)."""
    out: list[str] = []
    token = ""
    with ctx.call("artifactregistry", f"list the Artifact Registry locations of project "
                                      f"{project}", project):
        while True:
            resp = ctx.artifacts().list_locations(
                request={"name": f"projects/{project}", "page_token": token})
            out.extend(loc.location_id for loc in resp.locations)
            token = resp.next_page_token
            if not token:
                return out


def list_repositories(ctx: CloudContext, project: str | None = None,
                      location: str | None = None) -> list[RepositoryInfo]:
    """Repositories of the project in `location`, or across all its locations."""
    project = ctx.project(project)
    locations = [location] if location else list_locations(ctx, project)
    out: list[RepositoryInfo] = []
    for loc in locations:
        with ctx.call("artifactregistry", f"list the repositories of project {project} in "
                                          f"{loc}", project):
            out.extend(_repository(r) for r in ctx.artifacts().list_repositories(
                parent=f"projects/{project}/locations/{loc}"))
    return sorted(out, key=lambda r: (r.ref.location, r.ref.repo))


def _not_found(ref: RepoRef) -> NotFoundError:
    return NotFoundError(f'error: Artifact Registry repository "{ref.repo}" not found in '
                         f"project {ref.project}, location {ref.location} ({ref.uri}) - list "
                         f'them with "kubedeck images --project {ref.project}"')


def list_images(ctx: CloudContext, ref: RepoRef, image: str | None = None) -> list[ImageInfo]:
    """Docker images of the repository (every manifest with its tags), newest first per
    image; `image` keeps one image name (e.g. "web/frontend")."""
    out: list[ImageInfo] = []
    try:
        with ctx.call("artifactregistry", f"list the images in {ref}", ref.project):
            for d in ctx.artifacts().list_docker_images(parent=ref.path):
                uri, _, digest = d.uri.partition("@")
                name = uri.removeprefix(ref.uri + "/")
                if image is None or name == image:
                    out.append(ImageInfo(name, uri, digest, tuple(d.tags),
                                         int(d.image_size_bytes), _seconds(d.upload_time)))
    except NotFoundError:
        raise _not_found(ref) from None
    return sorted(out, key=lambda i: (i.image, -(i.upload_time or 0)))


@dataclass(frozen=True)
class TagInfo:
    tag: str
    digest: str


def list_tags(ctx: CloudContext, ref: RepoRef, image: str) -> list[TagInfo]:
    """The tags of one image and the digest each points to (what `gcloud artifacts docker tags
    list` shows); the image name is percent-encoded into its package id as the API wants."""
    parent = f"{ref.path}/packages/{quote(image, safe='')}"
    try:
        with ctx.call("artifactregistry", f"list the tags of {ref}/{image}", ref.project):
            tags = [TagInfo(t.name.rsplit("/", 1)[-1], t.version.rsplit("/", 1)[-1])
                    for t in ctx.artifacts().list_tags(parent=parent)]
    except NotFoundError:
        raise NotFoundError(f'error: image "{image}" not found in {ref} - list its images with '
                            f'"kubedeck images {ref}"') from None
    return sorted(tags, key=lambda t: t.tag)


def get_repository(ctx: CloudContext, ref: RepoRef) -> RepositoryInfo:
    try:
        with ctx.call("artifactregistry", f"get repository {ref}", ref.project):
            return _repository(ctx.artifacts().get_repository(name=ref.path))
    except NotFoundError:
        raise _not_found(ref) from None


def ensure_repository(ctx: CloudContext, ref: RepoRef, *, description: str = "",
                      progress: Callable[[str], None] | None = None,
                      timeout: float = CREATE_TIMEOUT) -> RepositoryInfo:
    """The DOCKER repository, created (waiting on the long-running operation) when missing."""
    import google.api_core.exceptions as gexc
    from google.cloud.artifactregistry_v1 import Repository

    try:
        found = get_repository(ctx, ref)
    except NotFoundError:
        found = None
    if found is not None:
        if found.format != "DOCKER":
            raise CloudError(f"error: repository {ref} exists but holds {found.format} "
                             "packages, not docker images - pick another repository")
        return found
    if progress:
        progress(f"creating Artifact Registry repository {ref}")
    try:
        with ctx.call("artifactregistry", f"create repository {ref}", ref.project):
            try:
                op = ctx.artifacts().create_repository(
                    parent=f"projects/{ref.project}/locations/{ref.location}",
                    repository_id=ref.repo,
                    repository=Repository(format_=Repository.Format.DOCKER,
                                          description=description))
                return _repository(op.result(timeout=timeout))
            except gexc.Conflict:
                pass  # someone created it since we looked: use theirs
    except TimeoutError:
        raise CloudError(f"error: creating repository {ref} did not finish within "
                         f"{timeout:g}s - check it in the console and retry") from None
    return get_repository(ctx, ref)


def registry_login(ctx: CloudContext) -> tuple[str, str]:
    """(user, password) for `docker login LOCATION-docker.pkg.dev` and OCI pushes."""
    return LOGIN_USER, ctx.auth.token()
