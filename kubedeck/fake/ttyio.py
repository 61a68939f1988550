"""Standard input of a simulated process: a plain pipe, or a terminal in cooked mode (echo,
backspace, ctrl-c, ctrl-d, ctrl-u) as a container runtime's pty gives an interactive shell."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

_BACKSPACES = frozenset({0x7F, 0x08})
_CTRL_C, _CTRL_D, _CTRL_U, _ESC = 0x03, 0x04, 0x15, 0x1B


class Interrupted(Exception):
    """ctrl-c on the terminal: the running command stops, the shell goes on."""


class Stdin:
    """Bytes arrive from the connection's reader thread (`feed`, `close`); the process
    thread reads lines. `hangup` tells a sleeping command that nobody is listening any more."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._lines: deque[str | None | Interrupted] = deque()
        self._partial = ""
        self._eof = False
        self.hangup = threading.Event()
        self.interrupt = threading.Event()

    is_tty = False

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._partial += data.decode(errors="replace")
            while "\n" in self._partial:
                line, self._partial = self._partial.split("\n", 1)
                self._lines.append(line + "\n")
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._partial:
                self._lines.append(self._partial)
                self._partial = ""
            self._eof = True
            self._cond.notify_all()

    def hang_up(self) -> None:
        self.hangup.set()
        self.interrupt.set()
        self.close()

    def readline(self) -> str | None:
        """The next line (with its newline), None at end of input; raises Interrupted."""
        with self._cond:
            while not self._lines and not self._eof:
                self._cond.wait()
            if not self._lines:
                return None
            item = self._lines.popleft()
        if isinstance(item, Interrupted):
            raise item
        if item is None:
            return None
        return item

    def read_all(self) -> str:
        out = []
        while (line := self.readline()) is not None:
            out.append(line)
        return "".join(out)

    def clear_interrupt(self) -> None:
        """The interrupt has been dealt with (by the command it stopped or by the prompt)."""
        with self._cond:
            if not self.hangup.is_set():
                self.interrupt.clear()
            self._lines = deque(i for i in self._lines if not isinstance(i, Interrupted))


class Terminal(Stdin):
    """A pty in cooked mode: keystrokes are echoed through `echo` and handed over a line at a
    time; ctrl-d on an empty line is end of input for the reader but not for the terminal."""

    is_tty = True

    def __init__(self, echo: Callable[[str], None]) -> None:
        super().__init__()
        self._echo = echo
        self._escape = 0
        self.size: tuple[int, int] = (80, 24)

    def feed(self, data: bytes) -> None:
        with self._cond:
            for ch in data.decode(errors="replace"):
                self._key(ch)
            self._cond.notify_all()

    def _key(self, ch: str) -> None:
        code = ord(ch)
        if self._escape:  # swallow cursor keys (ESC [ X): no history or cursor movement here
            self._escape = 0 if (self._escape == 2 and ch.isalpha() or ch == "~") else 2
            return
        if code == _ESC:
            self._escape = 1
        elif code == _CTRL_C:
            self._echo("^C\r\n")
            self._partial = ""
            self._lines.append(Interrupted())
            self.interrupt.set()
        elif code == _CTRL_D:
            self._lines.append(self._partial or None)
            self._partial = ""
        elif code == _CTRL_U:
            self._echo("\b \b" * len(self._partial))
            self._partial = ""
        elif code in _BACKSPACES:
            if self._partial:
                self._partial = self._partial[:-1]
                self._echo("\b \b")
        elif ch in "\r\n":
            self._echo("\r\n")
            self._lines.append(self._partial + "\n")
            self._partial = ""
        elif ch == "\t" or code >= 0x20:
            self._partial += ch
            self._echo(ch)
