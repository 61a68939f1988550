"""kubectl's output formats: aligned tables, `-o name`, `-o json` and `-o yaml`, byte for byte.

Tables are aligned as Go's text/tabwriter does with kubectl's settings (minimum cell width 6,
padding 3, spaces, the last column left unpadded). JSON is Go's encoding/json MarshalIndent with
four spaces (keys sorted, `<`, `>` and `&` escaped); YAML is sigs.k8s.io/yaml (keys sorted,
strings that would read as another type double-quoted, multi-line strings as literal blocks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import yaml

MIN_WIDTH = 6
PADDING = 3
NONE = "<none>"


class TabWriter:
    """Go's text/tabwriter as kubectl configures it (RememberWidths): a column is as wide as
    its widest cell plus padding, at least MIN_WIDTH, and never narrower than in an earlier
    flush, so rows printed later (a watch) line up with the table above them."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def format(self, rows: Sequence[Sequence[str]]) -> str:
        if not rows:
            return ""
        ncols = max(len(r) for r in rows)
        widths = self.widths + [MIN_WIDTH] * (ncols - len(self.widths))
        if all(len(r) == ncols for r in rows):
            for i, column in enumerate(zip(*rows, strict=True)):
                if i < ncols - 1:
                    widths[i] = max(widths[i], max(map(len, column)) + PADDING)
            self.widths = widths
            line = "".join(f"{{:<{w}}}" for w in widths[:ncols - 1]) + "{}"
            return "\n".join(line.format(*r) for r in rows) + "\n"
        for r in rows:
            for i, cell in enumerate(r[:-1]):
                w = len(cell) + PADDING
                if w > widths[i]:
                    widths[i] = w
        self.widths = widths
        out = []
        for r in rows:
            parts = [cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])]
            if r:
                parts.append(r[-1])
            out.append("".join(parts))
        return "\n".join(out) + "\n"


def format_rows(rows: Sequence[Sequence[str]]) -> str:
    """Align rows of cells into columns as kubectl's tabwriter does (one block per call)."""
    return TabWriter().format(rows)


_CELL_BREAK = re.compile(r"[\f\n\r]")


def clean_cell(value: object) -> str:
    """A cell as kubectl prints it: nothing for null, text cut at the first line break."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    m = _CELL_BREAK.search(text)
    return text[:m.start()] + "..." if m else text


def format_labels(labels: Mapping[str, str] | None) -> str:
    """Labels as `k=v,k2=v2` sorted by key, or <none> (labels.FormatLabels)."""
    if not labels:
        return NONE
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


@dataclass
class Table:
    """One kind's rows, already reduced to the visible columns."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    labels: list[Mapping[str, str] | None] = field(default_factory=list)

    def add(self, cells: list[str], namespace: str = "",
            labels: Mapping[str, str] | None = None) -> None:
        self.rows.append(cells)
        self.namespaces.append(namespace)
        self.labels.append(labels)


def render_table(table: Table, *, with_namespace: bool = False, kind_prefix: str = "",
                 name_column: int | None = 0, show_labels: bool = False,
                 no_headers: bool = False, writer: TabWriter | None = None) -> str:
    """A table as kubectl's HumanReadablePrinter decorates and prints it: NAMESPACE first
    (with -A), `kind/` before the name column when several kinds print, LABELS last
    (--show-labels); nothing at all for no rows."""
    if not table.rows:
        return ""
    lines: list[list[str]] = []
    if not no_headers:
        head = [h.upper() for h in table.headers]
        if with_namespace:
            head.insert(0, "NAMESPACE")
        if show_labels:
            head.append("LABELS")
        lines.append(head)
    for i, cells in enumerate(table.rows):
        row = list(cells)
        if kind_prefix and name_column is not None and name_column < len(row):
            row[name_column] = f"{kind_prefix}/{row[name_column]}"
        if with_namespace:
            row.insert(0, table.namespaces[i])
        if show_labels:
            row.append(format_labels(table.labels[i]))
        lines.append(row)
    return (writer or TabWriter()).format(lines)


# -- -o name -----------------------------------------------------------------------------------

def name_prefix(kind: str, group: str) -> str:
    """`pod`, `deployment.apps`: the kind part kubectl prints in `-o name` and multi-kind tables."""
    return f"{kind}.{group}".lower() if group else kind.lower()


# -- -o json -----------------------------------------------------------------------------------

def to_json(obj: object) -> str:
    """Go's json.MarshalIndent(obj, "", "    ") plus a newline, as kubectl's JSON printer."""
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text + "\n"


# -- -o yaml -----------------------------------------------------------------------------------

_GO_YAML_BOOLS = {"y", "Y", "n", "N"}
_STR_TAG = "tag:yaml.org,2002:str"


class _KubectlDumper(yaml.SafeDumper):
    """PyYAML emitting what go-yaml v2 emits for JSON-shaped data."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar(_STR_TAG, value, style="|")
    plain_tag = dumper.resolve(yaml.ScalarNode, value, (True, False))
    if plain_tag != _STR_TAG or value in _GO_YAML_BOOLS or value == "":
        return dumper.represent_scalar(_STR_TAG, value, style='"')
    return dumper.represent_scalar(_STR_TAG, value)


_KubectlDumper.add_representer(str, _represent_str)


def to_yaml(obj: object) -> str:
    """YAML as `kubectl get -o yaml` prints it."""
    return yaml.dump(obj, Dumper=_KubectlDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=80, indent=2)


def as_list(items: Iterable[dict]) -> dict:
    """Several objects as the `List` kubectl prints for -o json/yaml."""
    return {"apiVersion": "v1", "items": list(items), "kind": "List",
            "metadata": {"resourceVersion": ""}}
