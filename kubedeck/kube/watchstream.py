"""Newline-delimited JSON read incrementally from a streaming HTTP response.

A watch stays open for minutes and events must be seen as they arrive, so lines are cut from
whatever bytes the socket has produced instead of waiting for a full buffer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol


class StreamingResponse(Protocol):
    """The part of urllib3's HTTPResponse used here."""

    chunked: bool

    def read_chunked(self, amt: int | None = None) -> Iterator[bytes]: ...

    def read1(self, amt: int | None = None) -> bytes: ...


def _pieces(resp: StreamingResponse) -> Iterator[bytes]:
    if resp.chunked:
        yield from resp.read_chunked()
        return
    while True:
        data = resp.read1(65536)
        if not data:
            return
        yield data


def split_lines(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Complete non-blank lines from arbitrary pieces; a trailing unterminated line is kept
    (the API server ends each event with a newline, but a proxy may drop the last one)."""
    pending = b""
    for piece in pieces:
        if not piece:
            continue
        pending += piece
        if b"\n" not in piece:
            continue
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                yield line
    if pending.strip():
        yield pending


def json_lines(resp: StreamingResponse) -> Iterator[bytes]:
    """Each JSON line of a watch response as soon as it is complete."""
    return split_lines(_pieces(resp))
