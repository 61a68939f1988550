"""Port-forwards the explorer keeps open: a local listening socket per forward, and for each
accepted TCP connection its own WebSocket stream to pod:port through the official client's
`portforward` (as `kubectl port-forward` opens one stream per connection). Everything runs
on daemon threads; failures become one line in `error`, never an exception in the UI."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from typing import TYPE_CHECKING

from kubedeck.kube.errors import KubedeckError, RequestInfo, api_error

if TYPE_CHECKING:
    from kubedeck.kube.connect import Connection

_CHUNK = 65536
_POLL = 0.5
# kubernetes.stream swaps `call_api` on the ApiClient it is given while it opens a stream, so
# streams are opened one at a time, each on a client of its own (never the shared one).
_OPEN_LOCK = threading.Lock()


class PortForward:
    """address:local_port on this machine → namespace/pod:remote_port."""

    def __init__(self, conn: Connection, namespace: str, pod: str, remote_port: int,
                 local_port: int = 0, address: str = "127.0.0.1") -> None:
        self.conn = conn
        self.namespace = namespace
        self.pod = pod
        self.remote_port = remote_port
        self.local_port = local_port
        self.address = address
        self.started = 0.0
        self.error: str | None = None
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._api = None

    def __str__(self) -> str:
        return (f"{self.address}:{self.local_port} -> {self.namespace}/{self.pod}:"
                f"{self.remote_port}")

    @property
    def active_connections(self) -> int:
        with self._lock:
            return len(self._open) // 2

    @property
    def running(self) -> bool:
        return self._listener is not None and not self._stopping.is_set()

    def start(self) -> None:
        """Listen now (so a taken port fails at once, as a KubedeckError); forward on a
        background thread until `stop()`."""
        from kubernetes.client import ApiClient

        try:
            listener = socket.create_server((self.address, self.local_port), backlog=16)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise KubedeckError(f"error: unable to listen on {self.address}:{self.local_port} "
                                f"for port-forward to {self.namespace}/{self.pod}: {reason} - "
                                "choose another local port") from None
        self._api = ApiClient(configuration=self.conn.api_client.configuration)
        self._listener = listener
        self.local_port = listener.getsockname()[1]
        self.started = time.time()
        self._spawn(self._accept_loop, "accept")

    def stop(self) -> None:
        """Close the listener and every forwarded connection; the local port is free after."""
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            _shut(sock)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        if self._api is not None:
            self._api.close()
            self._api = None

    def _spawn(self, target, what: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name=f"kubedeck-pf-{what}-{self.local_port}")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([listener], [], [], _POLL)
                if not ready:
                    continue
                client, _addr = listener.accept()
            except (OSError, ValueError):
                return
            self._spawn(self._forward, "conn", client)

    def _open_stream(self):
        from kubernetes.client import CoreV1Api
        from kubernetes.stream import portforward

        with _OPEN_LOCK:
            return portforward(CoreV1Api(self._api).connect_get_namespaced_pod_portforward,
                               self.pod, self.namespace, ports=str(self.remote_port))

    def _forward(self, client: socket.socket) -> None:
        try:
            stream = self._open_stream()
        except Exception as exc:  # the client wraps every failure in ApiException(status=0)
            self.error = self._describe(exc)
            _shut(client)
            return
        remote = stream.socket(self.remote_port)
        with self._lock:
            self._open.update((client, remote))
        try:
            _pump(client, remote, self._stopping)
            failure = stream.error(self.remote_port)
            if failure:
                self.error = (f"port-forward {self}: {failure.strip()}")
        finally:
            with self._lock:
                self._open.difference_update((client, remote))
            _shut(client)
            _shut(remote)

    def _describe(self, exc: BaseException) -> str:
        """One line for a stream that could not be opened: the server's refusal (403 names
        the verb and resource) or why the server could not be reached."""
        cause = exc.__context__ or exc
        code = getattr(cause, "status_code", None)
        if code:
            body = getattr(cause, "resp_body", b"") or b""
            info = RequestInfo("create", "pods", "", self.namespace, self.pod, "portforward")
            return api_error(code, body if isinstance(body, bytes) else body.encode(), info,
                             context=self.conn.context, user=self.conn.user).message
        return self.conn.connect_error(cause).message


def _pump(a: socket.socket, b: socket.socket, stopping: threading.Event) -> None:
    """Copy both ways until either side closes or the forward stops."""
    peers = {a: b, b: a}
    while not stopping.is_set():
        try:
            ready, _, _ = select.select(list(peers), [], [], _POLL)
        except (OSError, ValueError):
            return
        for sock in ready:
            try:
                data = sock.recv(_CHUNK)
                if not data:
                    return
                peers[sock].sendall(data)
            except OSError:
                return


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class PortForwards:
    """The forwards of one session, listed by the `:pf` view."""

    def __init__(self) -> None:
        self._items: list[PortForward] = []
        self._lock = threading.Lock()

    def add(self, conn: Connection, namespace: str, pod: str, remote_port: int,
            local_port: int = 0, address: str = "127.0.0.1") -> PortForward:
        """Start a forward; raises KubedeckError when the local port cannot be taken."""
        forward = PortForward(conn, namespace, pod, remote_port, local_port, address)
        forward.start()
        with self._lock:
            self._items.append(forward)
        return forward

    def list(self) -> list[PortForward]:
        with self._lock:
            return list(self._items)

    def stop(self, forward: PortForward) -> None:
        with self._lock:
            if forward in self._items:
                self._items.remove(forward)
        forward.stop()

    def stop_all(self) -> None:
        for forward in self.list():
            self.stop(forward)
