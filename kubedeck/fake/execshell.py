"""A simulated process inside a demo container, behind pods/exec: the exec'd binary if the
image has it (else the container runtime's error), and a small POSIX-ish shell so the
explorer's shell key leads somewhere real. Not a shell implementation: the commands and
syntax a person tries in a container (see `_COMMANDS`)."""

from __future__ import annotations

import os.path
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kubedeck.fake.images import BIN_DIRS, PATH, Flavour, flavour
from kubedeck.fake.shellsyntax import expand, split_line, split_words
from kubedeck.fake.ttyio import Interrupted, Stdin

_BUILTINS = frozenset({"cd", "command", "echo", "exec", "exit", "export", "false", "pwd",
                       "true", "unset"})
_DIRS = frozenset({"/", "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sbin", "/tmp",
                   "/usr", "/usr/bin", "/usr/local", "/usr/local/bin", "/usr/sbin", "/var",
                   "/var/log", "/run"})
_REDIRECTS = frozenset({">", ">>", "<", ">&", "&>"})


@dataclass
class Box:
    """The container an exec runs in."""

    namespace: str
    pod: str
    container: str
    image: str
    node: str
    pod_ip: str
    env: dict[str, str]
    now: Callable[[], float]
    main_command: str
    flavour: Flavour = field(init=False)

    def __post_init__(self) -> None:
        self.flavour = flavour(self.image)

    def files(self) -> dict[str, str]:
        return {
            "/etc/hostname": self.pod + "\n",
            "/etc/os-release": self.flavour.os_release,
            "/etc/hosts": f"127.0.0.1\tlocalhost\n{self.pod_ip}\t{self.pod}\n",
            "/etc/resolv.conf": f"search {self.namespace}.svc.cluster.local svc.cluster.local "
                                "cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
            "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
            "/proc/1/cmdline": self.main_command.replace(" ", "\0") + "\0",
        }


class _Exit(Exception):
    """`exit N` or the end of an `exec`: unwinds to the shell that owns the process."""

    def __init__(self, code: int) -> None:
        self.code = code


@dataclass
class _IO:
    stdin: Stdin
    out: Callable[[str], None]
    err: Callable[[str], None]


def _text_input(text: str) -> Stdin:
    pipe = Stdin()
    pipe.feed(text.encode())
    pipe.close()
    return pipe


