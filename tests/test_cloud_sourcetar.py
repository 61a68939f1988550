""".gcloudignore / .dockerignore semantics and the source tarball. The gitignore dialect is
checked against git itself; the dockerignore dialect against the docker CLI's own context
tarball when the CLI is installed (it builds the context before it talks to any daemon)."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kubedeck.cloud.errors import CloudError
from kubedeck.cloud.ignorefiles import DockerIgnore, GcloudIgnore, rules_for
from kubedeck.cloud.sourcetar import included, make_tarball

TREE = [
    "Dockerfile", "main.go", "README.md", "notes.txt", "app.log",
    "build/out.bin", "build/keep.txt", "src/app.py", "src/app.pyc", "src/build/gen.py",
    "src/deep/er/x.log", "src/deep/er/important.log", "docs/a/b/c.md", "docs/index.md",
    "node_modules/pkg/index.js", "vendor/lib/x.go", "tmp/cache/z", "secret.env",
    ".env", ".git/HEAD", "a/b/logs/today.txt", "foo/bar/baz/qux.md",
]
PATTERNS = [
    "# comments are ignored",
    "*.log",
    "!important.log",
    "build/",
    "/tmp",
    "docs/**/*.md",
    "!docs/index.md",
    "**/logs",
    "node_modules",
    "src/*.pyc",
    "foo/**/qux.md",
    "secret.env",
    ".env",
]


def make_tree(root: Path, files=TREE) -> Path:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {rel}\n")
    return root


def our_files(root: Path) -> list[str]:
    return sorted(rel for rel, is_dir in included(root, rules_for(root)) if not is_dir)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("patterns", [
    PATTERNS,
    ["*", "!*/", "!*.py", "!Dockerfile"],           # only python files and the Dockerfile
    ["src", "!src/app.py"],                          # no re-including inside an ignored dir
    ["/*.md", "**/er/", "vendor/**", "a/**/today.txt", "\\!x", "b*/", "[mn]*.go"],
    ["docs/*", "!docs/a", "docs/a/b"],
])
def test_gcloudignore_ignores_what_git_ignores(tmp_path, patterns):
    root = make_tree(tmp_path / "ctx", [f for f in TREE if not f.startswith(".git/")])
    text = "\n".join(patterns) + "\n"
    (root / ".gcloudignore").write_text(text)
    (root / ".gitignore").write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git = subprocess.run(["git", "-C", str(root), "ls-files", "--others", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout.split()
    ours = [f for f in our_files(root) if not f.startswith(".git/")]  # git hides its own dir
    assert ours == sorted(git)


def test_gcloudignore_include_directive_pulls_in_gitignore(tmp_path):
    root = make_tree(tmp_path)
    (root / ".gitignore").write_text("*.log\nnode_modules/\n")
    (root / ".gcloudignore").write_text(".gcloudignore\n.git\n.gitignore\n#!include:.gitignore\n"
                                        "!app.log\n")
    files = our_files(root)
    assert "app.log" in files
    assert not any(f.endswith(".log") and f != "app.log" for f in files)
    assert not any(f.startswith(("node_modules/", ".git")) for f in files)
    assert "Dockerfile" in files and "src/app.py" in files


def test_gcloudignore_wins_over_dockerignore(tmp_path):
    root = make_tree(tmp_path)
    (root / ".gcloudignore").write_text("*.md\n")
    (root / ".dockerignore").write_text("*.go\n")
    rules = rules_for(root)
    assert isinstance(rules, GcloudIgnore) and rules.source == ".gcloudignore"
    files = our_files(root)
    assert "main.go" in files and ".dockerignore" in files  # docker applies it on the worker
    assert "README.md" not in files


def test_without_an_ignore_file_everything_but_git_is_sent(tmp_path):
    root = make_tree(tmp_path)
    files = our_files(root)
    assert files == sorted(f for f in TREE if not f.startswith(".git/"))


DOCKER_CASES = [
    ["*.log", "!important.log", "build", "docs/**/*.md", "!docs/index.md", "**/logs",
     "node_modules", "src/*.pyc", "foo/**/qux.md", "/secret.env", "./.env", "Dockerfile",
     ".dockerignore"],
    ["*", "!src", "src/deep", "!src/deep/er/important.log", "!Dockerfile"],
    ["**/*.md", "vendor/", "a/b", "**", "!main.go", "!src/**/*.py"],
    ["tmp/c?che", "[rn]*", "!notes.txt", "src/build/**"],
]


def test_dockerignore_dialect(tmp_path):
    root = make_tree(tmp_path)
    (root / ".dockerignore").write_text("\n".join(DOCKER_CASES[0]) + "\n")
    rules = rules_for(root)
    assert isinstance(rules, DockerIgnore)
    files = our_files(root)
    # anchored at the root: *.log only at the top; **/ and parents match; exceptions win last
    assert "app.log" not in files and "src/deep/er/x.log" in files
    assert "src/deep/er/important.log" in files
    assert not any(f.startswith(("build/", "node_modules/", "a/b/logs/")) for f in files)
    assert "src/build/gen.py" in files  # "build" is anchored: src/build stays
    assert "docs/index.md" in files and "docs/a/b/c.md" not in files
    assert "secret.env" not in files and ".env" not in files
    assert "Dockerfile" in files and ".dockerignore" in files  # always sent, as docker does


def test_dockerignore_exceptions_reach_into_excluded_directories(tmp_path):
    root = make_tree(tmp_path)
    (root / ".dockerignore").write_text("\n".join(DOCKER_CASES[1]) + "\n")
    assert our_files(root) == [".dockerignore", "Dockerfile", "src/app.py", "src/app.pyc",
                               "src/build/gen.py", "src/deep/er/important.log"]


def test_a_bad_dockerignore_pattern_names_the_line(tmp_path):
    (tmp_path / ".dockerignore").write_text("ok\n\n[z-a]\n")
    with pytest.raises(CloudError, match=r"^error: \.dockerignore:3: bad pattern '\[z-a\]'"):
        rules_for(tmp_path)


class _DockerDaemon(BaseHTTPRequestHandler):
    """Just enough of the Engine API for `docker build` (legacy builder) to send its context."""

    protocol_version = "HTTP/1.1"
    contexts: list[bytes] = []

    def log_message(self, *args) -> None:
        """Quiet."""

    def _reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Api-Version", "1.50")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_HEAD(self) -> None:
        self._reply(200, b"", "text/plain")

    def do_GET(self) -> None:
        self._reply(200, b"OK" if "_ping" in self.path else b"{}", "text/plain")

    def do_POST(self) -> None:
        body = self._body()
        if "/build" in self.path:
            type(self).contexts.append(body)
            self._reply(200, json.dumps({"stream": "captured\n"}).encode() + b"\n")
        else:
            self._reply(404, b'{"message":"not here"}')


@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker CLI is not installed")
@pytest.mark.parametrize("case", range(len(DOCKER_CASES)))
def test_dockerignore_sends_what_the_docker_cli_sends(tmp_path, case):
    patterns = DOCKER_CASES[case]
    root = make_tree(tmp_path / "ctx")
    (root / ".dockerignore").write_text("\n".join(patterns) + "\n")
    _DockerDaemon.contexts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DockerDaemon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proc = subprocess.run(
            ["docker", "build", "-q", str(root)], capture_output=True, text=True, timeout=60,
            env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path),
                 "DOCKER_HOST": f"tcp://127.0.0.1:{server.server_address[1]}",
                 "DOCKER_BUILDKIT": "0"})
    finally:
        server.shutdown()
        server.server_close()
    if not _DockerDaemon.contexts:
        pytest.skip(f"the docker CLI sent no build context: {proc.stderr.strip()[:200]}")
    with tarfile.open(fileobj=io.BytesIO(_DockerDaemon.contexts[0])) as tar:
        docker_files = sorted(m.name for m in tar.getmembers() if m.isfile())
    assert our_files(root) == docker_files


def test_the_tarball_is_stable_and_holds_only_included_files(tmp_path):
    root = make_tree(tmp_path / "ctx")
    (root / ".dockerignore").write_text("*.log\nbuild\n")
    (root / "link").symlink_to("main.go")
    first, second = make_tarball(root), make_tarball(root)
    try:
        assert first.sha256 == second.sha256 and first.size == second.size
        assert first.rules == ".dockerignore"
        raw = first.file.read()
        assert len(raw) == first.size
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(raw))) as tar:
            members = {m.name: m for m in tar.getmembers()}
        assert "app.log" not in members and "build/out.bin" not in members
        assert members["link"].issym() and members["link"].linkname == "main.go"
        assert members["src"].isdir()
        assert {m.uid for m in members.values()} == {0} and {m.uname for m in members.values()} \
            == {""}
        assert sorted(n for n, m in members.items() if not m.isdir()) == first.files
    finally:
        first.close()
        second.close()


def test_a_context_that_is_not_a_directory_is_refused(tmp_path):
    with pytest.raises(CloudError, match="is not a directory"):
        make_tarball(tmp_path / "missing")
