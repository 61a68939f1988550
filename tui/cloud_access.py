"""The explorer's one Google Cloud context, made on first use of `:gke` or `:images`.

Loading ADC and the google libraries (and, in the demo, starting the fake cloud) costs a few
tenths of a second that a user who never opens a cloud view should not pay at start, so the
CloudContext is built lazily, in whichever worker thread asks first. A failure is not kept:
once the user has created credentials, the next `:gke` works without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubedeck.cloud.context import CloudContext
    from kubedeck.config import Config


class CloudAccess:
    def __init__(self, factory: Callable[[], CloudContext]) -> None:
        self._factory = factory
        self._ctx: CloudContext | None = None
        self._lock = threading.Lock()
        self.projects: list[str] = []
        self.repositories: list[str] = []

    @classmethod
    def from_config(cls, config: Config) -> CloudAccess:
        """ADC, the config file's and environment's endpoints and default project."""
        def factory() -> CloudContext:
            from kubedeck.cloud.context import cloud_context

            return cloud_context(config)

        return cls(factory)

    @classmethod
    def ready(cls, ctx: CloudContext) -> CloudAccess:
        """Around a context already made (`kubedeck --gke` needed it before the TUI)."""
        access = cls(lambda: ctx)
        access._ctx = ctx
        return access

    def get(self) -> CloudContext:
        """The context (blocking on first use: call it from a thread worker). Raises
        KubedeckError with the one-line reason when there are no usable credentials."""
        with self._lock:
            if self._ctx is None:
                self._ctx = self._factory()
            return self._ctx

    def remember(self, *, project: str | None = None, repositories: list[str] = ()) -> None:
        """Names seen in listings, offered when completing `:gke P` and `:images R` (event
        loop only)."""
        if project and project not in self.projects:
            self.projects.append(project)
        for repo in repositories:
            if repo not in self.repositories:
                self.repositories.append(repo)

    def close(self) -> None:
        with self._lock:
            if self._ctx is not None:
                self._ctx.close()
                self._ctx = None
