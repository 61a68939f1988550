"""The logs view against the sim's log streams: tail, follow and pause, filter, since,
timestamps, previous, a workload's pods interleaved, the ring-buffer bound, saving, JSON
pretty-print, and the stream ending when the pod is deleted."""

from __future__ import annotations

import re

import pytest
from tui_actions_support import kubectl_for, ref, settled, until

from kubedeck.config import Config, LogSettings
from tui import resource_actions
from tui.logbuffer import LogLine
from tui.screens.logs import LogsScreen

pytestmark = pytest.mark.asyncio

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")


def pod_named(demo_world, tmp_path, namespace: str, prefix: str) -> str:
    out = kubectl_for(demo_world, tmp_path)("get", "pods", "-n", namespace, "-o", "name").stdout
    return sorted(n.removeprefix("pod/") for n in out.split() if n.startswith(f"pod/{prefix}"))[0]


async def open_logs(pilot, app, kind: str, name: str, ns: str,
                    action: str = "logs") -> LogsScreen:
    worker = await resource_actions.run(app.screen, action, [ref(app, kind, name, ns)])
    await settled(pilot, worker)
    screen = app.screen
    assert isinstance(screen, LogsScreen)
    await until(pilot, lambda: len(screen.buffer) > 0 or screen.ended, what="log lines")
    return screen


def kubectl_logs(demo_world, tmp_path, *args: str) -> list[str]:
    return kubectl_for(demo_world, tmp_path)("logs", *args).stdout.splitlines()


async def test_tail_matches_kubectl_and_title_says_what(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    expected = kubectl_logs(demo_world, tmp_path, pod, "-n", "web", "--tail", "200")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        await until(pilot, lambda: len(screen.buffer) >= len(expected), what="the tail")
        assert [line.text for line in screen.buffer] == expected
        assert screen.view.visible_plain() == expected
        title = screen.title_text()
        assert f"web/{pod}" in title and "container storefront" in title
        assert "since tail" in title and "autoscroll on" in title


async def test_follow_appends_new_lines_and_pause_stops_scrolling(demo_app, demo_world,
                                                                  tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 20)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        before = len(screen.buffer)
        demo_world.clock.advance(300)
        await until(pilot, lambda: len(screen.buffer) > before, what="followed lines")
        view = screen.view
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y, what="autoscroll")
        await pilot.press("s")
        assert not view.follow and "autoscroll off" in screen.title_text()
        view.scroll_to(y=0, animate=False, immediate=True)
        count = len(screen.buffer)
        demo_world.clock.advance(300)
        await until(pilot, lambda: len(screen.buffer) > count, what="more lines")
        assert view.scroll_y == 0
        await pilot.press("s")
        assert view.follow and view.scroll_y == view.max_scroll_y


