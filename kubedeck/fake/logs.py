"""Container logs of the simulated cluster, generated from the clock instead of stored.

The kubelet records when each container instance started and finished; the lines of an
instance are a pure function of (profile, seed, start, finish, time). Reading computes only
the lines asked for (tail, since), so 50,000 running pods cost a few bytes each and a
follow stream costs nothing between lines.
"""

from __future__ import annotations

import math
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubedeck.fake.store import StoreError

if TYPE_CHECKING:
    from kubedeck.fake.cluster import FakeCluster

_WAITING_MESSAGES = {
    "ImagePullBackOff": "trying and failing to pull image",
    "ErrImagePull": "trying and failing to pull image",
}


@dataclass
class Instance:
    """One run of a container (a restart starts a new instance)."""

    started: float
    profile: str
    seed: int
    finished: float | None = None
    exit_code: int | None = None


@dataclass
class _PodLogs:
    uid: str
    containers: dict[str, list[Instance]] = field(default_factory=dict)


def rfc3339_nano(ts: float, salt: int = 0) -> str:
    """Go's RFC3339Nano (trailing zeros trimmed). A float carries microseconds at best
    today, so `salt` supplies the last three digits a real runtime would have."""
    micros = round(ts * 1e6)
    whole, frac_us = divmod(micros, 1_000_000)
    frac = f"{frac_us * 1000 + salt % 1000:09d}".rstrip("0")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + (f".{frac}" if frac else "") + "Z"


# -- profiles: what a container of a given image prints ---------------------------------------


def _clf(ts: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(ts))


def _nginx_start(ts: float) -> list[str]:
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(ts))
    return [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
        "configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of "
        "/etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in "
        "/etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
        f'{stamp} [notice] 1#1: using the "epoll" event method',
        f"{stamp} [notice] 1#1: nginx/1.27.1",
        f"{stamp} [notice] 1#1: start worker processes",
        f"{stamp} [notice] 1#1: start worker process 29",
    ]


_PATHS = ("/", "/", "/healthz", "/index.html", "/api/v1/items", "/static/app.js", "/favicon.ico")
_AGENTS = ('"kube-probe/1.31"', '"Mozilla/5.0 (X11; Linux x86_64)"', '"curl/8.5.0"')


def _access_line(seed: int, k: int, ts: float, size: int) -> str:
    h = zlib.crc32(f"{seed}:{k}".encode())
    path = _PATHS[h % len(_PATHS)]
    status = 404 if path == "/favicon.ico" else 200
    client = f"10.244.{h % 3}.{1 + (h >> 8) % 250}"
    return (f'{client} - - [{_clf(ts)}] "GET {path} HTTP/1.1" {status} '
            f'{size if status == 200 else 153} "-" {_AGENTS[(h >> 4) % len(_AGENTS)]} "-"')


def _redis_stamp(ts: float) -> str:
    ms = int((ts % 1) * 1000)
    return time.strftime("%d %b %Y %H:%M:%S", time.gmtime(ts)) + f".{ms:03d}"


def _redis_start(ts: float) -> list[str]:
    s = _redis_stamp(ts)
    return [
        f"1:C {s} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        f"1:C {s} * Redis version=7.4.0, bits=64, commit=00000000, modified=0, pid=1, "
        "just started",
        f"1:C {s} # Warning: no config file specified, using the default config.",
        f"1:M {s} * monotonic clock: POSIX clock_gettime",
        f"1:M {s} * Running mode=standalone, port=6379.",
        f"1:M {s} * Server initialized",
        f"1:M {s} * Ready to accept connections tcp",
    ]


def _generic_start(ts: float) -> list[str]:
    return [
        f'time="{rfc3339_nano(ts)}" level=info msg="starting server" version=1.4.2',
        f'time="{rfc3339_nano(ts)}" level=info msg="loaded configuration" '
        "source=/etc/app/config.yaml",
        f'time="{rfc3339_nano(ts)}" level=info msg="listening" addr=":8080"',
    ]


def _generic_line(seed: int, k: int, ts: float) -> str:
    h = zlib.crc32(f"{seed}:{k}".encode())
    path = _PATHS[h % len(_PATHS)]
    return (f'time="{rfc3339_nano(ts)}" level=info msg="request handled" method=GET '
            f'path={path} status=200 duration={1 + h % 40}.{h % 10}ms')


def _crash_start(ts: float) -> list[str]:
    return [
        "Starting application (pid 1)",
        "Loading configuration from /etc/app/config.yaml",
        "Connecting to database at db:5432",
    ]


def _job_start(ts: float) -> list[str]:
    return [f"Starting job at {time.strftime('%a %b %d %H:%M:%S UTC %Y', time.gmtime(ts))}",
            "Processing batch 1/1"]


