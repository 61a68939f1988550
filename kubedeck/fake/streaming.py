"""pods/exec, pods/attach and pods/portforward over WebSocket, as the API server and kubelet
answer them: checks first (plain HTTP errors, so kubectl's SPDY fallback sees the same
answer), then the upgrade and a simulated process or application on the channels."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from kubedeck.fake.api_errors import bad_request
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.exchange import Exchange
from kubedeck.fake.execshell import Box, Process
from kubedeck.fake.podapps import HttpConnection, listener
from kubedeck.fake.store import StoreError
from kubedeck.fake.ttyio import Stdin, Terminal
from kubedeck.fake.wschannels import (
    CLOSE_SIGNAL,
    PORTFORWARD,
    V1,
    V4,
    V5,
    ChannelConnection,
    choose_protocol,
    is_upgrade,
    requested_protocols,
)

SUBRESOURCES = frozenset({"exec", "attach", "portforward"})
_EXEC_PROTOCOLS = (V5, V4, V1)
_PORTFORWARD_PROTOCOLS = (V4, V1, PORTFORWARD)
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
_TEXT = "text/plain; charset=utf-8"
_PROCESS_JOIN = 5.0


class _KubeletError(Exception):
    """The kubelet's plain-text refusal, passed through by the API server."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def serve(ex: Exchange, cluster: FakeCluster, namespace: str, name: str,
          subresource: str) -> None:
    query = parse_qs(urlsplit(ex.handler.path).query, keep_blank_values=True)
    pod = cluster.get(cluster.type_for("pods"), namespace, name)
    try:
        if not (pod.get("spec") or {}).get("nodeName"):
            raise bad_request(f"pod {name} does not have a host assigned")
        if subresource == "portforward":
            _portforward(ex, pod, query)
        else:
            _exec_or_attach(ex, cluster, pod, query, subresource)
    except _KubeletError as err:
        ex.respond(err.code, err.text.encode(), _TEXT)


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return (query.get(name) or [""])[-1].lower() in ("1", "true", "yes")


def _protocol(ex: Exchange, supported: tuple[str, ...]) -> str:
    """The WebSocket subprotocol to answer with. SPDY (kubectl's fallback, and the SPDY
    tunnel `kubectl port-forward` asks for) is refused in words a user can act on."""
    if not is_upgrade(ex.handler):
        if (ex.handler.headers.get("Upgrade") or "").upper().startswith("SPDY"):
            raise bad_request("the simulated cluster streams over WebSocket only, not SPDY")
        raise bad_request("Upgrade request required")
    requested = requested_protocols(ex.handler)
    if any(p.startswith("SPDY/") for p in requested) and not set(requested) & set(supported):
        raise bad_request(f"the simulated cluster streams over WebSocket with {list(supported)}, "
                          "not tunnelled SPDY")
    return choose_protocol(requested, supported)


def _upgrade(ex: Exchange, supported: tuple[str, ...]) -> ChannelConnection:
    return ChannelConnection.accept(ex.handler, _protocol(ex, supported))


# -- exec and attach -------------------------------------------------------------------------


def _container(pod: dict, query: dict[str, list[str]]) -> dict:
    spec = pod.get("spec") or {}
    name = (query.get("container") or [""])[-1]
    pod_name = pod["metadata"]["name"]
    main = spec.get("containers") or []
    if not name:
        if len(main) == 1:
            return main[0]
        names = " ".join(c["name"] for c in main)
        raise bad_request(f"a container name must be specified for pod {pod_name}, choose one "
                          f"of: [{names}]")
    everyone = [*main, *(spec.get("initContainers") or []),
                *(spec.get("ephemeralContainers") or [])]
    for c in everyone:
        if c["name"] == name:
            return c
    raise bad_request(f"container {name} is not valid for pod {pod_name}")


def _running(pod: dict, container: str) -> bool:
    status = pod.get("status") or {}
    statuses = [*(status.get("containerStatuses") or []),
                *(status.get("initContainerStatuses") or []),
                *(status.get("ephemeralContainerStatuses") or [])]
    return any(s.get("name") == container and "running" in (s.get("state") or {})
               for s in statuses)


def _box(cluster: FakeCluster, pod: dict, container: dict) -> Box:
    meta, status = pod["metadata"], pod.get("status") or {}
    env = {e["name"]: str(e.get("value", "")) for e in container.get("env") or []
           if "name" in e}
    try:
        api_ip = cluster.get(cluster.type_for("services"), "default",
                             "kubernetes")["spec"].get("clusterIP", "10.96.0.1")
    except StoreError:
        api_ip = "10.96.0.1"
    env.update({"KUBERNETES_SERVICE_HOST": api_ip, "KUBERNETES_SERVICE_PORT": "443",
                "KUBERNETES_SERVICE_PORT_HTTPS": "443",
                "KUBERNETES_PORT": f"tcp://{api_ip}:443"})
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    main = " ".join(argv) or container.get("image", "").rsplit("/", 1)[-1].split(":")[0]
    return Box(meta["namespace"], meta["name"], container["name"], container.get("image", ""),
               pod["spec"].get("nodeName", ""), status.get("podIP", ""), env,
               cluster.clock.now, main)


