"""The virtual text viewer under the logs and detail views: line cap, follow, a paused view
staying on its lines while old ones are dropped, filter, search and wrap."""

from __future__ import annotations

import re

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from tui.textview import TextView

pytestmark = pytest.mark.asyncio


class Viewer(App):
    def compose(self) -> ComposeResult:
        yield TextView(max_lines=50)


def lines(start: int, stop: int) -> list[Text]:
    return [Text(f"line {i}") for i in range(start, stop)]


async def test_cap_follow_and_a_paused_view_keeps_its_place():
    app = Viewer()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TextView)
        view.follow = True
        view.append(lines(0, 80))
        await pilot.pause()
        assert view.line_count == 50 and view.visible_plain()[0] == "line 30"
        assert view.scroll_y == view.max_scroll_y
        view.follow = False
        view.scroll_to(y=10, animate=False, immediate=True)
        top = view.visible_plain()[view.scroll_y]
        view.append(lines(80, 85))
        await pilot.pause()
        assert view.visible_plain()[view.scroll_y] == top


async def test_filter_search_and_wrap():
    app = Viewer()
    async with app.run_test(size=(20, 10)) as pilot:
        view = app.query_one(TextView)
        view.set_lines([*lines(0, 12), Text("x" * 50)])
        view.filter = re.compile(r"line 1\d?$")
        assert view.visible_plain() == ["line 1", "line 10", "line 11"]
        view.filter = None
        view.search = re.compile("line 1")
        assert view.match_rows() == [1, 10, 11]
        assert [view.next_match() for _ in range(4)] == [1, 10, 11, 1]
        rows = view.row_count
        view.wrap = True
        await pilot.pause()
        assert view.row_count > rows
        assert max(len(r) for r in view.visible_plain()) <= view.scrollable_content_region.width
