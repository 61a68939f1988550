"""The deploy screen's pods pane: the app's pods as kubectl lists them, plus which release
each runs (VERSION: "new" when it runs an image digest this job pushed) and, for blue-green,
its colour.

Which pods belong to the app comes from the Deployments' selectors: the rendered ones (the
manifests before blue-green adds a colour, so pods of both colours match) or, for a
promote / abort / rollback that renders nothing, the live coloured Deployments'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from kubedeck.kube import columns
from kubedeck.kube import decode as d
from pipelines.bluegreen_state import COLOR_LABEL


class _ImagedPodSpec(d.PodSpec):
    containers: tuple[d.Container, ...] = ()  # type: ignore[assignment]


class DeployPod(d.Pod):
    """The pod schema of the pod list's columns, plus each container's image (to tell the
    new release's pods from the old ones)."""

    spec: _ImagedPodSpec = _ImagedPodSpec()  # type: ignore[assignment]


@dataclass(frozen=True)
class PodSelector:
    """The app's pods: those matching any of its Deployments' `matchLabels`."""

    match: tuple[Mapping[str, str], ...]

    def server_side(self) -> str:
        """The labels every selector shares, for the watch's labelSelector (the rest is
        filtered here: a label selector cannot say "this OR that")."""
        if not self.match:
            return ""
        common = set(self.match[0].items())
        for labels in self.match[1:]:
            common &= set(labels.items())
        return ",".join(f"{k}={v}" for k, v in sorted(common))

    def matches(self, labels: Mapping[str, str]) -> bool:
        return any(all(labels.get(k) == v for k, v in m.items()) for m in self.match)


def _match_labels(doc: Mapping) -> dict[str, str]:
    return dict(((doc.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})


def selector_of_documents(documents: Iterable[Mapping]) -> PodSelector:
    """The rendered Deployments' selectors (as rendered: without a colour)."""
    return PodSelector(tuple(m for doc in documents
                             if doc.get("kind") == "Deployment"
                             and str(doc.get("apiVersion", "")).startswith("apps/")
                             and (m := _match_labels(doc))))


def selector_of_live(deployments: Iterable[Mapping]) -> PodSelector:
    """The live coloured Deployments' selectors with the colour left out, so both colours'
    pods match; duplicates (blue and green of one Deployment) collapse."""
    seen: list[dict[str, str]] = []
    for doc in deployments:
        labels = {k: v for k, v in _match_labels(doc).items() if k != COLOR_LABEL}
        if labels and labels not in seen:
            seen.append(labels)
    return PodSelector(tuple(seen))


def runs_digest(pod: DeployPod, digests: Iterable[str]) -> bool:
    """Whether any container runs one of `digests` (`repo:tag@sha256:…` or `repo@sha256:…`)."""
    wanted = tuple(digests)
    return any(image.endswith(digest) or f"@{digest}" in image
               for image in (c.image for c in pod.spec.containers) for digest in wanted)


@dataclass(frozen=True)
class PodRow:
    """One line of the pane. `version` is "new", "old", or "" when the job pushed no image
    (a blue-green action); `color` is the pod's kubedeck.dev/color label."""

    name: str
    ready: str
    status: str
    restarts: str
    age: str
    version: str
    color: str


def pod_rows(pods: Iterable[DeployPod], digests: Sequence[str], now: float) -> list[PodRow]:
    """The rows, the new release's pods first, then by name."""
    rows = []
    for pod in pods:
        name, ready, status, restarts, age = columns.cells("", "Pod", pod, now, wide=False)
        version = ("new" if runs_digest(pod, digests) else "old") if digests else ""
        rows.append(PodRow(name, ready, status, restarts, age, version,
                           pod.metadata.labels.get(COLOR_LABEL, "")))
    return sorted(rows, key=lambda r: (r.version != "new", r.name))


PROBLEMS = ("Error", "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "OOMKilled",
            "CreateContainerConfigError", "InvalidImageName", "Unknown")
# When the pane is too narrow for every column, in this order: drop a column (None) or cut
# it down to a least width.
SHRINK: tuple[tuple[str, int | None], ...] = (
    ("RESTARTS", None), ("AGE", None), ("NAME", 20), ("COLOR", None), ("NAME", 12),
    ("STATUS", 8), ("NAME", 9))


class PodTable:
    """The rows as a table that fits the width it is drawn at (see SHRINK): long names
    lose their middle (the ReplicaSet hash: VERSION tells old from new), long statuses
    their end."""

    GAP = 2

    def __init__(self, rows: Sequence[PodRow], styles: Mapping[str, Style]) -> None:
        self.rows = rows
        self.styles = styles

    @staticmethod
    def cells(row: PodRow) -> dict[str, str]:
        return {"NAME": row.name, "READY": row.ready, "STATUS": row.status,
                "RESTARTS": row.restarts, "AGE": row.age, "VERSION": row.version,
                "COLOR": row.color}

    def layout(self, width: int) -> dict[str, int]:
        """Column -> width, in display order."""
        wanted = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        if any(r.version for r in self.rows):
            wanted.append("VERSION")
        if any(r.color for r in self.rows):
            wanted.append("COLOR")
        cells = [self.cells(r) for r in self.rows]
        widths = {h: max([len(h), *(len(c[h]) for c in cells)]) for h in wanted}

        def over() -> int:
            return sum(widths.values()) + self.GAP * (len(widths) - 1) - width

        for step in SHRINK:
            if over() <= 0:
                break
            column, least = step
            if column not in widths:
                continue
            if least is None:
                widths.pop(column)
            else:
                widths[column] = max(min(least, widths[column]), widths[column] - over())
        return widths

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self.layout(options.max_width)
        table = Table(box=None, padding=(0, self.GAP, 0, 0), show_edge=False, expand=False,
                      header_style=self.styles.get("header"), pad_edge=False)
        for header, size in widths.items():
            table.add_column(header, no_wrap=True, width=size)
        for row in self.rows:
            cells = self.cells(row)
            rendered = []
            for header, size in widths.items():
                value = _fit(cells[header], size, middle=header == "NAME")
                style = None
                if header == "VERSION" and value == "new":
                    style = self.styles.get("new")
                elif header == "COLOR" and value in ("blue", "green"):
                    style = self.styles.get(value)
                elif header == "STATUS" and cells[header] in PROBLEMS:
                    style = self.styles.get("error")
                rendered.append(Text(value, style or ""))
            table.add_row(*rendered, style=self.styles.get("old") if row.version == "old"
                          else None)
        yield table


def _fit(value: str, width: int, middle: bool = False) -> str:
    """`value` cut to `width` with an ellipsis: in the middle (names keep their unique
    suffix) or at the end."""
    if len(value) <= width:
        return value
    if middle:
        tail = (width - 1) // 2
        return value[:width - 1 - tail] + "…" + value[len(value) - tail:]
    return value[:width - 1] + "…"


class DeployPods(Vertical):
    """`#deploy-pods-title` over the scrolling `#deploy-pods-table`; `show_note` puts a line
    of text (waiting, an error) where the table goes."""

    COMPONENT_CLASSES = {"pods--header", "pods--new", "pods--old", "pods--error",
                         "pods--blue", "pods--green"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[PodRow] = []
        self.note = ""
        self.heading = "Pods"

    def compose(self) -> ComposeResult:
        yield Static("Pods", id="deploy-pods-title")
        with VerticalScroll(id="deploy-pods-scroll"):
            yield Static("", id="deploy-pods-table")

    def _styles(self) -> dict[str, Style]:
        return {name: self.get_component_rich_style(f"pods--{name}", partial=True)
                for name in ("header", "new", "old", "error", "blue", "green")}

    def show(self, rows: list[PodRow], title: str) -> None:
        """The rows (redrawn only when they or the title changed)."""
        if (rows, "", title) == (self.rows, self.note, self.heading):
            return
        self._title(title)
        self.rows, self.note = rows, ""
        table = self.query_one("#deploy-pods-table", Static)
        table.update(PodTable(rows, self._styles()) if rows else
                     Text("no pods match the app's selector yet"))

    def show_note(self, note: str, title: str = "Pods") -> None:
        if (note, title) == (self.note, self.heading):
            return
        self._title(title)
        self.rows, self.note = [], note
        self.query_one("#deploy-pods-table", Static).update(Text(note))

    def _title(self, title: str) -> None:
        if title != self.heading:
            self.heading = title
            self.query_one("#deploy-pods-title", Static).update(title)