class Process:
    """One exec: `run(argv)` returns the exit code. `out`/`err` take text; on a terminal the
    caller turns "\\n" into "\\r\\n" as the pty would."""

    def __init__(self, box: Box, stdin: Stdin, out: Callable[[str], None],
                 err: Callable[[str], None], tty: bool = False) -> None:
        self.box = box
        self.tty = tty
        self.io = _IO(stdin, out, err)
        self.cwd = "/"
        self.vars = {"PATH": PATH, "HOSTNAME": box.pod, "HOME": "/root", **box.env}
        if tty:
            self.vars["TERM"] = "xterm"
        self.written: dict[str, str] = {}
        self.status = 0
        self.shell_name = "sh"

    # -- the exec entry ------------------------------------------------------------------

    def run(self, argv: list[str]) -> int:
        name = self._binary(argv[0])
        if name is None:
            self.io.out("OCI runtime exec failed: exec failed: unable to start container "
                        f'process: exec: "{argv[0]}": executable file not found in $PATH: '
                        "unknown\n")
            return 126
        try:
            return self._command([name, *argv[1:]], self.io)
        except _Exit as done:
            return done.code

    def _binary(self, word: str) -> str | None:
        if "/" in word:
            folder, name = posixpath.split(word)
            return name if folder in BIN_DIRS and name in self.box.flavour.binaries else None
        return word if word in self.box.flavour.binaries else None

    # -- shells ----------------------------------------------------------------------------

    def _shell(self, name: str, args: list[str], io: _IO) -> int:
        outer, outer_zero = self.shell_name, self.vars.get("0", name)
        self.shell_name = name
        try:
            if args[:1] == ["-c"]:
                if len(args) < 2:
                    io.err(f"{name}: -c: option requires an argument\n")
                    return 2
                self.vars["0"] = args[2] if len(args) > 2 else name
                return self._script(args[1], io)
            self.vars["0"] = name
            return self._interactive(name, io)
        except _Exit as done:
            return done.code
        finally:
            self.shell_name, self.vars["0"] = outer, outer_zero

    def _interactive(self, name: str, io: _IO) -> int:
        prompt = self.box.flavour.prompts.get(name, "# ")
        while True:
            if io.stdin.is_tty:
                io.out(prompt.format(user="root", host=self.box.pod, cwd=self.cwd))
            try:
                line = io.stdin.readline()
            except Interrupted:
                io.stdin.clear_interrupt()
                continue
            if line is None:
                if io.stdin.is_tty and name == "bash":
                    io.out("exit\n")
                return self.status
            self._script(line, io)

    def _script(self, text: str, io: _IO) -> int:
        for line in text.splitlines():
            for segment, op in split_line(line):
                if (op == "&&" and self.status != 0) or (op == "||" and self.status == 0):
                    continue
                try:
                    self.status = self._pipeline(segment, io)
                except Interrupted:
                    io.stdin.clear_interrupt()
                    self.status = 130
        return self.status

    def _pipeline(self, commands: list[str], io: _IO) -> int:
        stdin, status = io.stdin, 0
        for i, text in enumerate(commands):
            last = i == len(commands) - 1
            captured: list[str] = []
            step = _IO(stdin, io.out if last else captured.append, io.err)
            status = self._simple(text, step)
            stdin = _text_input("".join(captured))
        return status

    def _simple(self, text: str, io: _IO) -> int:
        variables = {**self.vars, "?": str(self.status), "$": "7"}
        words, io = self._redirect(split_words(expand(text, variables)), io)
        if words is None:
            return 1
        while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
            key, value = words.pop(0).split("=", 1)
            self.vars[key] = value
        return self._command(words, io) if words else 0

    def _redirect(self, words: list[str], io: _IO) -> tuple[list[str] | None, _IO]:
        out, err, stdin, kept = io.out, io.err, io.stdin, []
        i = 0
        while i < len(words):
            word = words[i]
            if word not in _REDIRECTS or i + 1 >= len(words):
                kept.append(word)
                i += 1
                continue
            fd = kept.pop() if kept and kept[-1] in ("1", "2") else ("0" if word == "<" else "1")
            target = words[i + 1]
            i += 2
            if word == ">&" and target == "1" and fd == "2":
                err = out
            elif word == ">&" and target == "2":
                out = err
            elif word == "<":
                path = self._path(target)
                if path not in self._files():
                    io.err(f"{self.shell_name}: can't open {target}: no such file\n")
                    return None, io
                stdin = _text_input(self._files()[path])
            else:
                sink = self._sink(self._path(target), append=word == ">>")
                if word == "&>":
                    out = err = sink
                elif fd == "2":
                    err = sink
                else:
                    out = sink
        return kept, _IO(stdin, out, err)

    def _sink(self, path: str, append: bool) -> Callable[[str], None]:
        if path == "/dev/null":
            return lambda _text: None
        if not append or path not in self.written:
            self.written[path] = self._files().get(path, "") if append else ""

        def write(text: str) -> None:
            self.written[path] += text
        return write

    # -- commands --------------------------------------------------------------------------

    def _command(self, words: list[str], io: _IO) -> int:
        name, args = words[0], words[1:]
        if name in ("sh", "bash") and self._binary(name):
            return self._shell(name, args, io)
        if name in _BUILTINS or self._binary(name):
            handler = _COMMANDS.get(posixpath.basename(name))
            if handler is not None:
                return handler(self, args, io)
        if self.shell_name == "bash":
            io.err(f"bash: {name}: command not found\n")
        else:
            io.err(f"sh: {name}: not found\n")
        return 127

    def _path(self, raw: str) -> str:
        raw = raw.replace("~", self.vars.get("HOME", "/"), 1) if raw.startswith("~") else raw
        return posixpath.normpath(posixpath.join(self.cwd, raw)).replace("//", "/")

    def _files(self) -> dict[str, str]:
        return {**self.box.files(), **self.written}

    def _dirs(self) -> set[str]:
        dirs = set(_DIRS)
        for path in self._files():
            while path != "/":
                path = posixpath.dirname(path)
                dirs.add(path)
        return dirs

    def _children(self, folder: str) -> list[str]:
        names = {posixpath.basename(p) for p in (*self._files(), *self._dirs())
                 if p != "/" and posixpath.dirname(p) == folder}
        if folder in ("/bin", "/usr/bin"):
            names |= self.box.flavour.binaries
        return sorted(names)


def _echo(p: Process, args: list[str], io: _IO) -> int:
    newline = True
    while args and args[0] in ("-n", "-e"):
        newline = newline and args.pop(0) != "-n"
    io.out(" ".join(args) + ("\n" if newline else ""))
    return 0


def _pwd(p: Process, args: list[str], io: _IO) -> int:
    io.out(p.cwd + "\n")
    return 0


def _cd(p: Process, args: list[str], io: _IO) -> int:
    target = p._path(args[0] if args else p.vars.get("HOME", "/"))
    if target not in p._dirs():
        io.err(f"{p.shell_name}: cd: can't cd to {args[0]}: No such file or directory\n")
        return 2
    p.cwd = target
    return 0


def _ls(p: Process, args: list[str], io: _IO) -> int:
    flags = "".join(a[1:] for a in args if a.startswith("-"))
    paths = [a for a in args if not a.startswith("-")] or ["."]
    status = 0
    for raw in paths:
        path = p._path(raw)
        if path in p._files():
            io.out(raw + "\n")
            continue
        if path not in p._dirs():
            io.err(f"ls: cannot access '{raw}': No such file or directory\n")
            status = 2
            continue
        names = p._children(path)
        if "a" in flags:
            names = [".", "..", *names]
        if len(paths) > 1:
            io.out(f"{raw}:\n")
        if "l" in flags:
            for n in names:
                kind = "d" if posixpath.join(path, n) in p._dirs() or n in (".", "..") else "-"
                io.out(f"{kind}rwxr-xr-x    1 root     root          4096 {n}\n")
        elif names:
            io.out(("  ".join(names) if p.tty else "\n".join(names)) + "\n")
    return status


