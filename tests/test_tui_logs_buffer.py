"""The logs screen's UI-free parts: ring buffer, inbox, filter compilation, JSON pretty-print,
line rendering and saving."""

from __future__ import annotations

from tui.logbuffer import (
    Inbox,
    LogBuffer,
    LogLine,
    compile_filter,
    decode_line,
    pretty_json,
    save_lines,
    since_from_config,
    since_label,
)
from tui.screens.logs import prefix_style, render_line


def test_ring_buffer_keeps_the_last_lines():
    buf = LogBuffer(3)
    assert buf.extend(LogLine("", str(i)) for i in range(5)) == 2
    assert [line.text for line in buf] == ["2", "3", "4"]
    assert buf.dropped == 2 and len(buf) == 3


def test_inbox_is_bounded_and_drains_in_order():
    inbox = Inbox(2)
    for i in range(4):
        inbox.put(LogLine("", str(i)))
    assert [line.text for line in inbox.drain()] == ["2", "3"]
    assert inbox.drain() == []


def test_filter_is_a_case_insensitive_regex_and_invalid_text_is_literal():
    assert compile_filter("") is None
    assert compile_filter("err(or)?").search("ERROR: x")
    literal = compile_filter("a(b")
    assert literal.search("xa(by") and not literal.search("ab")


def test_pretty_json_keeps_a_timestamp_and_leaves_other_lines():
    assert pretty_json('{"a": 1, "b": [2]}') == ["{", '  "a": 1,', '  "b": [', "    2", "  ]", "}"]
    assert pretty_json('2026-01-02T03:04:05.123Z {"a":1}') == [
        '2026-01-02T03:04:05.123Z {', '  "a": 1', "}"]
    assert pretty_json("plain {not json}") == ["plain {not json}"]
    assert pretty_json("{broken") == ["{broken"]


def test_render_line_prefixes_and_keeps_ansi_colours():
    text = render_line(LogLine("web-1/app", "\x1b[31mred\x1b[0m\tx"), json_pretty=False)
    assert text.plain == "web-1/app red     x"
    red = [span for span in text.spans if span.start == len("web-1/app ")]
    assert red and red[0].end == len("web-1/app red") and red[0].style.color.number == 1
    assert prefix_style("web-1/app") == prefix_style("web-1/app")
    assert render_line(LogLine("", '{"a":1}'), json_pretty=True).plain == '{\n  "a": 1\n}'


def test_decode_and_since():
    assert decode_line(b"caf\xc3\xa9\r\n") == "café"
    assert decode_line(b"\xff") == "\ufffd"
    assert since_label(None) == "tail" and since_label(300) == "5m"
    assert since_from_config("15m") == 900 and since_from_config("tail") is None


def test_save_lines_writes_prefixes(tmp_path):
    path = tmp_path / "deep" / "out.log"
    save_lines([LogLine("p/c", "one"), LogLine("", "two")], path)
    assert path.read_text() == "p/c one\ntwo\n"
