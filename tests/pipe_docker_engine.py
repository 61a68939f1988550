"""A small Docker Engine API on a unix socket, for testing the docker builder's protocol where
no engine runs: ping/version, POST /build (reads the context tar the SDK sends, streams
`stream`/`aux`/`error` records as the engine does) and POST /images/NAME/push (checks
X-Registry-Auth, streams statuses and the `aux` digest record, or an error record)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socketserver
import tarfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

API_VERSION = "1.43"


@dataclass
class EngineState:
    builds: list[dict] = field(default_factory=list)
    pushes: list[dict] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)  # reference -> image id
    credentials: tuple[str, str] | None = None  # required push login, if any
    push_failures: list[str] = field(default_factory=list)  # errors for the next pushes


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args) -> None:
        pass

    def address_string(self) -> str:
        return "unix"

    @property
    def state(self) -> EngineState:
        return self.server.state  # type: ignore[attr-defined]

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, records: list[dict]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for record in records:  # one chunk per record, as the engine flushes them
            data = json.dumps(record).encode() + b"\r\n"
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _path(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/v1."):
            path = "/" + path.split("/", 2)[2]
        return path, parse_qs(parts.query)

    def do_HEAD(self) -> None:
        self._reply(200, b"")

    def do_GET(self) -> None:
        path, _ = self._path()
        if path == "/_ping":
            self._reply(200, b"OK", "text/plain")
        elif path == "/version":
            self._reply(200, json.dumps({"ApiVersion": API_VERSION, "Version": "24.0.7",
                                         "MinAPIVersion": "1.12", "Os": "linux"}).encode())
        elif path.startswith("/images/") and path.endswith("/json"):
            name = unquote(path[len("/images/"):-len("/json")])
            if name in self.state.images:
                self._reply(200, json.dumps({"Id": self.state.images[name]}).encode())
            else:
                self._reply(404, b'{"message":"No such image"}')
        else:
            self._reply(404, b'{"message":"page not found"}')

    def do_POST(self) -> None:
        path, query = self._path()
        body = self._body()
        if path == "/build":
            self._build(query, body)
        elif path.startswith("/images/") and path.endswith("/push"):
            self._push(unquote(path[len("/images/"):-len("/push")]), query)
        else:
            self._reply(404, b'{"message":"page not found"}')

    def _build(self, query: dict[str, list[str]], body: bytes) -> None:
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        dockerfile_name = query.get("dockerfile", ["Dockerfile"])[0]
        dockerfile = files.get(dockerfile_name, b"").decode()
        tag = query.get("t", [""])[0]
        args = json.loads(query.get("buildargs", ["{}"])[0])
        self.state.builds.append({"tag": tag, "dockerfile": dockerfile_name, "files":
                                  sorted(files), "buildargs": args,
                                  "target": query.get("target", [""])[0]})
        steps = [line for line in dockerfile.splitlines() if line.strip()]
        records: list[dict] = []
        for number, step in enumerate(steps, 1):
            records.append({"stream": f"Step {number}/{len(steps)} : {step}\n"})
            if step.startswith("RUN false"):
                records.append({"stream": " ---> Running in 0123456789ab\n"})
                records.append({"errorDetail": {"code": 1, "message": "The command '/bin/sh -c "
                                "false' returned a non-zero code: 1"},
                                "error": "The command '/bin/sh -c false' returned a non-zero "
                                         "code: 1"})
                self._stream(records)
                return
            records.append({"stream": f" ---> {hashlib.sha256(step.encode()).hexdigest()[:12]}\n"})
        image_id = "sha256:" + hashlib.sha256(body).hexdigest()
        records.append({"aux": {"ID": image_id}})
        records.append({"stream": f"Successfully built {image_id[7:19]}\n"})
        records.append({"stream": f"Successfully tagged {tag}\n"})
        self.state.images[tag] = image_id
        self._stream(records)

    def _push(self, name: str, query: dict[str, list[str]]) -> None:
        tag = query.get("tag", ["latest"])[0]
        header = self.headers.get("X-Registry-Auth", "")
        auth = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))) \
            if header else {}
        self.state.pushes.append({"name": name, "tag": tag, "auth": auth})
        reference = f"{name}:{tag}"
        if self.state.push_failures:
            error = self.state.push_failures.pop(0)
            self._stream([{"status": f"The push refers to repository [{name}]"},
                          {"errorDetail": {"message": error}, "error": error}])
            return
        wanted = self.state.credentials
        if wanted and (auth.get("username"), auth.get("password")) != wanted:
            error = "unauthorized: authentication required"
            self._stream([{"status": f"The push refers to repository [{name}]"},
                          {"errorDetail": {"message": error}, "error": error}])
            return
        if reference not in self.state.images:
            error = f"An image does not exist locally with the tag: {name}"
            self._stream([{"errorDetail": {"message": error}, "error": error}])
            return
        digest = "sha256:" + hashlib.sha256(
            f"manifest/{self.state.images[reference]}".encode()).hexdigest()
        layer = self.state.images[reference][7:19]
        self._stream([
            {"status": f"The push refers to repository [{name}]"},
            {"status": "Preparing", "progressDetail": {}, "id": layer},
            {"status": "Pushing", "progressDetail": {"current": 512, "total": 1024},
             "progress": "[=====>    ]", "id": layer},
            {"status": "Pushed", "progressDetail": {}, "id": layer},
            {"status": f"{tag}: digest: {digest} size: 527"},
            {"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest, "Size": 527}},
        ])


class FakeDockerEngine:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.state = EngineState()
        self.server = _Server(str(socket_path), _Handler)
        self.server.state = self.state  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True,
                                       name="fake-docker-engine")
        self.thread.start()

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.socket_path.unlink(missing_ok=True)
