"""Go's text/tabwriter with `kubectl describe`'s settings (minwidth 0, padding 2, spaces).

Unlike kubectl's table printer, describe aligns column *blocks*: consecutive lines that have
a cell in a column share its width, and a line with fewer cells ends the block. Reproducing
that block rule is what makes `Name:` and `Service Account:` line up exactly as kubectl does.
"""

from __future__ import annotations

PADDING = 2


def _format(lines: list[list[str]], widths: list[int], line0: int, line1: int,
            out: list[str]) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write(lines, widths, line0, this, out)
        line0 = this
        width = 0
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + PADDING)
            this += 1
        widths.append(width)
        _format(lines, widths, line0, this, out)
        widths.pop()
        line0 = this
    _write(lines, widths, line0, line1, out)


def _write(lines: list[list[str]], widths: list[int], line0: int, line1: int,
           out: list[str]) -> None:
    for cells in lines[line0:line1]:
        parts = []
        for j, cell in enumerate(cells):
            parts.append(cell.ljust(widths[j]) if j < len(widths) else cell)
        out.append("".join(parts))


def tabwrite(text: str) -> str:
    """Align tab-separated cells of `text` (one flush) as Go's tabwriter would."""
    lines = [row.split("\t") for row in text.split("\n")]
    out: list[str] = []
    _format(lines, [], 0, len(lines), out)
    return "\n".join(out)


class PrefixWriter:
    """kubectl's PrefixWriter: `write(level, text)` indents by two spaces per level; `flush`
    ends a tabwriter section (describe flushes before the Events table)."""

    def __init__(self) -> None:
        self._done: list[str] = []
        self._pending: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._pending.append("  " * level + text)

    def line(self, *parts: object) -> None:
        """fmt.Fprintln: the parts separated by spaces, then a newline."""
        self._pending.append(" ".join(str(p) for p in parts) + "\n")

    def flush(self) -> None:
        self._done.append(tabwrite("".join(self._pending)))
        self._pending = []

    def text(self) -> str:
        self.flush()
        return "".join(self._done)
