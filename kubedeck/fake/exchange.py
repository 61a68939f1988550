"""One HTTP request and its answer: plain bodies with Content-Length on a keep-alive
connection, or a chunked stream (watch, log follow) that notices when the client goes away."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler

import msgspec

JSON = "application/json"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    user: str = ""
    groups: tuple[str, ...] = field(default=())

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true", "yes")

    @property
    def accept(self) -> str:
        return self.headers.get("Accept", "") or ""

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type", "") or "").split(";")[0].strip().lower()


class ClientGone(Exception):
    """The peer closed the connection while we were streaming to it."""


class Exchange:
    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._h = handler
        self.streaming = False

    @property
    def handler(self) -> BaseHTTPRequestHandler:
        """The connection itself, for protocols that take it over (WebSocket upgrades)."""
        return self._h

    def respond(self, code: int, body: bytes, content_type: str = JSON,
                headers: dict[str, str] | None = None) -> None:
        h = self._h
        h.send_response(code)
        h.send_header("Content-Type", content_type)
        h.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def respond_json(self, code: int, obj: object, headers: dict[str, str] | None = None) -> None:
        self.respond(code, msgspec.json.encode(obj), JSON, headers)

    def start_stream(self, content_type: str = JSON, code: int = 200) -> None:
        h = self._h
        h.send_response(code)
        h.send_header("Content-Type", content_type)
        h.send_header("Cache-Control", "no-cache, private")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        self.streaming = True

    def write_chunk(self, data: bytes) -> None:
        """Send one chunk; raises ClientGone when the peer has left."""
        if not data:
            return
        try:
            self._h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        except (OSError, ValueError) as exc:
            self._h.close_connection = True
            raise ClientGone() from exc

    def end_stream(self) -> None:
        try:
            self._h.wfile.write(b"0\r\n\r\n")
        except (OSError, ValueError):
            self._h.close_connection = True

    def abort(self) -> None:
        """Drop the connection mid-answer, as a crashed server or a broken network would."""
        self._h.close_connection = True
        with contextlib.suppress(OSError):
            self._h.connection.shutdown(socket.SHUT_RDWR)

    def client_gone(self) -> bool:
        """True once the peer has closed its side (clients never send while we stream)."""
        sock = self._h.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            if isinstance(sock, ssl.SSLSocket):
                return True
            return sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True
