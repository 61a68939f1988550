"""The typed events a pipeline run emits, so the TUI's deploy screen and the CI reporter are
two consumers of one stream and neither has to parse log text.

Every stage reports `StageStarted`, any number of `StageProgress` / `LogLine`, then exactly one
`StageFinished` or `StageFailed`; the run ends with one `RunFinished`. Events are plain frozen
dataclasses, safe to hand from the runner's thread to any consumer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Stage = Literal["build", "push", "render", "deploy", "rollout", "promote", "cleanup"]
STAGES: tuple[Stage, ...] = ("build", "push", "render", "deploy", "rollout", "promote",
                             "cleanup")


@dataclass(frozen=True, slots=True)
class StageStarted:
    stage: Stage
    detail: str = ""  # e.g. "buildah", "localhost:5000/apps/hello:1a2b3c4", "bluegreen"


@dataclass(frozen=True, slots=True)
class StageProgress:
    """`fraction` in [0, 1] when the stage can tell (layers pushed, replicas updated)."""

    stage: Stage
    message: str
    fraction: float | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    """Output worth showing verbatim: builder output, kubectl-style rollout messages, the
    failing pod's last log lines."""

    stage: Stage
    text: str
    source: str = ""  # "buildah", "pod/web-1", "rollout"


@dataclass(frozen=True, slots=True)
class StageFinished:
    stage: Stage
    seconds: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StageFailed:
    """`reason` is the one-line what/where; `hint` what to do; `logs` supporting lines."""

    stage: Stage
    seconds: float
    reason: str
    hint: str = ""
    logs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rendered:
    """The manifests a run is about to deploy and the images they pin, plus, when the run was
    asked for it, their `kubectl diff`-style diff against the live objects: the deploy screen
    shows the diff and tells the new pods from the old ones by these digests."""

    stage: Stage
    documents: tuple[dict, ...]
    images: tuple[ImageResult, ...]
    diff: str | None = None


@dataclass(frozen=True, slots=True)
class ImageResult:
    name: str
    repository: str
    tag: str
    digest: str

    @property
    def pinned(self) -> str:
        """`repo/name:tag@sha256:…`: what manifests reference."""
        return f"{self.repository}:{self.tag}@{self.digest}"


@dataclass(frozen=True, slots=True)
class RunSummary:
    app: str
    target: str
    strategy: str
    result: Literal["success", "failed", "cancelled"]
    images: tuple[ImageResult, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    failed_stage: str | None = None
    reason: str | None = None
    started: float = 0.0
    seconds: float = 0.0
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class RunFinished:
    summary: RunSummary


Event = (StageStarted | StageProgress | LogLine | StageFinished | StageFailed | Rendered
         | RunFinished)
Emit = Callable[[Event], None]


class Cancelled(Exception):
    """Raised inside a stage when the run's cancel token is set."""


class CancelToken:
    """Set by Ctrl-C or the TUI's cancel key; stages poll it between steps and pass its event
    to blocking waits so cancelling never waits for a timeout."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def cancel(self) -> None:
        self.event.set()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        if self.event.is_set():
            raise Cancelled("cancelled")
