"""ResourceTable: a virtual table that renders only the visible rows of a TableModel."""

from __future__ import annotations

import pytest
from table_support import NOW, pod
from textual.app import App, ComposeResult

from kubedeck.kube.changes import ChangeBatch
from tui.table_model import TableModel
from tui.widgets.resource_table import ResourceTable


class TableApp(App):
    def __init__(self, model: TableModel) -> None:
        super().__init__()
        self.model = model
        self.moves: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield ResourceTable(self.model)

    def on_resource_table_cursor_moved(self, event: ResourceTable.CursorMoved) -> None:
        self.moves.append(event.uid)


def _model(count: int) -> TableModel:
    m = TableModel("", "Pod", namespaced=True, all_namespaces=False, now=lambda: NOW)
    recs = [pod(f"pod-{i:04d}", waiting="CrashLoopBackOff" if i == 1 else
                "ContainerCreating" if i == 2 else None) for i in range(count)]
    m.apply(ChangeBatch(added={r.metadata.uid: r for r in recs}))
    return m


def _lines(table: ResourceTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


@pytest.mark.asyncio
async def test_renders_header_and_only_the_rows_in_view():
    model = _model(5000)
    rendered: list[int] = []
    app = TableApp(model)
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.pause()
        original = model.row
        model.row = lambda i: (rendered.append(i), original(i))[1]  # type: ignore[method-assign]
        table.refresh()
        await pilot.pause()
        lines = _lines(table)
        assert lines[0].split() == ["NAME↑", "READY", "STATUS", "RESTARTS", "AGE"]
        assert lines[1].startswith("pod-0000")
        assert rendered and max(rendered) < 40  # never the 5000 rows


@pytest.mark.asyncio
async def test_cursor_keys_move_and_scroll():
    model = _model(200)
    app = TableApp(model)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("down", "down", "j")
        assert model.selected_row().name == "pod-0003"
        await pilot.press("G")
        await pilot.pause()
        assert model.selected_row().name == "pod-0199"
        assert _lines(table)[-1].startswith("pod-0199")
        assert _lines(table)[0].startswith("NAME")  # the header stays
        await pilot.press("g")
        assert model.selected_index == 0
        await pilot.press("pagedown")
        assert model.selected_index == table.scrollable_content_region.height - 1
        await pilot.press("up")
        await pilot.pause()
        assert app.moves[-1] == model.selected_row().uid


@pytest.mark.asyncio
async def test_click_selects_the_row_under_the_mouse():
    model = _model(30)
    app = TableApp(model)
    async with app.run_test(size=(100, 12)) as pilot:
        await pilot.click(ResourceTable, offset=(3, 4))
        assert model.selected_row().name == "pod-0003"


@pytest.mark.asyncio
async def test_status_colours_follow_the_row_class():
    model = _model(5)
    app = TableApp(model)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        failing = table.get_component_rich_style("resource-table--failing").color
        pending = table.get_component_rich_style("resource-table--pending").color
        assert failing is not None and pending is not None and failing != pending

        def colour(y: int):
            return table.render_line(y)._segments[0].style.color

        assert colour(2) == failing   # pod-0001: CrashLoopBackOff
        assert colour(3) == pending   # pod-0002: ContainerCreating
        assert colour(4) not in (failing, pending)
        model.toggle_mark(model.row(3).uid)
        marked = table.get_component_rich_style("resource-table--marked").bgcolor
        assert table.render_line(4)._segments[0].style.bgcolor == marked


@pytest.mark.asyncio
async def test_updates_repaint_rows_in_place_and_keep_the_cursor_row():
    model = _model(10)
    app = TableApp(model)
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("down", "down", "down")
        target = model.selected_row()
        model.apply(ChangeBatch(deleted={model.row(0).uid: model.row(0).record}))
        table.data_changed({model.row(0).uid})
        await pilot.pause()
        assert model.selected_row() is target and model.selected_index == 2
        assert _lines(table)[3].startswith("pod-0003")
