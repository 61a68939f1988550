"""The deploy history: every run (from the explorer or `kubedeck pipeline`) with its result,
duration, target, strategy, image digests and full log, kept under the user's data directory
so `:runs` can list, show and re-run them after the process that ran them is gone.

Layout: `runs.jsonl` holds one JSON record per finished run, appended in one write so two
kubedeck processes never interleave half lines; `<id>.log` holds the run's lines in the
`--ci` format, written as they happen, so even a run whose process died leaves its log.
Unreadable lines are skipped rather than failing the whole list, and the oldest runs are
pruned beyond `keep`.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import msgspec

from kubedeck.config import data_dir
from pipelines.events import Event, ImageResult, RunFinished, RunSummary
from pipelines.report import CiReporter

INDEX = "runs.jsonl"
KEEP = 200


class ImageRecord(msgspec.Struct, frozen=True):
    name: str
    repository: str
    tag: str
    digest: str

    @property
    def pinned(self) -> str:
        return f"{self.repository}:{self.tag}@{self.digest}"


class RunRecord(msgspec.Struct, frozen=True, omit_defaults=True):
    """One finished run. `action` is `run` for a deploy, else the blue-green action;
    `spec_path` and `target` are what a re-run needs."""

    id: str
    app: str
    target: str
    strategy: str
    result: str  # success | failed | cancelled
    started: float
    seconds: float
    spec_path: str
    action: str = "run"
    where: str = ""  # "the embedded demo cluster", 'kubeconfig context "minikube"', ...
    images: tuple[ImageRecord, ...] = ()
    failed_stage: str | None = None
    reason: str | None = None
    dry_run: bool = False
    demo: bool = False

    @classmethod
    def of(cls, run_id: str, summary: RunSummary, *, spec_path: Path, action: str = "run",
           where: str = "", demo: bool = False) -> RunRecord:
        return cls(id=run_id, app=summary.app, target=summary.target,
                   strategy=summary.strategy, result=summary.result, started=summary.started,
                   seconds=summary.seconds, spec_path=str(spec_path), action=action,
                   where=where, images=tuple(_image(i) for i in summary.images),
                   failed_stage=summary.failed_stage, reason=summary.reason,
                   dry_run=summary.dry_run, demo=demo)


def _image(image: ImageResult) -> ImageRecord:
    return ImageRecord(image.name, image.repository, image.tag, image.digest)


def new_run_id(app: str, at: float | None = None) -> str:
    """Sortable by time, unique across processes, safe as a file name."""
    stamp = datetime.fromtimestamp(time.time() if at is None else at, UTC)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in app)[:40]
    return f"{stamp:%Y%m%d-%H%M%S}-{safe}-{secrets.token_hex(3)}"


_decoder = msgspec.json.Decoder(RunRecord)
_encoder = msgspec.json.Encoder()


class RunHistory:
    """The history folder. Methods do blocking file I/O: call them from worker threads."""

    def __init__(self, folder: Path | None = None, keep: int = KEEP) -> None:
        self.folder = folder or data_dir() / "runs"
        self.keep = keep
        self._lock = threading.Lock()

    @property
    def index(self) -> Path:
        return self.folder / INDEX

    def log_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.log"

    def add(self, record: RunRecord) -> None:
        """Append one record; prune when the index has grown well past `keep`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        line = _encoder.encode(record) + b"\n"
        with self._lock:
            fd = os.open(self.index, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
            if self.index.stat().st_size > 2048 * self.keep:
                self._prune()

    def records(self) -> list[RunRecord]:
        """Every readable record, newest first."""
        try:
            data = self.index.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in data.splitlines():
            try:
                out.append(_decoder.decode(line))
            except msgspec.DecodeError:
                continue  # a line cut short by a crash, or from a newer kubedeck
        out.sort(key=lambda r: (r.started, r.id), reverse=True)
        return out

    def find(self, run_id: str) -> RunRecord | None:
        return next((r for r in self.records() if r.id == run_id), None)

    def log_text(self, run_id: str) -> str:
        try:
            return self.log_path(run_id).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _prune(self) -> None:
        """Keep the newest `keep` records and their logs (called with the lock held)."""
        records = self.records()
        if len(records) <= self.keep:
            return
        kept, dropped = records[:self.keep], records[self.keep:]
        tmp = self.index.with_name(f".{INDEX}.{os.getpid()}.tmp")
        tmp.write_bytes(b"".join(_encoder.encode(r) + b"\n" for r in reversed(kept)))
        os.replace(tmp, self.index)
        for record in dropped:
            self.log_path(record.id).unlink(missing_ok=True)


class RunLog:
    """An Emit that writes a run's events to its history log as `--ci` lines; the file is
    opened on the first event and closed by `close()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._out: TextIO | None = None
        self._reporter: CiReporter | None = None
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self._reporter is None:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._out = self.path.open("a", encoding="utf-8")
                except OSError:
                    return  # the history is a convenience: it never fails a deploy
                self._reporter = CiReporter(self._out)
            with suppress(OSError):
                self._reporter(event)

    def close(self) -> None:
        with self._lock:
            if self._out is not None:
                self._out.close()
                self._out = None


@contextmanager
def recording(history: RunHistory | None, run_id: str, *, spec_path: Path,
              action: str = "run", where: str = "", demo: bool = False
              ) -> Iterator[_Recorder]:
    """Around one run: `rec.emit` writes the log; the run's RunFinished becomes the record.
    A full disk or a read-only home costs the history, never the deploy."""
    rec = _Recorder(history, run_id, spec_path, action, where, demo)
    try:
        yield rec
    finally:
        rec.close()


class _Recorder:
    def __init__(self, history: RunHistory | None, run_id: str, spec_path: Path, action: str,
                 where: str, demo: bool) -> None:
        self.history = history
        self.run_id = run_id
        self._meta = (spec_path, action, where, demo)
        self._log = RunLog(history.log_path(run_id)) if history is not None else None
        self.record: RunRecord | None = None

    def emit(self, event: Event) -> None:
        if self._log is not None:
            self._log(event)
        if isinstance(event, RunFinished) and self.history is not None:
            spec_path, action, where, demo = self._meta
            self.record = RunRecord.of(self.run_id, event.summary, spec_path=spec_path,
                                       action=action, where=where, demo=demo)
            with suppress(OSError):
                self.history.add(self.record)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
