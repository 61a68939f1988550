"""The rows of one resource view: cells, sort order, filter, marks and the selected row.

Pure Python (no Textual) so it is fast to test and to measure. Cells are computed once per
change (never per render); sort keys are computed once per row and column; the sorted order is
kept incrementally (bisect) for small change batches and rebuilt for big ones; the visible
(filtered) order is a subsequence of the sorted order so the same keys place rows in both.
The selection is a uid, so it survives re-sorts and updates.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kubedeck.kube import columns as kcols
from kubedeck.kube import printer_columns as pcols
from kubedeck.kube.changes import ChangeBatch
from kubedeck.kube.humanize import since
from tui.row_status import FAILING, Classifier, classifier_for

# A batch bigger than this share of the table re-sorts everything instead of bisecting.
_RESORT_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column as the table shows it; `source` indexes the kind's full (wide) cells."""

    header: str
    priority: int
    sort_key: kcols.SortKey
    source: int  # -1 is the NAMESPACE column


def _namespace_key(record: Any, value: Any, now: float) -> Any:
    return record.metadata.namespace


def _metadata_row(record: Any, now: float) -> list[str]:
    return [record.metadata.name, since(record.metadata.creationTimestamp, now)]


def _printer_row(columns: tuple[pcols.PrinterColumn, ...]
                 ) -> Callable[[Any, float], list[Any]]:
    def row(record: Any, now: float) -> list[Any]:
        return [record.metadata.name, *(pcols.cell(c, record.raw, now) for c in columns)]
    return row


_METADATA_COLUMNS = [
    kcols.Column("Name", "string", "", format="name"),
    kcols.Column("Age", "string", "", sort_key=kcols.by_age),
]


class Row:
    """One object: its record, its cells (all columns, wide), its class and cached keys."""

    __slots__ = ("uid", "record", "cells", "status", "namespace", "name", "text", "keys")

    def __init__(self, uid: str, record: Any, cells: list[str], status: str) -> None:
        self.uid = uid
        self.record = record
        self.cells = cells
        self.status = status
        meta = record.metadata
        self.namespace: str = meta.namespace
        self.name: str = meta.name
        # lower-cased cells, one per line so ^ and $ anchor to a cell; built with the row
        # so no keystroke pays for it
        self.text = _haystack(self.namespace, cells)
        self.keys: dict[int, tuple] = {}


def _haystack(namespace: str, cells: list[str]) -> str:
    return (namespace + "\n" + "\n".join(cells)).lower()


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed `/` filter. kind: "" (none), "regex", "inverse", "fuzzy" or "labels"."""

    kind: str
    text: str

    @staticmethod
    def parse(raw: str) -> Filter:
        text = raw.strip()
        if not text:
            return Filter("", "")
        if text.startswith("-l ") or text == "-l":
            return Filter("labels", text[2:].strip())
        if text.startswith("-f ") or text == "-f":
            return Filter("fuzzy", text[2:].strip())
        if text.startswith("!"):
            return Filter("inverse", text[1:])
        return Filter("regex", text)


_META = re.compile(r"[.^$*+?{}\[\]\\|()]")


def _text_matcher(text: str) -> tuple[Callable[[Row], bool], str | None, str | None]:
    """A case-insensitive match over the row's cells (`^`/`$` anchor to any cell); an
    invalid regex is taken literally. Plain text takes the fast `in` path and is returned
    as the needle (else None), so typing more of it can narrow the current view."""
    notice = None
    if _META.search(text):
        try:
            pattern = re.compile(text, re.IGNORECASE | re.MULTILINE)
        except re.error as exc:
            notice = f"invalid regex {text!r} ({exc}); matching it literally"
        else:
            search = pattern.search
            return (lambda row: search(row.text) is not None), None, None
    needle = text.lower()
    return (lambda row: needle in row.text), notice, needle


def fuzzy_pattern(text: str) -> re.Pattern[str]:
    """`abc` -> `a.*?b.*?c`, case-insensitive: a subsequence test that runs in C; the
    match's (span, start) ranks the rows, tighter and earlier first."""
    return re.compile(".*?".join(re.escape(c) for c in text), re.IGNORECASE)