@dataclass(frozen=True)
class Profile:
    """How one kind of container writes logs: startup lines, periodic lines, exit lines."""

    start: Callable[[float], list[str]]
    period: float = 0.0
    line: Callable[[int, int, float], str] | None = None
    exit_ok: tuple[str, ...] = ()
    exit_error: tuple[str, ...] = ()


PROFILES: dict[str, Profile] = {
    "nginx": Profile(_nginx_start, 10.0, lambda s, k, t: _access_line(s, k, t, 615),
                     exit_ok=("[notice] 1#1: signal 3 (SIGQUIT) received, shutting down",)),
    "apache": Profile(lambda t: [
        "AH00558: apache2: Could not reliably determine the server's fully qualified domain "
        "name, using 10.244.0.5. Set the 'ServerName' directive globally to suppress this "
        "message",
        f"[{time.strftime('%a %b %d %H:%M:%S.000000 %Y', time.gmtime(t))}] [mpm_prefork:notice] "
        "[pid 1] AH00163: Apache/2.4.38 (Debian) PHP/7.3.33 configured -- resuming normal "
        "operations"],
        10.0, lambda s, k, t: _access_line(s, k, t, 1184)),
    "redis": Profile(_redis_start, 60.0,
                     lambda s, k, t: f"1:M {_redis_stamp(t)} * DB saved on disk"),
    "generic": Profile(_generic_start, 15.0, _generic_line),
    "crashloop": Profile(_crash_start, exit_error=(
        "Error: dial tcp 10.96.0.42:5432: connect: connection refused",
        "Application exited with error (exit code 1)")),
    "job": Profile(_job_start, exit_ok=("Batch complete: 1 item processed", "Done."),
                   exit_error=("Error: batch failed",)),
}


def profile_for(image: str, mode: str, terminates: bool) -> str:
    """Pick the log profile a container of this image behaves like."""
    if mode == "crashloop":
        return "crashloop"
    if terminates:
        return "job"
    name = image.lower()
    for key, profile in (("nginx", "nginx"), ("frontend", "apache"), ("php", "apache"),
                         ("httpd", "apache"), ("redis", "redis")):
        if key in name:
            return profile
    return "generic"


_STEP = 0.000_123  # spacing of lines written in one burst (startup, exit)


