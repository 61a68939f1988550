"""The simulated container shell on its own (no server): which binaries an image has, the
syntax people type (quotes, variables, &&, ||, ;, pipes, redirections, exec, exit) and the
errors a real sh/bash prints; the terminal's line discipline; the demo HTTP app."""

from __future__ import annotations

import pytest

from kubedeck.fake.execshell import Box, Process
from kubedeck.fake.podapps import HttpConnection, listener
from kubedeck.fake.ttyio import Interrupted, Stdin, Terminal

NOW = 1_790_000_000.0  # the cluster clock: Mon Sep 21 14:13:20 UTC 2026


def run(image: str, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out: list[str] = []
    err: list[str] = []
    pipe = Stdin()
    pipe.feed(stdin.encode())
    pipe.close()
    box = Box("shop", "web-1", "web", image, "node-a", "10.244.1.7", {"APP_MODE": "blue"},
              lambda: NOW, "nginx -g daemon off;")
    code = Process(box, pipe, out.append, err.append).run(argv)
    return code, "".join(out), "".join(err)


def sh(script: str, image: str = "nginx:1.27", stdin: str = "") -> tuple[int, str, str]:
    return run(image, ["sh", "-c", script], stdin)


@pytest.mark.parametrize(("image", "shell"), [
    ("docker.io/library/alpine:3.20", "sh"), ("busybox:1.36", "sh"),
    ("docker.io/grafana/grafana:11.2.0", "sh"), ("nginx:1.27", "bash"),
    ("ghcr.io/kubedeck/storefront:1.4.2", "bash"),
])
def test_bash_if_the_image_has_it_else_sh(image, shell):
    script = "command -v bash >/dev/null && exec bash || exec sh"
    assert run(image, ["sh", "-c", script], "echo $0\nexit 9\n") == (9, shell + "\n", "")


def test_distroless_has_no_shell():
    code, out, _ = run("gcr.io/distroless/static:nonroot", ["sh"])
    assert code == 126
    assert out == ('OCI runtime exec failed: exec failed: unable to start container process: '
                   'exec: "sh": executable file not found in $PATH: unknown\n')


def test_absolute_binary_paths():
    assert run("alpine:3", ["/bin/sh", "-c", "echo ok"])[:2] == (0, "ok\n")
    assert run("alpine:3", ["/opt/sh"])[0] == 126


def test_operators_and_status():
    assert sh("false && echo no; true && echo yes || echo never; false || echo $?") == (
        0, "yes\n1\n", "")
    assert sh("nope; echo $?") == (0, "127\n", "sh: nope: not found\n")
    assert sh("exit 300")[0] == 44


def test_quotes_and_variables():
    code, out, _ = sh("""X='a  b'; echo "$X" '$X' ${APP_MODE}-x; echo "it's \\"q\\"" # comment""")
    assert out == "a  b $X blue-x\nit's \"q\"\n"


def test_redirections_and_pipes():
    code, out, err = sh("echo hidden >/dev/null; cat /nope 2>&1; echo kept > /tmp/f; "
                        "echo more >> /tmp/f; cat < /tmp/f | cat; ls /nope 2>/dev/null")
    assert out == "cat: /nope: No such file or directory\nkept\nmore\n"
    assert (code, err) == (2, "")


def test_files_and_directories():
    assert sh("cat /etc/hostname; cd /etc; pwd; cd ..; pwd")[1] == "web-1\n/etc\n/\n"
    assert 'ID=alpine' in sh("cat /etc/os-release", "alpine:3.20")[1]
    assert "bash" in sh("ls /bin")[1].split("\n")
    assert "bash" not in sh("ls /bin", "alpine:3")[1].split("\n")
    assert sh("cd /nowhere") == (2, "", "sh: cd: can't cd to /nowhere: No such file or directory\n")
    assert sh("cat /etc") == (1, "", "cat: /etc: Is a directory\n")


def test_environment_and_identity():
    _, out, _ = run("nginx", ["env"])
    assert {"HOSTNAME=web-1", "APP_MODE=blue", "HOME=/root"} <= set(out.splitlines())
    assert run("nginx", ["printenv", "APP_MODE", "MISSING"])[:2] == (1, "blue\n")
    assert sh("whoami; id; hostname")[1] == "root\nuid=0(root) gid=0(root) groups=0(root)\nweb-1\n"
    assert sh("uname -a")[1] == "Linux web-1 6.1.0-kubedeck #1 SMP x86_64 GNU/Linux\n"
    assert sh("date")[1] == "Mon Sep 21 14:13:20 UTC 2026\n"
    assert "nginx -g daemon off;" in sh("ps")[1]


def test_bash_words_its_errors_as_bash():
    assert run("nginx", ["bash", "-c", "nope"]) == (127, "", "bash: nope: command not found\n")


def test_cat_copies_stdin():
    assert run("nginx", ["cat"], "a\nb") == (0, "a\nb", "")


def test_terminal_echoes_edits_and_interrupts():
    screen: list[str] = []
    term = Terminal(screen.append)
    term.feed(b"ecx\x7fho\x1b[Ahi\r")
    assert term.readline() == "echohi\n"
    assert "".join(screen) == "ecx\b \bhohi\r\n"
    term.feed(b"partial\x03")
    with pytest.raises(Interrupted):
        term.readline()
    assert term.interrupt.is_set()
    term.clear_interrupt()
    term.feed(b"\x04")
    assert term.readline() is None
    term.feed(b"again\r")
    assert term.readline() == "again\n"


def test_demo_app_answers_http_with_keep_alive():
    pod = {"metadata": {"name": "web-1", "namespace": "shop"},
           "spec": {"containers": [{"name": "web", "image": "reg/web:2.3",
                                    "ports": [{"containerPort": 8080}]}]}}
    assert listener(pod, 9090) is None
    conn = HttpConnection(pod, listener(pod, 8080))
    first = conn.receive(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHo")
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and first.endswith(b"\r\n\r\n2.3\n")
    second = conn.receive(b"st: x\r\nConnection: close\r\n\r\n")
    assert second.startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert conn.closed
