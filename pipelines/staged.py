"""A stage of a deploy as a `with` block: StageStarted on entry, then exactly one StageFinished
or StageFailed with the elapsed time, whatever way the block ends.

Deploy strategies span several stages (deploy, rollout, promote, cleanup), so they report
them themselves; a failure leaves the block as `StageError`, which tells the runner the
failure was already reported (with its hint and log lines) and only has to end the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kubedeck.kube.errors import KubedeckError
from pipelines.events import Cancelled, Emit, Stage, StageFailed, StageFinished, StageStarted


class StageError(KubedeckError):
    """A stage failed and its StageFailed event has been emitted. `reason` is the what and
    where, `hint` what to do, `logs` supporting lines (a crashing pod's last output)."""

    def __init__(self, stage: Stage, reason: str, hint: str = "", logs: tuple[str, ...] = (),
                 exit_code: int = 1) -> None:
        super().__init__(f"{reason} - {hint}" if hint else reason, exit_code)
        self.stage = stage
        self.reason = reason
        self.hint = hint
        self.logs = logs


class Failure(KubedeckError):
    """Raised inside a stage to fail it with a hint and log lines (becomes StageError)."""

    def __init__(self, reason: str, hint: str = "", logs: tuple[str, ...] = (),
                 exit_code: int = 1) -> None:
        super().__init__(f"{reason} - {hint}" if hint else reason, exit_code)
        self.reason = reason
        self.hint = hint
        self.logs = logs


@dataclass
class Outcome:
    """What the block may set for its StageFinished event."""

    detail: str = ""


@contextmanager
def staged(emit: Emit, stage: Stage, detail: str = "") -> Iterator[Outcome]:
    started = time.monotonic()
    emit(StageStarted(stage, detail))
    outcome = Outcome()

    def seconds() -> float:
        return time.monotonic() - started

    try:
        yield outcome
    except Cancelled:
        emit(StageFailed(stage, seconds(), "cancelled"))
        raise
    except StageError as exc:
        emit(StageFailed(stage, seconds(), exc.reason, exc.hint, exc.logs))
        raise
    except Failure as exc:
        emit(StageFailed(stage, seconds(), exc.reason, exc.hint, exc.logs))
        raise StageError(stage, exc.reason, exc.hint, exc.logs, exc.exit_code) from None
    except KubedeckError as exc:
        emit(StageFailed(stage, seconds(), exc.message))
        raise StageError(stage, exc.message, exit_code=exc.exit_code) from None
    emit(StageFinished(stage, seconds(), outcome.detail))
