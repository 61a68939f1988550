"""Artifact Registry, `LOCATION-docker.pkg.dev/PROJECT/REPO[/PATH]`: an OCI registry whose
login is the Google access token of the Application Default Credentials (user
`oauth2accesstoken`), whose repository is created (format DOCKER, waiting on the long-running
operation) when missing, and whose tags are read through the Artifact Registry API.

The Google side goes through kubedeck.cloud (artifacts.ensure_repository, registry_login,
list_tags), which words permission and API failures already.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kubedeck.cloud.artifacts import RepoRef, ensure_repository, list_tags, registry_login
from kubedeck.cloud.errors import CloudError
from pipelines.builders.base import Login
from pipelines.events import CancelToken, Emit, LogLine
from pipelines.registries.failures import DEFAULT_RETRY, RetryPolicy
from pipelines.registries.oci import OciRegistry

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext


class ArtifactRegistry(OciRegistry):
    kind = "artifact"

    def __init__(self, root: str, cloud: Callable[[], CloudContext], *,
                 policy: RetryPolicy = DEFAULT_RETRY) -> None:
        super().__init__(root, False, policy=policy)
        self.ref, self.path = RepoRef.parse(self.root)
        self.cloud = cloud

    def login(self) -> Login:
        user, token = registry_login(self.cloud())
        return Login(self.host, user, token)

    def login_hint(self) -> str:
        account = self.cloud().auth.account
        return (f"check that {account} may push to {self.ref} (roles/artifactregistry.writer) "
                "and that its credentials are current: gcloud auth application-default login "
                f"(for docker itself: gcloud auth configure-docker {self.host})")

    def prepare(self, emit: Emit, cancel: CancelToken) -> None:
        """The repository must exist before anything (Cloud Build included) pushes to it."""
        cancel.check()
        info = ensure_repository(
            self.cloud(), self.ref, description="container images pushed by kubedeck",
            progress=lambda text: emit(LogLine("build", text, "artifactregistry")))
        emit(LogLine("build", f"Artifact Registry repository {info.ref} ({info.format})",
                     "artifactregistry"))

    def _image_path(self, repository: str) -> str:
        return repository.removeprefix(self.ref.uri + "/")

    def lookup(self, repository: str, tag: str, emit: Emit, cancel: CancelToken) -> str | None:
        cancel.check()
        try:
            tags = list_tags(self.cloud(), self.ref, self._image_path(repository))
        except CloudError as exc:
            emit(LogLine("push", f"cannot look up {repository}:{tag}: {exc.message}",
                         "artifactregistry"))
            return None
        return next((t.digest for t in tags if t.tag == tag), None)
