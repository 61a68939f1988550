"""A raw HTTP client for tests of the simulated API server: status codes, headers and bodies
exactly as sent, and watch streams read line by line."""

from __future__ import annotations

import http.client
import json
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kubedeck.fake.serve import RunningServer

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def ssl_context(running: RunningServer, client_cert: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=running.ca_pem.decode())
    if client_cert:
        folder = Path(tempfile.mkdtemp(prefix="kubedeck-test-cert-"))
        (folder / "c.crt").write_bytes(running.client_cert_pem)
        (folder / "c.key").write_bytes(running.client_key_pem)
        ctx.load_cert_chain(folder / "c.crt", folder / "c.key")
    return ctx


class Api:
    def __init__(self, running: RunningServer, *, token: str | None = None,
                 client_cert: bool = True, timeout: float = 10) -> None:
        url = urlsplit(running.url)
        self.host, self.port = url.hostname, url.port
        self.context = ssl_context(running, client_cert) if url.scheme == "https" else None
        self.token = token
        self.timeout = timeout

    def connect(self) -> http.client.HTTPConnection:
        if self.context is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _headers(self, extra: dict | None) -> dict:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, body: object = None,
                content_type: str = "application/json", headers: dict | None = None) -> Reply:
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = self._headers(headers)
        if data is not None:
            hdrs["Content-Type"] = content_type
        conn = self.connect()
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def stream(self, path: str, headers: dict | None = None) -> Stream:
        conn = self.connect()
        conn.request("GET", path, headers=self._headers(headers))
        return Stream(conn, conn.getresponse())


class Stream:
    """An open streaming answer (watch or log follow)."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse) -> None:
        self.conn = conn
        self.resp = resp
        self.status = resp.status

    def line(self) -> bytes:
        """The next line; b"" at the clean end of the stream."""
        return self.resp.readline()

    def event(self) -> dict:
        raw = self.line()
        assert raw, "the watch stream ended"
        return json.loads(raw)

    def events_until(self, predicate, limit: int = 200) -> list[dict]:
        seen = []
        for _ in range(limit):
            ev = self.event()
            seen.append(ev)
            if predicate(ev):
                return seen
        raise AssertionError(f"no matching event in {limit}: {seen[-3:]}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