def _lines(inst: Instance, since: float, until: float, tail: int | None) -> list[tuple[float, str]]:
    """Lines of one instance with since <= time <= until, at most the last `tail`."""
    profile = PROFILES[inst.profile]
    end = until if inst.finished is None else min(until, inst.finished)
    out = [(inst.started + i * _STEP, text) for i, text in enumerate(profile.start(inst.started))]
    if profile.period and profile.line is not None:
        first = inst.started + profile.period
        if end >= first:
            k_last = int((end - first) // profile.period)
            k_first = 0 if since <= first else math.ceil((since - first) / profile.period)
            if tail is not None:
                k_first = max(k_first, k_last - tail + 1)
            for k in range(k_first, k_last + 1):
                ts = first + k * profile.period
                out.append((ts, profile.line(inst.seed, k, ts)))
    if inst.finished is not None and inst.finished <= until:
        tail_lines = profile.exit_ok if inst.exit_code == 0 else profile.exit_error
        n = len(tail_lines)
        out.extend((inst.finished - (n - i) * _STEP, text) for i, text in enumerate(tail_lines))
    out = [(ts, text) for ts, text in out if since <= ts <= until]
    out.sort(key=lambda x: x[0])
    if tail is not None:
        out = out[-tail:] if tail > 0 else []
    return out


def _format(lines: list[tuple[float, str]], timestamps: bool) -> list[str]:
    if timestamps:
        return [f"{rfc3339_nano(ts, zlib.crc32(text.encode()))} {text}" for ts, text in lines]
    return [text for _, text in lines]


class LogStore:
    """Per-container log instances (current and previous), fed by the kubelet simulation."""

    def __init__(self, cluster: FakeCluster) -> None:
        self._cluster = cluster
        self._cond = threading.Condition()
        self._pods: dict[tuple[str, str], _PodLogs] = {}

    # -- kubelet side ----------------------------------------------------------------------

    def start(self, namespace: str, pod: str, uid: str, container: str, started: float,
              profile: str) -> None:
        """A new instance of `container` began at `started`."""
        with self._cond:
            logs = self._pods.get((namespace, pod))
            if logs is None or logs.uid != uid:
                logs = self._pods[(namespace, pod)] = _PodLogs(uid)
            seed = zlib.crc32(f"{uid}/{container}".encode())
            runs = logs.containers.setdefault(container, [])
            runs.append(Instance(started, profile, seed + len(runs)))
            del runs[:-2]
            self._cond.notify_all()

    def finish(self, namespace: str, pod: str, uid: str, container: str, finished: float,
               exit_code: int) -> None:
        with self._cond:
            logs = self._pods.get((namespace, pod))
            runs = logs.containers.get(container) if logs and logs.uid == uid else None
            if runs and runs[-1].finished is None:
                runs[-1].finished = finished
                runs[-1].exit_code = exit_code
            self._cond.notify_all()

    def forget(self, namespace: str, pod: str, uid: str) -> None:
        with self._cond:
            logs = self._pods.get((namespace, pod))
            if logs is not None and logs.uid == uid:
                del self._pods[(namespace, pod)]
            self._cond.notify_all()

    # -- API side --------------------------------------------------------------------------

    def _resolve(self, namespace: str, pod: str, container: str | None,
                 previous: bool) -> tuple[str, str, Instance]:
        """(pod uid, container name, instance), or the API server's error."""
        rt = self._cluster.type_for("pods")
        obj = self._cluster.store.require(rt, namespace, pod)
        spec = obj.get("spec") or {}
        names = [c["name"] for c in spec.get("containers") or ()]
        init_names = [c["name"] for c in spec.get("initContainers") or ()]
        if container is None:
            if len(names) != 1:
                msg = (f"a container name must be specified for pod {pod}, "
                       f"choose one of: [{' '.join(names)}]")
                if init_names:
                    msg += f" or one of the init containers: [{' '.join(init_names)}]"
                raise StoreError(400, "BadRequest", msg)
            container = names[0]
        elif container not in names + init_names:
            raise StoreError(400, "BadRequest", f"container {container} is not valid for pod {pod}")
        uid = obj["metadata"].get("uid", "")
        with self._cond:
            logs = self._pods.get((namespace, pod))
            runs = list(logs.containers.get(container, ())) if logs and logs.uid == uid else []
        if previous:
            if len(runs) < 2:
                raise StoreError(400, "BadRequest",
                                 f'previous terminated container "{container}" in pod "{pod}" '
                                 "not found")
            return uid, container, runs[-2]
        if not runs:
            reason = _waiting_reason(obj, container)
            raise StoreError(400, "BadRequest", f'container "{container}" in pod "{pod}" is '
                             f"waiting to start: {_WAITING_MESSAGES.get(reason, reason)}")
        return uid, container, runs[-1]

    def read(self, namespace: str, pod: str, container: str | None = None, *,
             previous: bool = False, tail_lines: int | None = None,
             since_seconds: int | None = None, timestamps: bool = False) -> list[str]:
        """Log lines (without newlines) as `kubectl logs` would print them."""
        _, _, inst = self._resolve(namespace, pod, container, previous)
        now = self._cluster.clock.now()
        since = now - since_seconds if since_seconds is not None else -math.inf
        return _format(_lines(inst, since, now, tail_lines), timestamps)

    def follow(self, namespace: str, pod: str, container: str | None = None, *,
               tail_lines: int | None = None, since_seconds: int | None = None,
               timestamps: bool = False, stop: threading.Event | None = None) -> Iterator[str]:
        """Lines so far, then new ones as they are written, until the container instance
        ends, the pod goes away or `stop` is set. Errors are raised here, before the
        first line, so callers can answer with a status instead of a stream."""
        uid, name, inst = self._resolve(namespace, pod, container, False)
        return self._follow(namespace, pod, uid, name, inst, tail_lines, since_seconds,
                            timestamps, stop)

    def _follow(self, namespace: str, pod: str, uid: str, container: str, inst: Instance,
                tail_lines: int | None, since_seconds: int | None, timestamps: bool,
                stop: threading.Event | None) -> Iterator[str]:
        clock = self._cluster.clock
        now = clock.now()
        since = now - since_seconds if since_seconds is not None else -math.inf
        yield from _format(_lines(inst, since, now, tail_lines), timestamps)
        cursor = now
        while stop is None or not stop.is_set():
            now = clock.now()
            if now > cursor:
                fresh = [(ts, text) for ts, text in _lines(inst, cursor, now, None)
                         if ts > cursor]
                cursor = now
                yield from _format(fresh, timestamps)
            with self._cond:
                logs = self._pods.get((namespace, pod))
                gone = logs is None or logs.uid != uid
                if inst.finished is not None and inst.finished <= cursor or gone:
                    return
                self._cond.wait(0.1)


def _waiting_reason(pod: dict, container: str) -> str:
    status = pod.get("status") or {}
    for cs in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
        if cs.get("name") == container:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            return waiting.get("reason") or "ContainerCreating"
    return "ContainerCreating"
