"""A virtual table over a TableModel: only the lines on screen are ever rendered.

DataTable keeps a renderable per cell and re-measures on every update, which does not scale to
50,000 rows fed by a watch. This widget is a Line API ScrollView: `render_line` formats one
model row on demand, the header is line 0 (it stays put while the rows scroll), column widths
only grow from rows that have been on screen (cheap, and the layout does not jump back and
forth), and after a change batch only the screen lines whose row changed are refreshed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.row_status import COMPLETED, FAILING, PENDING
from tui.table_model import Row, TableModel

MAX_WIDTH = 48  # a column never takes more than this; longer cells are cut with an ellipsis
GAP = 2


class ResourceTable(ScrollView, can_focus=True):
    """Rows of a TableModel with a cursor; posts CursorMoved when the selection changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "Top", show=False),
        Binding("end,G", "last", "Bottom", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--failing",
        "resource-table--pending",
        "resource-table--completed",
        "resource-table--marked",
    }

    DEFAULT_CSS = """
    ResourceTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
    }
    ResourceTable > .resource-table--header {
        color: $text-accent;
        text-style: bold;
    }
    ResourceTable > .resource-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    ResourceTable > .resource-table--failing { color: $text-error; }
    ResourceTable > .resource-table--pending { color: $text-warning; }
    ResourceTable > .resource-table--completed { color: $text-muted; }
    ResourceTable > .resource-table--marked {
        background: $accent 30%;
        text-style: bold;
    }
    """

    class CursorMoved(Message):
        """The selected row changed (uid None when the table is empty)."""

        def __init__(self, table: ResourceTable, uid: str | None, index: int) -> None:
            super().__init__()
            self.table = table
            self.uid = uid
            self.index = index

        @property
        def control(self) -> ResourceTable:
            return self.table

    def __init__(self, model: TableModel, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.model = model
        self._widths: list[int] = []
        self._on_screen: list[str | None] = []  # uid shown on each row line at the last update
        self._last_uid: str | None = None
        self.reset_widths()

    # -- data ------------------------------------------------------------------------------

    def set_model(self, model: TableModel) -> None:
        self.model = model
        self.reset_widths()
        self.data_changed()

    def reset_widths(self) -> None:
        """Start column widths from the headers again (new model, wide toggled, refilter)."""
        self._widths = [len(self.model.columns[i].header) + 1 for i in range(len(self.model.columns))]

    def data_changed(self, changed: set[str] | None = None) -> None:
        """The model changed; `changed` (uids) lets unchanged screen lines keep their paint."""
        self._grow_widths()
        self.virtual_size = Size(self._line_width(), len(self.model) + 1)
        self._follow_cursor()
        shown = self._shown_uids()
        if changed is None or len(shown) != len(self._on_screen):
            self.refresh()
        else:
            top = self.header_height
            for line, (old, new) in enumerate(zip(self._on_screen, shown, strict=True)):
                if old != new or new in changed:
                    self.refresh_line(int(self.scroll_y) + top + line)
            self.refresh_line(int(self.scroll_y))  # the header: counts/sort may have moved
        self._on_screen = shown
        self._notify_cursor()

    header_height = 1

    def rows_on_screen(self) -> range:
        """Display indexes of the rows the viewport shows."""
        top = int(self.scroll_y)
        height = max(self.scrollable_content_region.height - self.header_height, 0)
        return range(top, min(top + height, len(self.model)))

    def _shown_uids(self) -> list[str | None]:
        return [self.model.row(i).uid for i in self.rows_on_screen()]

    def _grow_widths(self) -> None:
        widths, model = self._widths, self.model
        cols = model.visible_columns
        for i in self.rows_on_screen():
            row = model.row(i)
            for c in cols:
                n = len(model.cell(row, c))
                if n > widths[c]:
                    widths[c] = min(n, MAX_WIDTH)

    def _line_width(self) -> int:
        cols = self.model.visible_columns
        return sum(self._widths[c] for c in cols) + GAP * max(len(cols) - 1, 0)

    # -- cursor ----------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        old = self.model.selected_index
        self.model.select(index)
        new = self.model.selected_index
        if new != old:
            self._follow_cursor()
            top = int(self.scroll_y) - self.header_height
            self.refresh_line(old - top)
            self.refresh_line(new - top)
        self._notify_cursor()

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - self.header_height, 1)

    def _follow_cursor(self) -> None:
        cursor, top, page = self.model.selected_index, int(self.scroll_y), self._page()
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, immediate=True)
        elif cursor >= top + page:
            self.scroll_to(y=cursor - page + 1, animate=False, immediate=True)

    def _notify_cursor(self) -> None:
        row = self.model.selected_row()
        uid = row.uid if row is not None else None
        if uid != self._last_uid:
            self._last_uid = uid
            self.post_message(self.CursorMoved(self, uid, self.model.selected_index))

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.model.selected_index + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self.model.selected_index + step * self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.model) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.header_height:
            return
        self.move_cursor(int(self.scroll_y) + offset.y - self.header_height)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._grow_widths()
        self._on_screen = self._shown_uids()

    def on_resize(self, event: events.Resize) -> None:
        self._grow_widths()
        self.virtual_size = Size(self._line_width(), len(self.model) + 1)
        self._follow_cursor()
        self._on_screen = self._shown_uids()

    # -- rendering -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        base = self.rich_style
        if y < self.header_height:
            text = self._header_text()
            style = base + self.get_component_rich_style("resource-table--header")
        else:
            index = int(self.scroll_y) + y - self.header_height
            if index >= len(self.model):
                return Strip.blank(width, base)
            row = self.model.row(index)
            text = self._row_text(row)
            style = base + self._row_style(row, index == self.model.selected_index)
        strip = Strip([Segment(text, style)])
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _row_style(self, row: Row, cursor: bool) -> Style:
        style = Style()
        status = row.status
        if status == FAILING:
            style += self.get_component_rich_style("resource-table--failing")
        elif status == PENDING:
            style += self.get_component_rich_style("resource-table--pending")
        elif status == COMPLETED:
            style += self.get_component_rich_style("resource-table--completed")
        if row.uid in self.model.marks:
            style += self.get_component_rich_style("resource-table--marked")
        if cursor:
            style += self.get_component_rich_style("resource-table--cursor")
        return style

    def _header_text(self) -> str:
        model = self.model
        parts = []
        for c in model.visible_columns:
            header = model.columns[c].header
            if c == model.sort_column:
                header += "↓" if model.descending else "↑"
            parts.append(_fit(header, self._widths[c]))
        return (" " * GAP).join(parts)

    def _row_text(self, row: Row) -> str:
        model, widths = self.model, self._widths
        return (" " * GAP).join(_fit(model.cell(row, c), widths[c])
                                for c in model.visible_columns)


def _fit(text: str, width: int) -> str:
    if len(text) > width:
        return text[:width - 1] + "…"
    return text.ljust(width)
