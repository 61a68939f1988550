"""A read-only virtual text viewer shared by the detail (describe/YAML/events) and logs screens.

It renders only the visible rows (Line API) so a 10,000-line log or a large YAML object stays
fast, and it owns what both screens need: wrapping, a filter that keeps only matching lines,
search highlights with next/previous, following the end of a growing text, and a line cap.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextView(ScrollView, can_focus=True):
    """Lines of rich Text shown as rows (a line is several rows when wrapped)."""

    COMPONENT_CLASSES = {"textview--match", "textview--current"}
    DEFAULT_CSS = """
    TextView { background: $surface; }
    TextView > .textview--match { background: $warning 40%; }
    TextView > .textview--current { background: $accent; color: $text; text-style: bold; }
    """

    def __init__(self, *, max_lines: int | None = None, wrap: bool = False,
                 name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_lines = max_lines
        self._wrap = wrap
        self.follow = False
        self._lines: list[Text] = []
        self._base = 0                # sequence number of _lines[0] (lines trimmed so far)
        self._rows: list[Text] = []
        self._row_line: list[int] = []  # sequence number of the line each row comes from
        self._width = 0
        self._wrap_width = 0
        self._filter: re.Pattern[str] | None = None
        self._search: re.Pattern[str] | None = None
        self._current: int | None = None  # row of the current search match

    # -- content -------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def lines(self) -> list[Text]:
        return self._lines

    def plain_text(self) -> str:
        return "\n".join(line.plain for line in self._lines)

    def visible_plain(self) -> list[str]:
        """The rows as plain text (what the filter keeps), for tests and copying."""
        return [row.plain for row in self._rows]

    def set_lines(self, lines: Sequence[Text]) -> None:
        """Replace the text, keeping the scroll position (a refreshed object stays in place)."""
        self._lines = list(lines)
        self._base = 0
        self._trim()
        self._rebuild()

    def append(self, lines: Sequence[Text]) -> None:
        """Add lines at the end (log batches); old lines beyond `max_lines` are dropped."""
        if not lines:
            return
        first = self._base + len(self._lines)
        self._lines.extend(lines)
        for offset, line in enumerate(lines):
            if self._filter is None or self._filter.search(line.plain):
                self._add_rows(first + offset, line)
        self._trim()
        self._resize()
        if self.follow:
            self.to_end()

    def to_end(self) -> None:
        """Scroll to the last row once the new size is laid out."""
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def clear(self) -> None:
        self.set_lines([])

    def _trim(self) -> None:
        if self.max_lines is None or len(self._lines) <= self.max_lines:
            return
        drop = len(self._lines) - self.max_lines
        del self._lines[:drop]
        self._base += drop
        cut = bisect.bisect_left(self._row_line, self._base)
        if cut:
            del self._rows[:cut]
            del self._row_line[:cut]
            if self._current is not None:
                self._current = self._current - cut if self._current >= cut else None
            self.scroll_to(y=max(0, self.scroll_y - cut), animate=False, immediate=True)

    # -- layout --------------------------------------------------------------------------

    @property
    def wrap(self) -> bool:
        return self._wrap

    @wrap.setter
    def wrap(self, value: bool) -> None:
        self._wrap = value
        self._rebuild()

    def _add_rows(self, seq: int, line: Text) -> None:
        """A line's rows: one per embedded newline (pretty JSON), more when wrapped."""
        parts = line.split("\n", allow_blank=True) if "\n" in line.plain else [line]
        for part in parts:
            if self._wrap and self._wrap_width > 0 and part.cell_len > self._wrap_width:
                for piece in part.wrap(self.app.console, self._wrap_width, overflow="fold"):
                    self._rows.append(piece)
                    self._row_line.append(seq)
            else:
                self._rows.append(part)
                self._row_line.append(seq)
                if part.cell_len > self._width:
                    self._width = part.cell_len

    def _rebuild(self) -> None:
        self._rows = []
        self._row_line = []
        self._width = 0
        self._wrap_width = self._text_width() if self._wrap else 0
        for offset, line in enumerate(self._lines):
            if self._filter is None or self._filter.search(line.plain):
                self._add_rows(self._base + offset, line)
        self._current = None
        self._resize()
        if self.follow:
            self.to_end()

    def _resize(self) -> None:
        width = self._wrap_width if self._wrap else self._width
        self.virtual_size = Size(width, len(self._rows))
        self.refresh()

    def _text_width(self) -> int:
        """Columns for wrapped text: the vertical scrollbar's gutter is left out even before
        it appears, so wrapping never depends on whether the text overflows."""
        return max(1, self.size.width - self.styles.scrollbar_size_vertical)

    def on_resize(self) -> None:
        if self._wrap and self._text_width() != self._wrap_width:
            self._rebuild()

    # -- filter and search ---------------------------------------------------------------

    @property
    def filter(self) -> re.Pattern[str] | None:
        return self._filter

    @filter.setter
    def filter(self, pattern: re.Pattern[str] | None) -> None:
        """Show only lines matching `pattern` (their matches highlighted)."""
        self._filter = pattern
        self._rebuild()

    @property
    def search(self) -> re.Pattern[str] | None:
        return self._search

    @search.setter
    def search(self, pattern: re.Pattern[str] | None) -> None:
        self._search = pattern
        self._current = None
        self.refresh()

    def match_rows(self) -> list[int]:
        pattern = self._search or self._filter
        if pattern is None:
            return []
        return [i for i, row in enumerate(self._rows) if pattern.search(row.plain)]

    @property
    def current_match(self) -> int | None:
        return self._current

    def next_match(self, forward: bool = True) -> int | None:
        """Move to the next (or previous) row with a match, wrapping around; return the row."""
        rows = self.match_rows()
        if not rows:
            self._current = None
            return None
        start = self._current if self._current is not None else (self.scroll_y - 1 if forward
                                                                  else self.scroll_y)
        if forward:
            i = bisect.bisect_right(rows, start)
            row = rows[i % len(rows)]
        else:
            i = bisect.bisect_left(rows, start) - 1
            row = rows[i]
        self._current = row
        self.follow = False
        if not self.scroll_y <= row < self.scroll_y + self.scrollable_content_region.height:
            self.scroll_to(y=max(0, row - self.scrollable_content_region.height // 2),
                           animate=False, immediate=True)
        self.refresh()
        return row

    # -- rendering -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        rich_style = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, rich_style)
        text = self._rows[index]
        pattern = self._search or self._filter
        if pattern is not None and pattern.search(text.plain):
            text = text.copy()
            name = "textview--current" if index == self._current else "textview--match"
            style = self.get_component_rich_style(name)
            for m in pattern.finditer(text.plain):
                if m.end() > m.start():
                    text.stylize(style, m.start(), m.end())
        segments = [Segment(s.text, rich_style + s.style if s.style else rich_style)
                    for s in text.render(self.app.console) if s.text != "\n"]
        strip = Strip(segments, text.cell_len)
        return strip.crop_extend(scroll_x, scroll_x + width, rich_style)
