"""The reporters: CI lines, GitHub Actions groups and annotations (escaped per the runner's
rules), the JSON summary and file, the terminal progress view, exit codes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from kubedeck.kube.errors import KubedeckError
from pipelines.events import (
    ImageResult,
    LogLine,
    RunFinished,
    RunSummary,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)
from pipelines.report import (
    CiReporter,
    TerminalReporter,
    exit_code,
    gh_escape_data,
    gh_escape_property,
    progress_bar,
    summary_dict,
    write_summary_file,
)

T0 = 1795341601.0  # 2026-11-22T10:00:01Z
DIGEST = "sha256:" + "0f" * 32
IMAGE = ImageResult("hello", "localhost:5000/apps/hello", "1a2b3c4", DIGEST)


def summary(**kw) -> RunSummary:
    base = dict(app="hello", target="dev", strategy="bluegreen", result="success",
                images=(IMAGE,), timings={"build": 1.25, "push": 0.5, "deploy": 3.0},
                started=T0, seconds=4.75)
    return RunSummary(**{**base, **kw})


def ci_lines(events, github=False) -> list[str]:
    out = io.StringIO()
    reporter = CiReporter(out, github=github, clock=lambda: T0)
    for event in events:
        reporter(event)
    return out.getvalue().splitlines()


def test_ci_lines_are_timestamped_and_name_the_stage():
    lines = ci_lines([StageStarted("build", "buildah"),
                      LogLine("build", "STEP 1/3: FROM python\nSTEP 2/3: COPY", "buildah"),
                      StageProgress("push", "pushing layers", 0.5),
                      StageFinished("build", 2.04, "hello:1a2b3c4")])
    assert lines == [
        "2026-11-22T10:00:01Z [build] started: buildah",
        "2026-11-22T10:00:01Z [build] buildah: STEP 1/3: FROM python",
        "2026-11-22T10:00:01Z [build] buildah: STEP 2/3: COPY",
        "2026-11-22T10:00:01Z [push] pushing layers (50%)",
        "2026-11-22T10:00:01Z [build] done in 2.0s: hello:1a2b3c4",
    ]


def test_ci_failure_shows_reason_hint_and_logs_and_the_run_result():
    lines = ci_lines([StageFailed("rollout", 12.0, 'pod "hello-1" is in CrashLoopBackOff',
                                  "fix the app", ("panic: boom",)),
                      RunFinished(summary(result="failed", failed_stage="rollout",
                                          reason='pod "hello-1" is in CrashLoopBackOff'))])
    assert lines[0] == ('2026-11-22T10:00:01Z [rollout] FAILED after 12.0s: pod "hello-1" '
                        "is in CrashLoopBackOff")
    assert lines[1].endswith("[rollout] hint: fix the app")
    assert lines[2].endswith("[rollout] | panic: boom")
    assert re.search(r"\[run\] failed at stage rollout: deploying hello to target dev "
                     r"\(bluegreen\) after 4\.8s: pod", lines[3])
    assert lines[4].endswith(f"[run] image hello: localhost:5000/apps/hello:1a2b3c4@{DIGEST}")
    assert not any(line.startswith("::") for line in lines)


def test_github_groups_each_stage_and_annotates_failures():
    lines = ci_lines([StageStarted("build"), StageFinished("build", 1.0),
                      StageStarted("deploy"),
                      StageFailed("deploy", 0.5, "apply Deployment/hello: 422 spec: bad\n50%",
                                  "fix the template, then run again")], github=True)
    assert lines[0] == "::group::build"
    assert lines[3] == "::endgroup::"
    assert lines[4] == "::group::deploy"
    assert lines[6].endswith("[deploy] FAILED after 0.5s: apply Deployment/hello: 422 spec: bad")
    assert lines[7].endswith("[deploy] 50%")  # a line break in a reason stays prefixed
    assert lines[-2] == "::endgroup::"
    assert lines[-1] == ("::error title=kubedeck%3A deploy failed::apply Deployment/hello: "
                         "422 spec: bad%0A50%25%0Afix the template%2C then run again"
                         .replace("%2C", ","))


def test_github_escaping_rules():
    assert gh_escape_data("50%\r\nnext: a,b") == "50%25%0D%0Anext: a,b"
    assert gh_escape_property("a: b, c%\n") == "a%3A b%2C c%25%0A"


def test_relayed_output_cannot_become_a_workflow_command():
    """A build step printing `::set-output` must not reach the runner as a command."""
    lines = ci_lines([StageStarted("build"), LogLine("build", "::error::forged")], github=True)
    assert lines[1].startswith("2026-11-22T10:00:01Z [build] ")


def test_cancelled_run_is_a_warning_on_github():
    lines = ci_lines([RunFinished(summary(result="cancelled", failed_stage="rollout",
                                          reason="cancelled by the user"))], github=True)
    assert "[run] cancelled: deploying hello" in lines[0] and "during rollout" in lines[0]
    assert lines[-1].startswith("::warning title=kubedeck%3A run cancelled::")


def test_summary_holds_images_target_strategy_timings_result_and_failure():
    data = summary_dict(summary(result="failed", failed_stage="push",
                                reason="registry localhost:5000 refused the push (401)"))
    assert data == {
        "app": "hello", "target": "dev", "strategy": "bluegreen", "result": "failed",
        "dry_run": False,
        "images": [{"name": "hello", "repository": "localhost:5000/apps/hello",
                    "tag": "1a2b3c4", "digest": DIGEST,
                    "pinned": f"localhost:5000/apps/hello:1a2b3c4@{DIGEST}"}],
        "timings": {"build": 1.25, "push": 0.5, "deploy": 3.0},
        "failed_stage": "push", "reason": "registry localhost:5000 refused the push (401)",
        "started": "2026-11-22T10:00:01Z", "seconds": 4.75,
    }


def test_summary_file_is_written_whole(tmp_path: Path):
    path = tmp_path / "summary.json"
    write_summary_file(path, summary())
    assert json.loads(path.read_text())["images"][0]["digest"] == DIGEST
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_summary_file_in_a_missing_folder_is_one_clear_error(tmp_path: Path):
    with pytest.raises(KubedeckError) as err:
        write_summary_file(tmp_path / "nope" / "summary.json", summary())
    assert "cannot write the summary file" in err.value.message


@pytest.mark.parametrize(("result", "code"), [("success", 0), ("failed", 1),
                                              ("cancelled", 130)])
def test_exit_codes(result, code):
    assert exit_code(summary(result=result)) == code


def test_progress_bar_fills_and_bounces():
    assert progress_bar(0.5, 0, width=10) == "█████░░░░░"
    assert progress_bar(1.0, 0, width=4) == "████"
    assert {progress_bar(None, t, width=6).index("█") for t in range(12)} == {0, 1, 2, 3}


def test_terminal_view_redraws_stage_rows_in_place():
    out = io.StringIO()
    now = [100.0]
    view = TerminalReporter(out, clock=lambda: now[0], width=lambda: 80)
    view(StageStarted("build", "buildah"))
    now[0] = 101.5
    view(StageProgress("build", "STEP 2/3", 0.66))
    view(LogLine("build", "COPY app.py", "buildah"))
    view.tick()
    view(StageFinished("build", 1.5))
    view(StageStarted("push"))
    text = out.getvalue()
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    assert "\x1b[1F" in text  # moved back over the one-row block to redraw it
    assert "build: COPY app.py" not in plain and "buildah: COPY app.py" in plain
    last_block = plain.splitlines()[-2:]
    assert last_block[0].startswith("✓ build") and "100%" in last_block[0]
    assert "1.5s" in last_block[0]
    assert last_block[1].startswith(tuple("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")) and " push " in last_block[1]
