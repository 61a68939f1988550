"""Container logs as a stream of lines (the `l`/`p` keys), and several pods' streams merged.

A follow stream blocks in a socket read; `stop` is honoured by a watcher thread that shuts
the socket down, which makes the read return at once instead of at the next log line."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubedeck.kube.connect import Connection
from kubedeck.kube.errors import ApiError, KubedeckError

CHUNK = 64 * 1024
WATCH_INTERVAL = 0.25
_DONE = object()


def _until(stop: threading.Event, finished: threading.Event) -> bool:
    """Block until `stop` (True) or `finished` (False) is set. The caller's event is never
    set by us: the UI reads it to tell "the user stopped" from "the stream ended"."""
    while not stop.wait(WATCH_INTERVAL):
        if finished.is_set():
            return False
    return True


@dataclass(frozen=True)
class LogOptions:
    container: str | None = None
    previous: bool = False
    timestamps: bool = False
    since_seconds: int | None = None
    tail_lines: int | None = None
    follow: bool = True


def _query(opts: LogOptions) -> dict[str, object]:
    return {"container": opts.container, "follow": opts.follow or None,
            "previous": opts.previous or None, "timestamps": opts.timestamps or None,
            "sinceSeconds": opts.since_seconds, "tailLines": opts.tail_lines}


def _open(conn: Connection, namespace: str, pod: str, opts: LogOptions):
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
    try:
        return conn.stream(path, _query(opts), accept="*/*")
    except ApiError as exc:
        which = f' container "{opts.container}"' if opts.container else ""
        if exc.code == 404:
            raise KubedeckError(f'pod "{pod}" not found in namespace "{namespace}" '
                                "(it was deleted)") from None
        if exc.code == 400 and opts.previous and "previous terminated container" in exc.message:
            raise KubedeckError(f'no previous logs for pod "{pod}"{which} in namespace '
                                f'"{namespace}": it has not restarted') from None
        if exc.code == 400:
            detail = exc.message.removeprefix("Error from server (BadRequest): ")
            raise KubedeckError(f'cannot read logs of pod "{pod}"{which} in namespace '
                                f'"{namespace}": {detail}') from None
        raise


def stream_logs(conn: Connection, namespace: str, pod: str, opts: LogOptions,
                stop: threading.Event) -> Iterator[bytes]:
    """Lines (without the newline) until the stream ends or `stop` is set. The request is
    sent at once, so a missing pod or container raises here, not at the first line."""
    return _lines(conn, _open(conn, namespace, pod, opts), pod, stop)


def _lines(conn: Connection, resp, pod: str, stop: threading.Event) -> Iterator[bytes]:
    closed = threading.Event()

    def closer() -> None:
        """Shut the socket for reading: a read blocked in another thread returns at once
        (closing the response instead would wait for that read's buffer lock)."""
        if _until(stop, closed) and not closed.is_set():
            with contextlib.suppress(ValueError, RuntimeError, OSError):
                resp.shutdown()

    threading.Thread(target=closer, name=f"logs-stop-{pod}", daemon=True).start()
    pending = b""
    try:
        while not stop.is_set():
            try:
                chunk = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
            except Exception as exc:
                if stop.is_set():
                    return
                raise conn.connect_error(exc) from None
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if stop.is_set():
                    return
                yield line
        if pending and not stop.is_set():
            yield pending
    finally:
        closed.set()
        resp.close()
        resp.release_conn()


def merge_streams(conn: Connection, namespace: str, pods: Sequence[str], opts: LogOptions,
                  stop: threading.Event, maxsize: int = 1000
                  ) -> Iterator[tuple[str, bytes]]:
    """(pod, line) from every pod's stream as lines arrive; a bounded queue makes a fast pod
    wait for the reader instead of growing memory. A pod whose stream fails yields one
    `(pod, b"error: ...")` line and the others go on. Each pod has its own stop event (one
    stream ending must not stop its siblings); `stop` sets them all."""
    out: queue.Queue = queue.Queue(maxsize=maxsize)
    stops = [threading.Event() for _ in pods]

    finished = threading.Event()

    def relay() -> None:
        _until(stop, finished)
        for event in stops:
            event.set()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def pump(pod: str, own_stop: threading.Event) -> None:
        try:
            for line in stream_logs(conn, namespace, pod, opts, own_stop):
                if not put((pod, line)):
                    return
        except KubedeckError as exc:
            put((pod, f"error: {exc.message}".encode()))
        finally:
            put(_DONE)

    threading.Thread(target=relay, name="logs-merge-stop", daemon=True).start()
    for pod, own_stop in zip(pods, stops, strict=True):
        threading.Thread(target=pump, args=(pod, own_stop), name=f"logs-{pod}",
                         daemon=True).start()
    running = len(pods)
    try:
        while running and not stop.is_set():
            try:
                item = out.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _DONE:
                running -= 1
                continue
            yield item
    finally:
        finished.set()
