"""The channel protocols of pods/exec and pods/attach on the wire, with a bare WebSocket
client: v4's status JSON on channel 3, v5's close signal for stdin, the base channel.k8s.io
protocol, resize on channel 4, attach following the main process's output, and refusals."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import websocket
from apiserver_support import Api
from stream_support import create_pods

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def pods(sim_server):
    create_pods(sim_server.cluster)


def open_ws(sim_server, pod: str, params: list[tuple[str, str]], protocols: list[str],
            sub: str = "exec") -> websocket.WebSocket:
    url = (f"ws://127.0.0.1:{sim_server.port}/api/v1/namespaces/default/pods/{pod}/{sub}?"
           + urlencode(params))
    ws = websocket.WebSocket()
    ws.connect(url, subprotocols=protocols, timeout=10)
    return ws


def exec_params(*command: str, stdin: bool = False, tty: bool = False) -> list[tuple[str, str]]:
    streams = [("stdout", "true"), ("stderr", "false" if tty else "true")]
    if stdin:
        streams.append(("stdin", "true"))
    if tty:
        streams.append(("tty", "true"))
    return [*(("command", c) for c in command), *streams]


def drain(ws: websocket.WebSocket) -> dict[int, bytes]:
    """Every channel's bytes until the server closes the connection."""
    channels: dict[int, bytes] = {}
    while True:
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return channels
        channels[data[0]] = channels.get(data[0], b"") + data[1:]


def test_v4_status_json_carries_the_exit_code(sim_server):
    ws = open_ws(sim_server, "deb", exec_params("sh", "-c", "echo hi; exit 42"),
                 ["v4.channel.k8s.io"])
    assert ws.subprotocol == "v4.channel.k8s.io"
    channels = drain(ws)
    assert channels[1] == b"hi\n"
    assert json.loads(channels[3]) == {
        "metadata": {}, "status": "Failure",
        "message": "command terminated with non-zero exit code: error executing command "
                   "[sh -c echo hi; exit 42], exit code 42",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "42"}]}}


def test_v5_close_signal_ends_stdin_and_success_status(sim_server):
    ws = open_ws(sim_server, "alp", exec_params("cat", stdin=True),
                 ["v5.channel.k8s.io", "v4.channel.k8s.io"])
    assert ws.subprotocol == "v5.channel.k8s.io"
    ws.send_binary(b"\x00line one\n")
    ws.send_binary(b"\x00tail without newline")
    ws.send_binary(b"\xff\x00")
    channels = drain(ws)
    assert channels[1] == b"line one\ntail without newline"
    assert json.loads(channels[3]) == {"metadata": {}, "status": "Success"}


def test_base_protocol_reports_failure_as_text(sim_server):
    ws = open_ws(sim_server, "deb", exec_params("false"), ["channel.k8s.io"])
    assert ws.subprotocol == "channel.k8s.io"
    assert drain(ws)[3] == b"command terminated with non-zero exit code: exit code 1"


def test_tty_resize_is_accepted_and_output_uses_crlf(sim_server):
    ws = open_ws(sim_server, "deb", exec_params("sh", stdin=True, tty=True),
                 ["v5.channel.k8s.io"])
    ws.send_binary(b"\x04" + json.dumps({"Width": 132, "Height": 43}).encode())
    ws.send_binary(b"\x00echo a\r")
    screen = b""
    while not screen.endswith(b"a\r\n# "):
        opcode, data = ws.recv_data()
        assert data[:1] == b"\x01"
        screen += data[1:]
    assert screen == b"# echo a\r\na\r\n# "
    ws.send_binary(b"\x00exit 0\r")
    channels = drain(ws)
    assert channels[1] == b"exit 0\r\n"
    assert 2 not in channels
    assert json.loads(channels[3])["status"] == "Success"


def test_attach_follows_the_main_process_output(sim_server):
    ws = open_ws(sim_server, "deb", [("container", "web"), ("stdout", "true")],
                 ["v5.channel.k8s.io"], sub="attach")
    try:
        sim_server.cluster.clock.advance(30)  # nginx writes an access line every 10 s
        opcode, data = ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_BINARY
        assert data[:1] == b"\x01" and b'"GET ' in data and data.endswith(b"\n")
    finally:
        ws.close()


def test_unsupported_protocol_and_plain_request_are_refused(sim_server):
    with pytest.raises(websocket.WebSocketBadStatusException) as bad:
        open_ws(sim_server, "deb", exec_params("true"), ["v9.channel.k8s.io"])
    assert bad.value.status_code == 400
    assert b"requested protocol(s) are not supported" in bad.value.resp_body
    reply = Api(sim_server).request("POST", "/api/v1/namespaces/default/pods/deb/exec?"
                                    + urlencode(exec_params("true")))
    assert reply.status == 400
    assert reply.json()["message"] == "Upgrade request required"


@pytest.mark.parametrize(("params", "message"), [
    (exec_params(), "you must specify at least 1 command"),
    ([("command", "true")], "you must specify at least one of stdin, stdout, or stderr"),
    ([*exec_params("true")], "a container name must be specified for pod two, choose one of: "
                             "[api sidecar]"),
])
def test_bad_exec_requests(sim_server, params, message):
    pod = "two" if "two" in message else "deb"
    reply = Api(sim_server).request("GET", f"/api/v1/namespaces/default/pods/{pod}/exec?"
                                    + urlencode(params))
    assert (reply.status, reply.json()["message"]) == (400, message)