async def test_filter_keeps_matching_lines_and_highlights_them(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        texts = [line.text for line in screen.buffer]
        word = texts[-1].split()[-1]
        await pilot.press("slash", *word, "enter")
        shown = screen.view.visible_plain()
        assert shown and all(word.lower() in line.lower() for line in shown)
        assert len(shown) == sum(word.lower() in t.lower() for t in texts)
        strip = screen.view.render_line(0)
        match_style = screen.view.get_component_rich_style("textview--match")
        current_style = screen.view.get_component_rich_style("textview--current")
        assert any(seg.style and seg.style.bgcolor in (match_style.bgcolor,
                                                       current_style.bgcolor)
                   and word.lower() in seg.text.lower() for seg in strip)
        await pilot.press("slash", "ctrl+u", "enter")
        assert screen.view.visible_plain() == texts


async def test_since_and_timestamps_restart_the_stream(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        full = len(screen.buffer)
        await pilot.press("1")
        assert screen.opts.since_seconds == 60 and "since 1m" in screen.title_text()
        expected = kubectl_logs(demo_world, tmp_path, pod, "-n", "web", "--since", "1m")
        await until(pilot, lambda: [ln.text for ln in screen.buffer] == expected,
                    what="the last minute")
        assert len(expected) < full
        await pilot.press("t")
        await until(pilot, lambda: len(screen.buffer) == len(expected), what="timestamps")
        assert all(STAMP.match(line.text) for line in screen.buffer)
        await pilot.press("0")
        await until(pilot, lambda: len(screen.buffer) == full, what="the tail again")


async def test_previous_logs_of_a_restarted_container(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "checkout-worker")
    expected = kubectl_logs(demo_world, tmp_path, pod, "-n", "web", "--previous")
    assert expected
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web", action="logs_previous")
        await until(pilot, lambda: screen.ended, what="the end of the previous log")
        assert [line.text for line in screen.buffer] == expected
        assert screen.ended == "end of log" and "previous" in screen.title_text()


async def test_previous_without_a_restart_says_so(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web", action="logs_previous")
        await until(pilot, lambda: screen.ended, what="the error")
        assert "no previous logs" in screen.ended


async def test_workload_logs_interleave_every_pod_with_a_prefix(demo_app, demo_world, tmp_path):
    pods = [p for p in kubectl_for(demo_world, tmp_path)("get", "pods", "-n", "web", "-o",
                                                         "name").stdout.split()
            if p.startswith("pod/storefront-")]
    assert len(pods) == 3
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "deploy", "storefront", "web")
        names = {p.removeprefix("pod/") for p in pods}
        await until(pilot, lambda: {line.source.split("/")[0] for line in screen.buffer} == names,
                    what="lines from every pod")
        assert all(line.source.endswith("/storefront") for line in screen.buffer)
        assert "deployment web/storefront" in screen.title_text()
        first = screen.view.lines[0]
        assert first.plain.startswith(list(screen.buffer)[0].source + " ")
        assert first.spans[0].start == 0 and first.spans[0].end == len(list(screen.buffer)[0]
                                                                          .source)


async def test_ring_buffer_bounds_a_fast_stream(demo_world, tmp_path):
    from tui_support import build_app

    app = build_app(demo_world, config=Config(logs=LogSettings(buffer=10, tail=500)))
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    total = len(kubectl_logs(demo_world, tmp_path, pod, "-n", "web", "--tail", "500"))
    assert total > 10
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_logs(pilot, app, "po", pod, "web")
            def last_line() -> str:
                return kubectl_logs(demo_world, tmp_path, pod, "-n", "web", "--tail", "1")[0]

            newest = last_line()
            await until(pilot, lambda: [ln.text for ln in screen.buffer][-1:] == [newest],
                        what="the burst")
            assert len(screen.buffer) == 10 and screen.view.line_count == 10
            demo_world.clock.advance(600)
            newest = last_line()
            await until(pilot, lambda: [ln.text for ln in screen.buffer][-1:] == [newest],
                        what="followed lines")
            assert len(screen.buffer) == 10 and screen.view.line_count == 10
            assert screen.buffer.dropped > 0
    finally:
        app.session.close()


async def test_save_writes_the_buffer_to_a_file(demo_world, tmp_path):
    from tui_support import build_app

    app = build_app(demo_world, config=Config(screen_dump_dir=str(tmp_path / "dumps")))
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_logs(pilot, app, "po", pod, "web")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.flash_message[0].startswith("saved"), what="saved")
            files = list((tmp_path / "dumps").glob("*.log"))
            assert len(files) == 1 and files[0].name.startswith(f"web-{pod}-storefront-")
            assert files[0].read_text().splitlines() == [ln.text for ln in screen.buffer]
            assert str(files[0]) in app.flash_message[0]
    finally:
        app.session.close()


async def test_json_lines_pretty_print_on_toggle(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        await pilot.press("s")  # pause, so the injected line is not followed away
        screen.inbox.put(LogLine("", '{"level":"info","msg":"hello"}'))
        screen.flush()
        rows = screen.view.row_count
        await pilot.press("j")
        assert screen.view.row_count == rows + 3
        assert screen.view.visible_plain()[-4:] == ["{", '  "level": "info",',
                                                    '  "msg": "hello"', "}"]
        await pilot.press("j")
        assert screen.view.row_count == rows


async def test_stream_end_says_the_pod_was_deleted(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        kubectl_for(demo_world, tmp_path)("delete", "pod", pod, "-n", "web", "--wait=false")

        def gone() -> bool:
            demo_world.cluster.step(1)
            return bool(screen.ended)

        await until(pilot, gone, what="the stream end")
        assert screen.ended == f"stream ended: pod web/{pod} was deleted"
        banner = str(screen.query_one("#logs-banner").render())
        assert banner == screen.ended


async def test_closing_the_view_stops_the_stream(demo_app, demo_world, tmp_path):
    pod = pod_named(demo_world, tmp_path, "web", "storefront")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await open_logs(pilot, demo_app, "po", pod, "web")
        stop = screen._stop
        demo_app.pop_screen()
        await until(pilot, stop.is_set, what="the stop signal")
        workers = [w for w in demo_app.workers if w.group == "logs"]
        await until(pilot, lambda: all(w.is_finished for w in workers), what="reader exit")
