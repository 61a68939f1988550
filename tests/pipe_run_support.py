"""Helpers for the runner and pipeline CLI tests: pipeline files written to a temp folder,
an event recorder, and the stage-protocol check every run must pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pipelines.events import (
    Event,
    LogLine,
    RunFinished,
    StageFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)

TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ app }}
data:
  image: {{ image }}
"""


def write_pipeline(folder: Path, *, targets: str, extra: str = "", app: str = "hello",
                   images: bool = True) -> Path:
    """A kubedeck.yaml in `folder` with a Dockerfile and a one-file template set, so the
    runner's tests do not depend on the built-in templates."""
    (folder / "Dockerfile").write_text("FROM scratch\n")
    tpl = folder / "manifests"
    tpl.mkdir(exist_ok=True)
    (tpl / "config.yaml.j2").write_text(TEMPLATE)
    image_block = "images:\n  - name: hello\n    context: .\n" if images else ""
    body = f"app: {app}\n{image_block}registry: localhost:5000/apps\n" \
           f"build: {{builder: buildah, tag: v1}}\n" \
           f"targets:\n{textwrap.indent(textwrap.dedent(targets).strip(), '  ')}\n" \
           f"manifests:\n  template: manifests\n  values: {{replicas: 1}}\n{extra}"
    path = folder / "kubedeck.yaml"
    path.write_text(body)
    return path


class Recorder(list):
    """An Emit that keeps every event."""

    def __call__(self, event: Event) -> None:
        self.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self if isinstance(e, kind)]

    def logs(self) -> list[str]:
        return [e.text for e in self.of(LogLine)]

    def stages(self) -> list[str]:
        return [e.stage for e in self.of(StageStarted)]


def check_protocol(events: list[Event]) -> None:
    """Every stage: StageStarted, then its progress and log lines, then exactly one
    StageFinished or StageFailed; the run ends with exactly one RunFinished, last."""
    open_stages: set[str] = set()
    for event in events[:-1]:
        assert not isinstance(event, RunFinished), "RunFinished before the end"
        if isinstance(event, StageStarted):
            assert event.stage not in open_stages, f"{event.stage} started twice"
            open_stages.add(event.stage)
        elif isinstance(event, StageFinished | StageFailed):
            assert event.stage in open_stages, f"{event.stage} ended without a start"
            open_stages.remove(event.stage)
        elif isinstance(event, StageProgress | LogLine):
            assert event.stage in open_stages, f"{event!r} outside its stage"
    assert not open_stages, f"stages never ended: {open_stages}"
    assert isinstance(events[-1], RunFinished)
