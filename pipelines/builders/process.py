"""Running a build tool (buildah, skopeo, minikube) with its output streamed as LogLines, its
last lines kept for the error message, and the run's cancel token able to stop it mid-way.

Output is read line by line as the tool writes it (a build can take minutes; the user must see
it move), with stderr merged into stdout because the tools interleave progress on both.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipelines.events import Cancelled, CancelToken, Emit, LogLine, Stage

KEEP_LINES = 12
STOP_GRACE = 5.0


@dataclass(frozen=True)
class Finished:
    returncode: int
    last_lines: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def text(self) -> str:
        return "\n".join(self.last_lines)


def _watch(proc: subprocess.Popen, cancel: CancelToken, stopped: list[bool]) -> None:
    """Stop the tool when the run is cancelled; ends by itself when the tool exits."""
    while proc.poll() is None:
        if cancel.event.wait(0.1) and proc.poll() is None:
            stopped.append(True)
            proc.terminate()
            try:
                proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                proc.kill()
            return


def run_tool(argv: Sequence[str], emit: Emit, cancel: CancelToken, *, stage: Stage,
             source: str, env: Mapping[str, str] | None = None) -> Finished:
    """Run `argv`, emitting each output line as a LogLine; raise
    Cancelled when the token stopped it, FileNotFoundError when the tool is missing. `env` is
    the whole environment (default: this process's)."""
    cancel.check()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, errors="replace", bufsize=1,
                            env=dict(os.environ if env is None else env),
                            start_new_session=True)
    stopped: list[bool] = []
    watcher = threading.Thread(target=_watch, args=(proc, cancel, stopped), daemon=True,
                               name=f"{source}-cancel")
    watcher.start()
    last: deque[str] = deque(maxlen=KEEP_LINES)
    assert proc.stdout is not None
    with proc.stdout:
        for raw in proc.stdout:
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            last.append(line)
            emit(LogLine(stage, line, source))
    code = proc.wait()
    watcher.join()
    if stopped:
        raise Cancelled(f"{source} stopped: the run was cancelled")
    return Finished(code, tuple(last))