class TableModel:
    """Rows of one resource (group, kind) fed by ChangeBatch objects from a Reflector."""

    def __init__(self, group: str, kind: str, *, namespaced: bool, all_namespaces: bool,
                 now: Callable[[], float], wide: bool = False,
                 owner_uid: str | None = None,
                 printer_columns: Sequence[pcols.PrinterColumn] | None = None) -> None:
        """`printer_columns` (a CRD's) are evaluated on RawRecords (pcols.RawDecoder)."""
        self.group, self.kind = group, kind
        self.owner_uid = owner_uid  # keep only objects this uid controls (a CronJob's jobs)
        self._now = now
        base = kcols.columns_for(group, kind, wide=True)
        self._row_of: Callable[[Any, float], list[Any]]
        if base is not None:
            self._row_of = lambda record, at: kcols.values(group, kind, record, at)
        elif printer_columns is not None:
            base = [_METADATA_COLUMNS[0], *(
                kcols.Column(c.name, c.type, c.description, c.priority,
                             sort_key=pcols.sort_key(c)) for c in printer_columns)]
            self._row_of = _printer_row(tuple(printer_columns))
        else:
            base = _METADATA_COLUMNS
            self._row_of = _metadata_row
        self._classify: Classifier = classifier_for(group, kind)
        cols = [TableColumn(c.header, c.priority, c.sort_key, i) for i, c in enumerate(base)]
        self.show_namespace = namespaced and all_namespaces
        if self.show_namespace:
            cols.insert(0, TableColumn("NAMESPACE", 0, _namespace_key, -1))
        self.columns: list[TableColumn] = cols
        self.wide = wide
        self._rows: dict[str, Row] = {}
        self._sorted: list[Row] = []
        self._view: list[Row] = []
        self.sort_column = 0
        self.descending = False
        self.filter = Filter("", "")
        self._match: Callable[[Row], bool] | None = None
        self._fuzzy: re.Pattern[str] | None = None
        self._needle: str | None = None  # the plain text of the current regex filter
        self.errors_only = False
        self.marks: set[str] = set()
        self.selected: str | None = None
        self._selected_index = 0
        self.notice: str | None = None
        self._sort_now = now()  # the clock time-based sort keys were computed at
        self.sort_by(self._default_sort(), descending=False)

    # -- columns ---------------------------------------------------------------------------

    def _default_sort(self) -> int:
        """NAME; kinds whose name is a wide-only column (events) sort by their first
        column (LAST SEEN: the newest first)."""
        for i, c in enumerate(self.columns):
            if c.header == "NAME" and c.priority == 0:
                return i
        return 1 if self.show_namespace and len(self.columns) > 1 else 0

    @property
    def visible_columns(self) -> list[int]:
        """Indexes into `columns` shown now (priority-1 columns only when wide)."""
        return [i for i, c in enumerate(self.columns) if self.wide or c.priority == 0]

    def cell(self, row: Row, column: int) -> str:
        source = self.columns[column].source
        return row.namespace if source < 0 else row.cells[source]

    def column_index(self, header: str) -> int | None:
        for i, c in enumerate(self.columns):
            if c.header == header:
                return i
        return None

    # -- rows ------------------------------------------------------------------------------

    def _owned(self, record: Any) -> bool:
        owner = self.owner_uid
        return owner is None or any(ref.uid == owner and ref.controller
                                    for ref in record.metadata.ownerReferences)

    def _make(self, uid: str, record: Any, now: float) -> Row:
        values = self._row_of(record, now)
        cells = [v if v.__class__ is str else str(v) for v in values]
        return Row(uid, record, cells, self._classify(record, cells))

    def _key(self, row: Row) -> tuple:
        col = self.sort_column
        key = row.keys.get(col)
        if key is None:
            c = self.columns[col]
            value = row.namespace if c.source < 0 else row.cells[c.source]
            key = (c.sort_key(row.record, value, self._sort_now), row.namespace, row.name,
                   row.uid)
            row.keys[col] = key
        return key

    def __len__(self) -> int:
        return len(self._view)

    @property
    def total(self) -> int:
        return len(self._rows)

    def row(self, index: int) -> Row:
        """The index-th visible row (in display order)."""
        if self.descending and self.filter.kind != "fuzzy":
            return self._view[len(self._view) - 1 - index]
        return self._view[index]

    def rows(self) -> Iterable[Row]:
        """Every visible row in display order."""
        for i in range(len(self._view)):
            yield self.row(i)

    def all_rows(self) -> Iterable[Row]:
        """Every row, filtered out or not."""
        return self._rows.values()

    def get(self, uid: str) -> Row | None:
        return self._rows.get(uid)

    def apply(self, batch: ChangeBatch) -> None:
        """Add, update and delete rows in place; the order stays stable and the selection
        stays on its uid (or moves to its neighbour when its row is gone)."""
        if not batch:
            return
        before = self.selected_index
        now = self._now()
        rows = self._rows
        removed: list[Row] = []
        added: list[Row] = []
        for uid in batch.deleted:
            old = rows.pop(uid, None)
            if old is not None:
                removed.append(old)
            self.marks.discard(uid)
        for part in (batch.added, batch.updated):
            for uid, record in part.items():
                old = rows.pop(uid, None)
                if old is not None:
                    removed.append(old)
                if self._owned(record):
                    new = rows[uid] = self._make(uid, record, now)
                    added.append(new)
        if len(removed) + len(added) > _RESORT_SHARE * max(len(rows), 1) + 64:
            self._resort()
        else:
            self._splice(removed, added)
        self._keep_selection(before)

    def _splice(self, removed: list[Row], added: list[Row]) -> None:
        self._sort_now = self._now()
        for row in removed:
            _remove(self._sorted, row, self._key)
            if self._view is not self._sorted and self._in_view(row):
                _remove(self._view, row, self._key)
        for row in added:
            _insert(self._sorted, row, self._key)
        if self.filter.kind == "fuzzy":
            self._refilter()
            return
        if self._view is not self._sorted:
            for row in added:
                if self._passes(row):
                    _insert(self._view, row, self._key)

    def _in_view(self, row: Row) -> bool:
        key = self._key(row)
        view = self._view
        i = bisect_left(view, key, key=self._key)
        return i < len(view) and view[i] is row

    def _resort(self) -> None:
        self._sort_now = self._now()
        self._sorted = sorted(self._rows.values(), key=self._key)
        self._refilter()

    # -- sorting ---------------------------------------------------------------------------

    def sort_by(self, column: int, descending: bool | None = None) -> None:
        """Sort by a column; sorting the current column again flips the direction."""
        if descending is None:
            descending = not self.descending if column == self.sort_column else False
        before = self.selected
        self.sort_column, self.descending = column, descending
        self._resort()
        self.selected = before
        self._keep_selection(0)

    def sort_by_header(self, header: str) -> bool:
        """Sort by a column by its header (the `sort_*` keys); False when the view has none."""
        index = self.column_index(header)
        if index is None:
            return False
        self.sort_by(index)
        return True

    def sort_step(self, step: int) -> None:
        """The next/previous visible column (`>` / `<`)."""
        visible = self.visible_columns
        pos = visible.index(self.sort_column) if self.sort_column in visible else 0
        self.sort_by(visible[(pos + step) % len(visible)], descending=self.descending)

    # -- filtering -------------------------------------------------------------------------

    def set_filter(self, raw: str) -> str | None:
        """Apply a `/` filter (not `-l`, which the screen sends to the server); returns a
        notice for the user (an invalid regex taken literally) or None."""
        before = self.selected
        previous, self._needle = self._needle, None
        self.filter = Filter.parse(raw)
        self.notice = None
        self._match = self._fuzzy = None
        kind, text = self.filter.kind, self.filter.text
        if kind in ("regex", "inverse") and text:
            match, self.notice, needle = _text_matcher(text)
            self._match = match if kind == "regex" else (lambda row: not match(row))
            self._needle = needle if kind == "regex" else None
        elif kind == "fuzzy" and text:
            self._fuzzy = fuzzy_pattern(text)
        if previous and self._needle and previous in self._needle:
            # typing on: every row that matches now matched before, in the same order
            needle = self._needle
            self._view = [row for row in self._view if needle in row.text]
        else:
            self._refilter()
        self.selected = before
        self._keep_selection(0)
        return self.notice

    def set_errors_only(self, on: bool) -> None:
        before = self.selected
        self.errors_only = on
        self._refilter()
        self.selected = before
        self._keep_selection(0)

    def _passes(self, row: Row) -> bool:
        if self.errors_only and row.status != FAILING:
            return False
        return self._match is None or self._match(row)

    def _refilter(self) -> None:
        if self._fuzzy is not None:
            pattern = self._fuzzy
            search = pattern.search
            errors_only = self.errors_only
            scored = []
            for row in self._sorted:
                m = search(row.name)
                if m is not None and not (errors_only and row.status != FAILING):
                    scored.append((m.end() - m.start(), m.start(), row))
            scored.sort(key=lambda t: t[:2])  # stable: ties keep the sort order
            self._view = [t[2] for t in scored]
        elif self._match is None and not self.errors_only:
            self._view = self._sorted
        else:
            passes = self._passes
            self._view = [row for row in self._sorted if passes(row)]

    # -- selection and marks ---------------------------------------------------------------

    @property
    def selected_index(self) -> int:
        """The display index of the selected row (0 when nothing is selected)."""
        uid = self.selected
        if uid is None:
            return 0
        row = self._rows.get(uid)
        if row is None:
            return self._selected_index
        cached = self._selected_index
        if cached < len(self._view) and self.row(cached) is row:
            return cached
        index = self._index_of(row)
        if index is not None:
            self._selected_index = index
            return index
        return self._selected_index

    def _index_of(self, row: Row) -> int | None:
        if self.filter.kind == "fuzzy":
            for i, r in enumerate(self._view):
                if r is row:
                    return i
            return None
        view = self._view
        i = bisect_left(view, self._key(row), key=self._key)
        if i < len(view) and view[i] is row:
            return len(view) - 1 - i if self.descending else i
        return None

    def select(self, index: int) -> None:
        if not self._view:
            self.selected, self._selected_index = None, 0
            return
        index = max(0, min(index, len(self._view) - 1))
        self._selected_index = index
        self.selected = self.row(index).uid

    def selected_row(self) -> Row | None:
        if not self._view:
            return None
        row = self._rows.get(self.selected) if self.selected else None
        if row is not None and self._index_of(row) is not None:
            return row
        return self.row(min(self._selected_index, len(self._view) - 1))

    def _keep_selection(self, fallback: int) -> None:
        """Stay on the selected uid if it is still visible, else take the row that is now
        where it was (its neighbour)."""
        row = self._rows.get(self.selected) if self.selected else None
        index = self._index_of(row) if row is not None else None
        self.select(fallback if index is None else index)

    def toggle_mark(self, uid: str) -> bool:
        if uid in self.marks:
            self.marks.discard(uid)
            return False
        self.marks.add(uid)
        return True

    def clear_marks(self) -> None:
        self.marks.clear()

    def marked_rows(self) -> list[Row]:
        """Marked rows that still exist, in display order."""
        return [row for row in self.rows() if row.uid in self.marks]

    # -- export ----------------------------------------------------------------------------

    def headers(self) -> list[str]:
        return [self.columns[i].header for i in self.visible_columns]

    def table_rows(self) -> Iterable[list[str]]:
        """Every visible row's visible cells, for CSV."""
        cols = self.visible_columns
        for row in self.rows():
            yield [self.cell(row, i) for i in cols]

    def refresh_cells(self, row: Row) -> None:
        """Recompute a row's cells at the current time (ages move on; the sort keys do not
        depend on the text, so the order stays valid)."""
        values = self._row_of(row.record, self._now())
        row.cells = [v if v.__class__ is str else str(v) for v in values]
        row.text = _haystack(row.namespace, row.cells)


def _remove(rows: list[Row], row: Row, key: Callable[[Row], tuple]) -> None:
    i = bisect_left(rows, key(row), key=key)
    if i < len(rows) and rows[i] is row:
        del rows[i]


def _insert(rows: list[Row], row: Row, key: Callable[[Row], tuple]) -> None:
    k = key(row)
    rows.insert(bisect_left(rows, k, key=key), row)
