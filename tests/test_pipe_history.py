"""The deploy history (pipelines/history.py) and the CLI runs that write it: records newest
first, damaged lines skipped, pruning that takes the logs along, whole lines from concurrent
writers, `recording()` around a run, and a history that cannot be written costing nothing.
"""

from __future__ import annotations

import io
import shutil
import threading
from pathlib import Path

import msgspec
import pytest

from kubedeck.frontends import PipelineOptions
from pipelines import cli
from pipelines.events import (
    ImageResult,
    LogLine,
    RunFinished,
    RunSummary,
    StageFinished,
    StageStarted,
)
from pipelines.history import ImageRecord, RunHistory, RunRecord, new_run_id, recording

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"
DIGEST = "sha256:" + "ab" * 32


def record(run_id: str, started: float, *, result: str = "success", reason: str | None = None,
           app: str = "hello") -> RunRecord:
    return RunRecord(id=run_id, app=app, target="demo", strategy="rolling", result=result,
                     started=started, seconds=3.5, spec_path="/src/hello/kubedeck.yaml",
                     where="the embedded demo cluster", reason=reason,
                     images=(ImageRecord("hello", "reg/hello", "v1", DIGEST),), demo=True)


def summary(result: str = "success", **extra: object) -> RunSummary:
    return RunSummary(app="hello", target="demo", strategy="rolling", result=result,
                      images=(ImageResult("hello", "reg/hello", "v1", DIGEST),),
                      started=1_790_000_000.0, seconds=2.0, **extra)


# -- RunHistory --------------------------------------------------------------------------------

