"""The Kubernetes channel protocols over WebSocket (exec, attach, portforward): the HTTP
upgrade on a BaseHTTPRequestHandler's connection, then messages whose first byte names the
channel. wsproto does the framing; this module only knows the channel conventions."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import generate_accept_token, split_comma_header

from kubedeck.fake.api_errors import bad_request
from kubedeck.fake.store import StoreError

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
V1 = "channel.k8s.io"
PORTFORWARD = "portforward.k8s.io"
# v5's in-band signal: [255, channel] closes that channel (stdin EOF from the client).
CLOSE_SIGNAL = 255
_READ_SIZE = 65536
# How long a peer gets to answer our close frame before the connection is cut.
_CLOSE_GRACE = 5.0


def is_upgrade(handler: BaseHTTPRequestHandler) -> bool:
    return ((handler.headers.get("Upgrade") or "").lower() == "websocket"
            and "upgrade" in (handler.headers.get("Connection") or "").lower())


def requested_protocols(handler: BaseHTTPRequestHandler) -> list[str]:
    values = handler.headers.get_all("Sec-WebSocket-Protocol") or []
    return [p for v in values for p in split_comma_header(v.encode())]


def choose_protocol(requested: list[str], supported: tuple[str, ...]) -> str:
    """The first protocol the client asked for that we speak; no header means the base
    `channel.k8s.io` protocol, as the API server treats it."""
    if not requested:
        return ""
    for proto in requested:
        if proto in supported:
            return proto
    raise bad_request(f"requested protocol(s) are not supported: {requested}; supports "
                      f"{list(supported)}")


class ChannelConnection:
    """One upgraded connection. `send()` is safe from any thread; `messages()` is read by one
    thread (the handler's) until the peer closes or the connection drops."""

    def __init__(self, handler: BaseHTTPRequestHandler, protocol: str) -> None:
        self.protocol = protocol
        self._h = handler
        self._ws = Connection(ConnectionType.SERVER)
        self._lock = threading.Lock()
        self.closed = threading.Event()

    @classmethod
    def accept(cls, handler: BaseHTTPRequestHandler, protocol: str) -> ChannelConnection:
        key = handler.headers.get("Sec-WebSocket-Key")
        if not key:
            raise StoreError(400, "BadRequest", "missing Sec-WebSocket-Key header")
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", generate_accept_token(key.encode()).decode())
        if protocol:
            handler.send_header("Sec-WebSocket-Protocol", protocol)
        handler.end_headers()
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.settimeout(None)  # an idle shell is not a dead connection
        return cls(handler, protocol)

    def _write(self, data: bytes) -> None:
        if not data:
            return
        try:
            self._h.wfile.write(data)
        except (OSError, ValueError):
            self.closed.set()

    def send(self, channel: int, data: bytes = b"") -> None:
        with self._lock:
            if self.closed.is_set():
                return
            self._write(self._ws.send(BytesMessage(data=bytes([channel]) + data)))

    def close(self, code: int = 1000) -> None:
        """Send our close frame; the peer's answer (or its going away) ends `messages()`."""
        with self._lock:
            if self.closed.is_set():
                return
            with contextlib.suppress(Exception):
                self._write(self._ws.send(CloseConnection(code=code)))
            self.closed.set()
        cutter = threading.Timer(_CLOSE_GRACE, self._cut)
        cutter.daemon = True
        cutter.start()

    def _cut(self) -> None:
        with contextlib.suppress(OSError):
            self._h.connection.shutdown(socket.SHUT_RDWR)

    def messages(self) -> Iterator[tuple[int, bytes]]:
        """(channel, payload) for every complete message the client sends."""
        parts: list[bytes] = []
        while True:
            try:
                data = self._h.rfile.read1(_READ_SIZE)
            except (OSError, ValueError):
                data = b""
            with self._lock:
                self._ws.receive_data(data or None)
                events = list(self._ws.events())
            for event in events:
                if isinstance(event, Ping):
                    with self._lock:
                        self._write(self._ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    with self._lock:
                        if not self.closed.is_set():
                            with contextlib.suppress(Exception):
                                self._write(self._ws.send(event.response()))
                        self.closed.set()
                    return
                elif isinstance(event, (BytesMessage, TextMessage)):
                    chunk = event.data if isinstance(event.data, bytes) else event.data.encode()
                    parts.append(chunk)
                    if event.message_finished:
                        message, parts = b"".join(parts), []
                        if message:
                            yield message[0], message[1:]
            if not data:
                self.closed.set()
                return
