"""`:images [REPO]`: Artifact Registry. Without REPO, the project's repositories in every
location; Enter (or `:images REPO`) lists a repository's images, one row per manifest with its
tags, short digest, size and upload age; `esc` goes back to the repositories.

REPO is LOCATION-docker.pkg.dev/PROJECT/REPO[/IMAGE], projects/P/locations/L/repositories/R,
or just the repository's name in the default project (looked up across its locations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import DataTable

from kubedeck.cloud.errors import CloudError
from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.humanize import since
from tui.app import error_line
from tui.cloud_access import CloudAccess
from tui.screens.cloud_table import Cell, CloudTableScreen

if TYPE_CHECKING:
    from kubedeck.cloud.artifacts import ImageInfo, RepoRef, RepositoryInfo
    from kubedeck.cloud.context import CloudContext
    from tui.app import KubedeckApp

DIGEST_CHARS = len("sha256:") + 12


def human_size(size: int) -> str:
    """Docker's HumanSize: decimal units, four significant digits (`48.21MB`)."""
    units = ("B", "kB", "MB", "GB", "TB")
    value, index = float(size), 0
    while value >= 1000 and index < len(units) - 1:
        value, index = value / 1000, index + 1
    return f"{value:.4g}{units[index]}"


def repository_cells(repo: RepositoryInfo, now: float) -> tuple[Cell, ...]:
    """NAME, LOCATION, FORMAT, SIZE, UPDATED (age)."""
    return (repo.ref.repo, repo.ref.location, repo.format, human_size(repo.size_bytes),
            since(repo.update_time, now))


def image_cells(image: ImageInfo, now: float) -> tuple[Cell, ...]:
    """IMAGE, TAGS, DIGEST (sha256: and 12 hex digits, as docker shortens ids), SIZE, UPLOADED."""
    return (image.image, ",".join(image.tags), image.digest[:DIGEST_CHARS],
            human_size(image.size_bytes), since(image.upload_time, now))


def open_images(app: KubedeckApp, spec: str | None) -> None:
    """`:images` lists the repositories; `:images REPO` opens that repository directly."""
    app.reset_view(RepositoriesScreen() if spec is None else ImagesScreen(spec))


class RepositoriesScreen(CloudTableScreen):
    COLUMNS = ("NAME", "LOCATION", "FORMAT", "SIZE", "UPDATED")
    crumb = "repositories"

    def __init__(self) -> None:
        super().__init__()
        self.repositories: dict[str, RepositoryInfo] = {}

    def load(self) -> None:
        self._list(self.app.cloud)

    @work(thread=True, exclusive=True, group="repositories", exit_on_error=False)
    def _list(self, cloud: CloudAccess) -> None:
        from kubedeck.cloud import artifacts

        title = "repositories"
        try:
            ctx = cloud.get()
            project = ctx.project()
            title = f"repositories({project})"
            found = artifacts.list_repositories(ctx, project)
        except KubedeckError as exc:
            self.in_thread(self.failed, title, error_line(exc))
            return
        self.in_thread(self._show, title, found)

    def _show(self, title: str, found: list[RepositoryInfo]) -> None:
        self.repositories = {repo.ref.path: repo for repo in found}
        self.app.cloud.remember(repositories=[repo.ref.repo for repo in found])
        now = self.app.now()
        self.fill(title, [(repo.ref.path, repository_cells(repo, now)) for repo in found])
        if not found:
            self.app.flash(f"no Artifact Registry repositories in {title}", "warning")

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        repo = self.repositories.get(event.row_key.value or "")
        if repo is None:
            return
        if repo.format != "DOCKER":
            self.app.flash(f"repository {repo.ref.repo} holds {repo.format} packages; only "
                           "docker images are listed", "warning")
            return
        self.app.push_view(ImagesScreen(str(repo.ref)))


class ImagesScreen(CloudTableScreen):
    COLUMNS = ("IMAGE", "TAGS", "DIGEST", "SIZE", "UPLOADED")

    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec
        self.crumb = spec.rstrip("/").rsplit("/", 1)[-1]

    def load(self) -> None:
        self._list(self.app.cloud, self.spec)

    @work(thread=True, exclusive=True, group="images", exit_on_error=False)
    def _list(self, cloud: CloudAccess, spec: str) -> None:
        from kubedeck.cloud import artifacts

        where = spec
        try:
            ctx = cloud.get()
            ref, image = resolve(ctx, spec)
            where = f"{ref}/{image}" if image else str(ref)
            found = artifacts.list_images(ctx, ref, image)
        except KubedeckError as exc:
            self.in_thread(self.failed, f"images({where})", error_line(exc))
            return
        self.in_thread(self._show, where, found)

    def _show(self, where: str, found: list[ImageInfo]) -> None:
        now = self.app.now()
        self.fill(f"images({where})",
                  [(f"{i.uri}@{i.digest}", image_cells(i, now)) for i in found])
        if not found:
            self.app.flash(f"no images in {where}", "warning")


def resolve(ctx: CloudContext, spec: str) -> tuple[RepoRef, str | None]:
    """(repository, image or None) for what follows `:images` (blocking: a bare name is
    looked up among the default project's repositories)."""
    from kubedeck.cloud import artifacts

    if "/" in spec:
        return artifacts.RepoRef.parse(spec)
    project = ctx.project()
    named = [r.ref for r in artifacts.list_repositories(ctx, project) if r.ref.repo == spec]
    if len(named) == 1:
        return named[0], None
    if not named:
        raise CloudError(f'error: no Artifact Registry repository "{spec}" in project '
                         f"{project} - list them with :images")
    raise CloudError(f'error: project {project} has a repository "{spec}" in several '
                     f"locations ({', '.join(r.location for r in named)}) - give it as "
                     f"{named[0].uri}")
