"""Hand the terminal to another program ($EDITOR, `kubectl exec -it`) and take it back.

Textual's `App.suspend` restores the terminal's normal mode while the program runs. Headless
runs (Pilot tests) have no terminal to hand over; the program then runs as is.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from textual.app import App, SuspendNotSupported

from kubedeck.kube.errors import KubedeckError


@contextmanager
def handed_over(app: App) -> Iterator[None]:
    """The terminal belongs to the program run inside this block."""
    with ExitStack() as stack:
        with suppress(SuspendNotSupported):  # headless: no terminal to hand over
            stack.enter_context(app.suspend())
        yield


def run_program(argv: list[str]) -> int:
    """Run `argv` in the foreground; its exit code. A missing program is a KubedeckError."""
    try:
        return subprocess.run(argv, check=False).returncode
    except FileNotFoundError:
        raise KubedeckError(f"{argv[0]}: command not found (install it or fix $PATH)") from None
    except PermissionError:
        raise KubedeckError(f"{argv[0]}: permission denied") from None


def editor_argv(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    """kubectl edit's choice: $KUBE_EDITOR, then $EDITOR, then $VISUAL, else vi. The value
    may carry arguments (`code --wait`)."""
    env = os.environ if environ is None else environ
    command = env.get("KUBE_EDITOR") or env.get("EDITOR") or env.get("VISUAL") or "vi"
    return [*shlex.split(command), str(path)]
