"""The embedded cluster's registry as the push stage sees it. The store itself lives with the
simulator (kubedeck.fake.registry, where the kubelet consults it); pipelines only know this
protocol, and the caller that runs the embedded cluster hands the store in.
"""

from __future__ import annotations

from typing import Protocol

from pipelines.builders.base import Builder, Built
from pipelines.events import CancelToken, Emit
from pipelines.staged import Failure


class DemoStore(Protocol):
    root: str  # repository prefix, e.g. registry.kubedeck.internal/demo

    def push(self, repository: str, tag: str, digest: str, size: int,
             behaviour: str) -> None: ...

    def resolve(self, repository: str, tag: str) -> str | None: ...


class DemoRegistry:
    kind = "demo"

    def __init__(self, store: DemoStore) -> None:
        self.store = store

    def __str__(self) -> str:
        return f"the demo registry ({self.store.root})"

    def repository(self, name: str) -> str:
        return f"{self.store.root}/{name}"

    def prepare(self, emit: Emit, cancel: CancelToken) -> None:
        """Nothing to set up: the store takes any repository."""

    def deliver(self, builder: Builder, built: Built, emit: Emit, cancel: CancelToken) -> str:
        if builder.name != "demo":
            raise Failure(f"error: the demo registry only holds images of the demo builder "
                          f"(got {builder.name})", "set build.builder: demo or auto",
                          exit_code=2)
        return builder.push(built, None, False, emit, cancel)

    def lookup(self, repository: str, tag: str, emit: Emit, cancel: CancelToken) -> str | None:
        return self.store.resolve(repository, tag)