def _cat(p: Process, args: list[str], io: _IO) -> int:
    if not args or args == ["-"]:
        while (line := io.stdin.readline()) is not None:
            io.out(line)
        return 0
    status = 0
    for raw in args:
        path = p._path(raw)
        if path in p._files():
            io.out(p._files()[path])
        elif path in p._dirs():
            io.err(f"cat: {raw}: Is a directory\n")
            status = 1
        else:
            io.err(f"cat: {raw}: No such file or directory\n")
            status = 1
    return status


def _env(p: Process, args: list[str], io: _IO) -> int:
    io.out("".join(f"{k}={v}\n" for k, v in p.vars.items() if k != "0"))
    return 0


def _printenv(p: Process, args: list[str], io: _IO) -> int:
    if not args:
        return _env(p, args, io)
    found = [p.vars[a] for a in args if a in p.vars and a != "0"]
    io.out("".join(v + "\n" for v in found))
    return 0 if len(found) == len(args) else 1


def _hostname(p: Process, args: list[str], io: _IO) -> int:
    io.out(p.box.pod + "\n")
    return 0


def _whoami(p: Process, args: list[str], io: _IO) -> int:
    io.out("root\n")
    return 0


def _id(p: Process, args: list[str], io: _IO) -> int:
    io.out("uid=0(root) gid=0(root) groups=0(root)\n")
    return 0


def _uname(p: Process, args: list[str], io: _IO) -> int:
    parts = {"s": "Linux", "n": p.box.pod, "r": "6.1.0-kubedeck", "v": "#1 SMP", "m": "x86_64"}
    flags = "".join(a.lstrip("-") for a in args) or "s"
    keys = "snrvm" if "a" in flags else [k for k in "snrvm" if k in flags]
    io.out(" ".join(parts[k] for k in keys) + (" GNU/Linux" if "a" in flags else "") + "\n")
    return 0


def _date(p: Process, args: list[str], io: _IO) -> int:
    io.out(time.strftime("%a %b %e %H:%M:%S UTC %Y", time.gmtime(p.box.now())) + "\n")
    return 0


def _ps(p: Process, args: list[str], io: _IO) -> int:
    rows = [(1, p.box.main_command), (7, p.shell_name), (13, "ps " + " ".join(args))]
    io.out("PID   USER     TIME  COMMAND\n")
    io.out("".join(f"{pid:>5} root      0:00 {cmd.strip()}\n" for pid, cmd in rows))
    return 0


def _sleep(p: Process, args: list[str], io: _IO) -> int:
    try:
        seconds = sum(float(a.rstrip("s")) for a in args)
    except ValueError:
        io.err(f"sleep: invalid number '{args[0] if args else ''}'\n")
        return 1
    if io.stdin.interrupt.wait(seconds):
        raise Interrupted()
    return 0


def _true(p: Process, args: list[str], io: _IO) -> int:
    return 0


def _false(p: Process, args: list[str], io: _IO) -> int:
    return 1


def _exit(p: Process, args: list[str], io: _IO) -> int:
    try:
        code = int(args[0]) if args else p.status
    except ValueError:
        io.err(f"{p.shell_name}: exit: Illegal number: {args[0]}\n")
        code = 2
    raise _Exit(code & 0xFF)


def _exec(p: Process, args: list[str], io: _IO) -> int:
    if not args:
        return 0
    if p._binary(args[0]) is None:
        io.err(f"{p.shell_name}: exec: {args[0]}: not found\n")
        raise _Exit(127)
    raise _Exit(p._command(args, io))


def _command_v(p: Process, args: list[str], io: _IO) -> int:
    if not args or args[0] not in ("-v", "-V"):
        return p._command(args, io) if args else 0
    status = 0
    for name in args[1:]:
        if name in _BUILTINS:
            io.out(name + "\n")
        elif p._binary(name):
            io.out(f"/bin/{os.path.basename(name)}\n")
        else:
            status = 1
    return status


def _export(p: Process, args: list[str], io: _IO) -> int:
    for arg in args:
        if "=" in arg:
            key, value = arg.split("=", 1)
            p.vars[key] = value
    return 0


def _unset(p: Process, args: list[str], io: _IO) -> int:
    for arg in args:
        p.vars.pop(arg, None)
    return 0


_COMMANDS: dict[str, Callable[[Process, list[str], _IO], int]] = {
    "echo": _echo, "pwd": _pwd, "cd": _cd, "ls": _ls, "cat": _cat, "env": _env,
    "printenv": _printenv, "hostname": _hostname, "whoami": _whoami, "id": _id,
    "uname": _uname, "date": _date, "ps": _ps, "sleep": _sleep, "true": _true,
    "false": _false, "exit": _exit, "exec": _exec, "command": _command_v, "export": _export,
    "unset": _unset,
}
