"""The demo registry: what the demo builder pushed for the embedded cluster, and what that
cluster's kubelet pulls.

Each pushed image is recorded with its repository, tag, digest, time, size and a behaviour
(`ok`, `crashloop`, `fail-pull`, `never-ready`) the demo builder read from the app's
Dockerfile, so a demo can ship a broken version and watch the rollout catch it. The kubelet
asks `mode(image)` for every image under the registry's host: an unknown tag or digest is a
pull error (as a real registry's 404 is), a known one runs with its behaviour.

One registry per cluster (`registry_for`), kept beside it rather than in it, so the cluster
needs no knowledge of registries and a cluster that never met the demo builder pays nothing.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

HOST = "registry.kubedeck.internal"  # .internal: reserved for private use, never resolves
ROOT = f"{HOST}/demo"
BEHAVIOURS = ("ok", "crashloop", "fail-pull", "never-ready")


@dataclass(frozen=True)
class DemoImage:
    repository: str
    tag: str
    digest: str
    created: float
    size: int
    behaviour: str

    @property
    def pinned(self) -> str:
        return f"{self.repository}:{self.tag}@{self.digest}"


def split_reference(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag or None, digest or None) of `repo[:tag][@sha256:…]`."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repository, _, tag = name.rpartition(":")
        return repository, tag, digest or None
    return name, None, digest or None


class DemoRegistry:
    """Thread-safe: the pipeline pushes from its thread while the kubelet reads."""

    def __init__(self, root: str = ROOT, clock=time.time) -> None:
        self.root = root
        self.host = root.split("/", 1)[0]
        self._clock = clock
        self._lock = threading.Lock()
        self._tags: dict[tuple[str, str], str] = {}
        self._images: dict[tuple[str, str], DemoImage] = {}  # (repository, digest)

    def owns(self, image: str) -> bool:
        return image.startswith(self.host + "/")

    def push(self, repository: str, tag: str, digest: str, size: int,
             behaviour: str) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {', '.join(BEHAVIOURS)}: {behaviour}")
        record = DemoImage(repository, tag, digest, self._clock(), size, behaviour)
        with self._lock:
            self._images[(repository, digest)] = record
            self._tags[(repository, tag)] = digest

    def resolve(self, repository: str, tag: str) -> str | None:
        """The digest `repository:tag` points to now."""
        with self._lock:
            return self._tags.get((repository, tag))

    def find(self, image: str) -> DemoImage | None:
        """The image a reference names: by digest when it has one (the tag is then ignored,
        as a runtime does), else by tag."""
        repository, tag, digest = split_reference(image)
        with self._lock:
            if digest is None:
                digest = self._tags.get((repository, tag or "latest"))
            return self._images.get((repository, digest)) if digest else None

    def images(self) -> list[DemoImage]:
        with self._lock:
            return sorted(self._images.values(), key=lambda i: (i.repository, i.created))

    def mode(self, image: str) -> str | None:
        """The kubelet's question: None when the image is not this registry's, else how a
        container of it behaves (`fail-pull` when the registry does not have it)."""
        if not self.owns(image):
            return None
        found = self.find(image)
        return found.behaviour if found is not None else "fail-pull"


_registries: weakref.WeakKeyDictionary[object, DemoRegistry] = weakref.WeakKeyDictionary()
_registries_lock = threading.Lock()


def registry_for(cluster: object) -> DemoRegistry:
    """The demo registry of `cluster` (made on first use)."""
    with _registries_lock:
        found = _registries.get(cluster)
        if found is None:
            found = _registries[cluster] = DemoRegistry()
        return found
