"""GET pods/<name>/log: a plain-text answer, or with follow=true a chunked stream that lasts
until the container ends, the client leaves or the server stops."""

from __future__ import annotations

import calendar
import threading
import time

from kubedeck.fake.api_errors import bad_request
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.exchange import ClientGone, Exchange, Request

TEXT = "text/plain"
_WATCHDOG_TICK = 0.25


def _int(req: Request, name: str) -> int | None:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f'{name}: Invalid value: "{raw}": must be an integer') from None


def _since_seconds(req: Request, now: float) -> int | None:
    seconds = _int(req, "sinceSeconds")
    if seconds is not None and seconds < 1:
        raise bad_request(f"sinceSeconds: Invalid value: {seconds}: must be greater than 0")
    since_time = req.query.get("sinceTime")
    if since_time:
        try:
            ts = calendar.timegm(time.strptime(since_time[:19], "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            raise bad_request(f'sinceTime: Invalid value: "{since_time}": not RFC3339') from None
        return max(1, int(now - ts))
    return seconds


def _line(text: str) -> bytes:
    return (text if text.endswith("\n") else text + "\n").encode()


def serve_logs(ex: Exchange, req: Request, cluster: FakeCluster, namespace: str, pod: str,
               stopping: threading.Event) -> None:
    container = req.query.get("container") or None
    tail = _int(req, "tailLines")
    limit = _int(req, "limitBytes")
    since = _since_seconds(req, cluster.clock.now())
    timestamps = req.flag("timestamps")
    if not req.flag("follow"):
        lines = cluster.logs(namespace, pod, container, previous=req.flag("previous"),
                             tail_lines=tail, since_seconds=since, timestamps=timestamps)
        body = b"".join(_line(s) for s in lines)
        ex.respond(200, body[:limit] if limit is not None and limit >= 0 else body, TEXT)
        return
    stop = threading.Event()
    lines_iter = cluster.follow_logs(namespace, pod, container, tail_lines=tail,
                                     since_seconds=since, timestamps=timestamps, stop=stop)
    ex.start_stream(TEXT)
    watchdog = threading.Thread(target=_watch_client, args=(ex, stop, stopping), daemon=True,
                                name="kubedeck-log-watchdog")
    watchdog.start()
    budget = limit if limit is not None and limit >= 0 else None
    try:
        for text in lines_iter:
            data = _line(text)
            if budget is not None:
                data, budget = data[:budget], budget - len(data[:budget])
            ex.write_chunk(data)
            if budget == 0 or stop.is_set():
                break
        ex.end_stream()
    except ClientGone:
        pass
    finally:
        stop.set()


def _watch_client(ex: Exchange, stop: threading.Event, stopping: threading.Event) -> None:
    """Ends a follow stream whose client left while no line was due."""
    while not stop.wait(_WATCHDOG_TICK):
        if stopping.is_set() or ex.client_gone():
            stop.set()