def _exec_or_attach(ex: Exchange, cluster: FakeCluster, pod: dict,
                    query: dict[str, list[str]], subresource: str) -> None:
    command = query.get("command") or []
    if subresource == "exec" and not command:
        raise bad_request("you must specify at least 1 command")
    streams = {s: _flag(query, s) for s in ("stdin", "stdout", "stderr")}
    tty = _flag(query, "tty")
    if not any(streams.values()):
        raise bad_request("you must specify at least one of stdin, stdout, or stderr")
    container = _container(pod, query)
    if pod.get("status", {}).get("phase") in ("Succeeded", "Failed") or not _running(
            pod, container["name"]):
        raise _KubeletError(404, f'container not found ("{container["name"]}")')
    conn = _upgrade(ex, _EXEC_PROTOCOLS)

    def writer(channel: int) -> Callable[[str], None]:
        target = STDOUT if tty else channel
        if not streams["stdout" if target == STDOUT else "stderr"]:
            return lambda _text: None
        if tty:
            return lambda text: conn.send(target, text.replace("\n", "\r\n").encode())
        return lambda text: conn.send(target, text.encode())

    echo = writer(STDOUT)
    stdin: Stdin = Terminal(lambda text: conn.send(STDOUT, text.encode())) if tty else Stdin()
    if not streams["stdin"]:
        stdin.close()
    if subresource == "exec":
        body = Process(_box(cluster, pod, container), stdin, echo, writer(STDERR), tty).run
    else:
        body = _attach_body(cluster, pod, container["name"], stdin, echo)
    done = threading.Thread(target=_finish, args=(conn, body, command),
                            name="kubedeck-sim-exec", daemon=True)
    done.start()
    for channel, data in conn.messages():
        if channel == STDIN and streams["stdin"]:
            stdin.feed(data)
        elif channel == RESIZE and isinstance(stdin, Terminal):
            _resize(stdin, data)
        elif channel == CLOSE_SIGNAL and conn.protocol == V5 and data[:1] == bytes([STDIN]):
            stdin.close()
    stdin.hang_up()
    done.join(_PROCESS_JOIN)


def _resize(terminal: Terminal, data: bytes) -> None:
    try:
        size = json.loads(data)
        terminal.size = (int(size["Width"]), int(size["Height"]))
    except (ValueError, KeyError, TypeError):
        return


def _attach_body(cluster: FakeCluster, pod: dict, container: str, stdin: Stdin,
                 out: Callable[[str], None]) -> Callable[[list[str]], int]:
    """Attach shows what the main process prints from now on (its log) until it ends or the
    client leaves."""
    meta = pod["metadata"]

    def body(_command: list[str]) -> int:
        for line in cluster.follow_logs(meta["namespace"], meta["name"], container,
                                        tail_lines=0, stop=stdin.hangup):
            out(line if line.endswith("\n") else line + "\n")
        return 0
    return body


def _finish(conn: ChannelConnection, body: Callable[[list[str]], int],
            command: list[str]) -> None:
    code = body(command)
    if conn.protocol in (V4, V5):
        conn.send(ERROR, json.dumps(_exit_status(code, command)).encode())
    elif code:
        conn.send(ERROR, f"command terminated with non-zero exit code: exit code {code}".encode())
    conn.close()


def _exit_status(code: int, command: list[str]) -> dict:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
                       f"[{' '.join(command)}], exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


# -- portforward -----------------------------------------------------------------------------


def _ports(query: dict[str, list[str]]) -> list[int]:
    raw = [p for value in query.get("ports") or [] for p in value.split(",") if p.strip()]
    if not raw:
        raise bad_request('query parameter "port" is required')
    ports = []
    for text in raw:
        try:
            port = int(text)
        except ValueError:
            raise bad_request(f'unable to parse "{text}" as a port: invalid syntax') from None
        if not 0 < port < 65536:
            raise bad_request(f"port {port} must be > 0 and < 65536")
        ports.append(port)
    return ports


def _refused(pod: dict, port: int) -> str:
    """The kubelet's words for a port nobody listens on inside the pod."""
    sandbox = hashlib.sha256(pod["metadata"].get("uid", "").encode()).hexdigest()
    return (f"error forwarding port {port} to pod {sandbox}, uid : failed to execute "
            f'portforward in network namespace "/var/run/netns/cni-{pod["metadata"].get("uid")}"'
            f': failed to connect to localhost:{port} inside namespace "{sandbox}", IPv4: dial '
            f"tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: "
            "connect: connection refused ")


def _portforward(ex: Exchange, pod: dict, query: dict[str, list[str]]) -> None:
    protocol = _protocol(ex, _PORTFORWARD_PROTOCOLS)
    ports = _ports(query)
    if (pod.get("status") or {}).get("phase") != "Running":
        raise _KubeletError(404, "pod does not exist")
    conn = ChannelConnection.accept(ex.handler, protocol)
    apps: dict[int, HttpConnection] = {}
    for i, port in enumerate(ports):
        header = port.to_bytes(2, "little")
        conn.send(2 * i, header)
        conn.send(2 * i + 1, header)
        container = listener(pod, port)
        if container is None:
            conn.send(2 * i + 1, _refused(pod, port).encode())
        else:
            apps[2 * i] = HttpConnection(pod, container)
    if not apps:
        conn.close()
    for channel, data in conn.messages():
        app = apps.get(channel)
        if app is None:
            continue
        answer = app.receive(data)
        if answer:
            conn.send(channel, answer)
        if app.closed:
            del apps[channel]
            if not apps:
                conn.close()
