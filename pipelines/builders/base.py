"""What every builder shares: the built image handed from the build stage to the push stage,
the interface a builder offers, and the error a failed stage raises.

Pushing belongs to the builder because only it can reach what it built: buildah's images live
in its own storage, docker's in the engine, Cloud Build pushes from Google's side, the demo
builder's only exist in the demo registry. The registry decides where to and with which
credentials (pipelines.registries).

Failures are raised as pipelines.staged.Failure (reason, hint, log lines), which the stage
block turns into its StageFailed event.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipelines.events import CancelToken, Emit
from pipelines.spec import ImageSpec


@dataclass(frozen=True)
class Login:
    """Credentials for one registry host (user `oauth2accesstoken` + a token for Artifact
    Registry; from the docker config for the others)."""

    host: str
    username: str
    password: str

    def __repr__(self) -> str:  # never print the secret
        return f"Login(host={self.host!r}, username={self.username!r}, password=***)"


@dataclass(frozen=True)
class Built:
    """An image the build stage produced, under `reference` (repository:tag) in the builder's
    local store. `digest` is set when the builder already pushed it (Cloud Build)."""

    image: ImageSpec
    repository: str
    tag: str
    image_id: str
    digest: str | None = None

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


class Builder(Protocol):
    name: str

    def describe(self, emit: Emit) -> None:
        """Say how this builder runs here (engine, storage, isolation, project)."""
        ...

    def build(self, image: ImageSpec, repository: str, tag: str, emit: Emit,
              cancel: CancelToken) -> Built:
        """Build `image` as repository:tag; pipelines.staged.Failure with the last output
        lines when the build fails."""
        ...

    def push(self, built: Built, login: Login | None, insecure: bool, emit: Emit,
             cancel: CancelToken) -> str:
        """Push to `built.reference`; return the manifest digest the registry stored. Raises
        registries.failures.PushFailed, classified so the caller can retry or explain."""
        ...

    def export(self, built: Built, archive: Path, emit: Emit, cancel: CancelToken) -> str:
        """Write the image as an archive a cluster runtime can load (minikube); return the
        manifest digest in it."""
        ...
