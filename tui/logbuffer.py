"""Log lines held for the logs screen, with no UI in it so it is easy to test.

A fast stream must not grow memory without bound: the stream thread drops lines into a
bounded inbox, the screen drains it every ~100 ms into a ring buffer of `config.logs.buffer`
lines, and only that buffer is ever displayed, filtered or saved.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# k9s' since keys: 0 = tail (no sinceSeconds), then 1m, 5m, 15m, 1h.
SINCE_CHOICES: dict[str, int | None] = {"0": None, "1": 60, "2": 300, "3": 900, "4": 3600}
_SINCE_LABELS = {None: "tail", 60: "1m", 300: "5m", 900: "15m", 3600: "1h"}
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d)) ")


def since_label(seconds: int | None) -> str:
    return _SINCE_LABELS.get(seconds, f"{seconds}s")


def since_from_config(text: str) -> int | None:
    """The config file's `logs.since` (tail, 1m, 5m, 15m, 1h) as sinceSeconds."""
    for seconds, label in _SINCE_LABELS.items():
        if label == text:
            return seconds
    return None


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line; `source` is `pod/container` when several streams are interleaved."""

    source: str
    text: str

    def plain(self) -> str:
        return f"{self.source} {self.text}" if self.source else self.text


def decode_line(raw: bytes | str) -> str:
    """A streamed line as text: invalid UTF-8 replaced, the line ending dropped."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text.rstrip("\r\n")


class Inbox:
    """Where the stream thread drops lines for the UI to collect. Bounded: when the UI falls
    behind a fast stream the oldest uncollected lines go, as they would from the ring buffer."""

    def __init__(self, maxlen: int) -> None:
        self._lines: deque[LogLine] = deque(maxlen=maxlen)

    def put(self, line: LogLine) -> None:
        self._lines.append(line)  # deque.append is atomic: safe from the stream thread

    def drain(self) -> list[LogLine]:
        out: list[LogLine] = []
        pop = self._lines.popleft
        try:
            while True:
                out.append(pop())
        except IndexError:
            return out


class LogBuffer:
    """The last `maxlen` lines of the stream."""

    def __init__(self, maxlen: int) -> None:
        self.maxlen = maxlen
        self._lines: deque[LogLine] = deque(maxlen=maxlen)
        self.dropped = 0

    def extend(self, lines: Iterable[LogLine]) -> int:
        """Add lines; return how many old ones fell off the front."""
        before = len(self._lines)
        added = 0
        for line in lines:
            self._lines.append(line)
            added += 1
        dropped = max(0, before + added - self.maxlen)
        self.dropped += dropped
        return dropped

    def clear(self) -> None:
        self._lines.clear()

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[LogLine]:
        return iter(self._lines)



def save_lines(lines: Iterable[LogLine], path: Path) -> None:
    """Write lines as plain text, prefixes kept (the `ctrl+s` file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line.plain() + "\n")


def compile_filter(text: str) -> re.Pattern[str] | None:
    """The user's `/` text as a case-insensitive regex; text that is not a valid regex is
    searched literally (typing `a(b` must not fail). Empty text means no filter."""
    if not text:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def pretty_json(text: str) -> list[str]:
    """A JSON-object line indented over several lines (a leading timestamp kept on the first);
    any other line unchanged."""
    stamp = ""
    body = text
    m = _TIMESTAMP.match(text)
    if m:
        stamp, body = m.group(0), text[m.end():]
    stripped = body.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return [text]
    try:
        value = json.loads(stripped)
    except ValueError:
        return [text]
    lines = json.dumps(value, indent=2, ensure_ascii=False).split("\n")
    lines[0] = stamp + lines[0]
    return lines
