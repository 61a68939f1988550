"""The simulated application behind a demo pod's declared container ports: a tiny HTTP/1.1
server (h11 does the protocol) that says which pod and image answered. Port-forward uses
it; deploy checks (blue-green) can talk to it the same way."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import h11

from kubedeck.fake.images import image_tag

_SERVER = b"kubedeck-demo-app"


def listener(pod: dict, port: int) -> dict | None:
    """The container of `pod` that declares `port` (and so listens on it), if any."""
    for c in (pod.get("spec") or {}).get("containers") or []:
        if any(p.get("containerPort") == port for p in c.get("ports") or []):
            return c
    return None


@dataclass(frozen=True)
class Reply:
    status: int
    body: str


def route(pod: dict, container: dict, method: str, path: str) -> Reply:
    """What the app answers; the same on every port it listens on."""
    meta = pod.get("metadata") or {}
    image = container.get("image", "")
    path = path.split("?", 1)[0]
    if method not in ("GET", "HEAD"):
        return Reply(405, "method not allowed\n")
    if path == "/":
        return Reply(200, f"Hello from pod {meta.get('namespace')}/{meta.get('name')} "
                          f"(container {container.get('name')}, image {image})\n")
    if path == "/healthz":
        return Reply(200, "ok\n")
    if path == "/version":
        return Reply(200, image_tag(image) + "\n")
    return Reply(404, "404 page not found\n")


class HttpConnection:
    """One TCP connection to the app: bytes in, bytes out, keep-alive as the client asks."""

    def __init__(self, pod: dict, container: dict) -> None:
        self._pod = pod
        self._container = container
        self._h11 = h11.Connection(h11.SERVER)
        self.closed = False

    def receive(self, data: bytes) -> bytes:
        """Feed what the client sent (b"" = it closed); returns what the app writes back."""
        out = []
        self._h11.receive_data(data)
        while not self.closed:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError:
                out.append(self._send_bad_request())
                break
            if event is h11.NEED_DATA or event is h11.PAUSED:
                if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
                    self._h11.start_next_cycle()
                    continue
                break
            if isinstance(event, h11.ConnectionClosed):
                self.closed = True
            elif isinstance(event, h11.Request):
                out.append(self._answer(event))
        if self._h11.our_state in (h11.MUST_CLOSE, h11.CLOSED):
            self.closed = True
        return b"".join(out)

    def _answer(self, request: h11.Request) -> bytes:
        reply = route(self._pod, self._container, request.method.decode(),
                      request.target.decode(errors="replace"))
        body = reply.body.encode()
        headers = [("Content-Type", "text/plain; charset=utf-8"),
                   ("Content-Length", str(len(body))), ("Server", _SERVER)]
        data = self._h11.send(h11.Response(status_code=reply.status, headers=headers,
                                           reason=HTTPStatus(reply.status).phrase.encode()))
        if request.method != b"HEAD":
            data += self._h11.send(h11.Data(data=body))
        return data + self._h11.send(h11.EndOfMessage())

    def _send_bad_request(self) -> bytes:
        self.closed = True
        return (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