def test_records_newest_first_find_and_log_text(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs")
    assert history.records() == []
    history.add(record("b", 200.0))
    history.add(record("a", 100.0))
    history.add(record("c", 300.0, result="failed", reason="rollout timed out"))
    history.log_path("c").write_text("line one\nline two\n")

    assert [r.id for r in history.records()] == ["c", "b", "a"]
    found = history.find("c")
    assert found is not None and found.reason == "rollout timed out"
    assert found.images[0].pinned == f"reg/hello:v1@{DIGEST}"
    assert history.find("missing") is None
    assert history.log_text("c") == "line one\nline two\n"
    assert history.log_text("a") == ""


def test_a_damaged_line_is_skipped(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    history.add(record("old", 100.0))
    with history.index.open("ab") as out:
        out.write(b'{"id": "cut-short", "app": "hel\n')
        out.write(b"not json at all\n")
    history.add(record("new", 200.0))

    assert [r.id for r in history.records()] == ["new", "old"]


def test_pruning_drops_the_oldest_records_and_their_logs(tmp_path: Path) -> None:
    keep = 2
    history = RunHistory(tmp_path, keep=keep)
    ids = [f"run-{i:02d}" for i in range(20)]
    for i, run_id in enumerate(ids):
        history.log_path(run_id).write_text(f"log of {run_id}\n")
        # a long reason makes each line ~1 kB, so the index passes the prune size quickly
        history.add(record(run_id, 1000.0 + i, result="failed", reason="x" * 1000))

    kept = [r.id for r in history.records()]
    assert len(kept) < len(ids), "nothing was pruned"
    assert kept == ids[::-1][:len(kept)], "the newest records are the ones kept"
    logs = sorted(p.stem for p in tmp_path.glob("*.log"))
    assert logs == sorted(kept), "a pruned record's log goes with it, a kept one's stays"


def test_two_writers_in_threads_write_whole_lines(tmp_path: Path) -> None:
    writers = [RunHistory(tmp_path, keep=10_000), RunHistory(tmp_path, keep=10_000)]
    per_writer = 150
    barrier = threading.Barrier(len(writers))

    def write(n: int, history: RunHistory) -> None:
        barrier.wait()
        for i in range(per_writer):
            history.add(record(f"w{n}-{i}", float(i), reason="r" * 300))

    threads = [threading.Thread(target=write, args=(n, h)) for n, h in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = (tmp_path / "runs.jsonl").read_bytes().splitlines()
    assert len(lines) == per_writer * len(writers)
    decoded = [msgspec.json.decode(line, type=RunRecord) for line in lines]
    assert {r.id for r in decoded} == {f"w{n}-{i}" for n in range(2) for i in range(per_writer)}


def test_run_ids_sort_by_time_and_are_safe_file_names() -> None:
    early = new_run_id("my app/v2", at=1_790_000_000.0)
    late = new_run_id("my app/v2", at=1_790_000_060.0)
    assert early < late
    assert "/" not in early and " " not in early
    assert new_run_id("x", at=1.0) != new_run_id("x", at=1.0)


# -- recording() ---------------------------------------------------------------------------------

def test_recording_writes_the_log_as_it_runs_and_the_record_at_the_end(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    spec_path = tmp_path / "kubedeck.yaml"
    with recording(history, "r1", spec_path=spec_path, action="promote",
                   where="the embedded demo cluster", demo=True) as rec:
        rec.emit(StageStarted("deploy", "promote"))
        rec.emit(LogLine("deploy", "switching the live Service to green", "bluegreen"))
        log = history.log_text("r1")
        assert "[deploy] started: promote" in log
        assert "bluegreen: switching the live Service to green" in log
        assert history.records() == [], "no record before the run ends"
        rec.emit(StageFinished("deploy", 1.0))
        rec.emit(RunFinished(summary()))

    (saved,) = history.records()
    assert saved == rec.record
    assert (saved.id, saved.action, saved.result, saved.where, saved.demo) == \
        ("r1", "promote", "success", "the embedded demo cluster", True)
    assert saved.spec_path == str(spec_path)
    assert saved.images == (ImageRecord("hello", "reg/hello", "v1", DIGEST),)
    assert "[run] success: deployed hello to target demo" in history.log_text("r1")


def test_a_failed_dry_run_keeps_its_reason_stage_and_flag(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    with recording(history, "r2", spec_path=tmp_path / "k.yaml") as rec:
        rec.emit(RunFinished(summary("failed", failed_stage="rollout", reason="pods crash",
                                     dry_run=True)))
    (saved,) = history.records()
    assert (saved.result, saved.failed_stage, saved.reason, saved.dry_run, saved.action) == \
        ("failed", "rollout", "pods crash", True, "run")


def test_an_unwritable_history_costs_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    history = RunHistory(blocker / "runs")  # mkdir fails whoever runs the test (even root)
    with recording(history, "r3", spec_path=tmp_path / "k.yaml") as rec:
        rec.emit(StageStarted("build"))
        rec.emit(RunFinished(summary()))
    assert rec.record is not None and rec.record.result == "success"
    assert not history.index.exists() and not history.log_path("r3").exists()


# -- the CLI records its runs ----------------------------------------------------------------------

def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(PipelineOptions("pipeline", args), out=out, err=out)
    return code, out.getvalue()


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return home


def test_a_cli_run_on_the_demo_records_itself_with_digests(data_home: Path) -> None:
    code, output = run_cli("run", "--demo", "--ci", "-f", str(EXAMPLE / "kubedeck.yaml"))
    assert code == 0, output

    history = RunHistory(data_home / "kubedeck" / "runs")
    (saved,) = history.records()
    assert (saved.app, saved.target, saved.action, saved.result, saved.strategy) == \
        ("hello", "demo", "run", "success", "rolling")
    assert (saved.where, saved.demo, saved.dry_run) == \
        ("the embedded demo cluster", True, False)
    assert saved.spec_path == str(EXAMPLE / "kubedeck.yaml")
    (image,) = saved.images
    assert image.name == "hello" and image.digest.startswith("sha256:")
    assert image.pinned in output, "the record holds the digest the run reported"
    log = history.log_text(saved.id)
    assert "[build] started" in log and "[run] success: deployed hello" in log


def test_a_blue_green_action_from_the_cli_is_recorded_as_that_action(
        data_home: Path, tmp_path: Path) -> None:
    app = tmp_path / "bg"
    shutil.copytree(EXAMPLE, app)
    spec = app / "kubedeck.yaml"
    spec.write_text(spec.read_text().replace("strategy: rolling", "strategy: bluegreen"))

    code, output = run_cli("abort", "--demo", "--ci", "-f", str(spec))
    assert code == 1, output  # a fresh embedded cluster: nothing was ever deployed there

    (saved,) = RunHistory(data_home / "kubedeck" / "runs").records()
    assert (saved.action, saved.result, saved.strategy) == ("abort", "failed", "bluegreen")
    assert saved.reason and "blue-green" in saved.reason


def test_a_cli_dry_run_is_recorded_as_one(data_home: Path) -> None:
    code, output = run_cli("run", "--demo", "--dry-run", "--ci", "-f",
                           str(EXAMPLE / "kubedeck.yaml"))
    assert code == 0, output
    (saved,) = RunHistory(data_home / "kubedeck" / "runs").records()
    assert saved.dry_run and saved.result == "success"


def test_a_cli_run_succeeds_when_the_history_cannot_be_written(
        data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    code, output = run_cli("run", "--demo", "--dry-run", "--ci", "-f",
                           str(EXAMPLE / "kubedeck.yaml"))
    assert code == 0, output
    assert "success: deployed hello to target demo (rolling, dry run)" in output
