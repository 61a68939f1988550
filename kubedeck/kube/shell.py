"""A shell in a container, the way k9s opens one: `kubectl exec -it` in the foreground with
bash when the image has it and sh otherwise, decided inside the container in one exec."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from kubedeck.kube.errors import KubedeckError

if TYPE_CHECKING:
    from kubedeck.kube.connect import Connection

# k9s's default: one round trip, and the shell replaces sh so its exit code is the exec's.
SHELL_SCRIPT = "command -v bash >/dev/null && exec bash || exec sh"
KUBECTL = "kubectl"


def shell_argv(conn: Connection, kubeconfig_path: str | None, namespace: str, pod: str,
               container: str | None) -> list[str]:
    """`kubectl [--kubeconfig F] --context C exec -it -n NS POD [-c C] -- sh -c …`. A
    kubeconfig path that lists several files goes through KUBECONFIG (see `run_shell`)."""
    argv = [KUBECTL]
    if kubeconfig_path and os.pathsep not in kubeconfig_path:
        argv += ["--kubeconfig", kubeconfig_path]
    argv += ["--context", conn.context, "exec", "-it", "-n", namespace, pod]
    if container:
        argv += ["-c", container]
    return [*argv, "--", "sh", "-c", SHELL_SCRIPT]


def run_shell(argv: list[str], kubeconfig_path: str | None = None) -> int:
    """Run the shell on this terminal (the caller has handed it over, e.g. inside Textual's
    `App.suspend()`) and return kubectl's exit code: the shell's own, 126 when the image
    has no shell. Raises KubedeckError when kubectl is not installed."""
    found = shutil.which(argv[0])
    if found is None:
        raise KubedeckError(f"error: {argv[0]} not found on PATH - the shell key runs "
                            "`kubectl exec`; install kubectl (v1.30 or newer) to use it")
    env = dict(os.environ)
    if kubeconfig_path and os.pathsep in kubeconfig_path:
        env["KUBECONFIG"] = kubeconfig_path
    try:
        return subprocess.run([found, *argv[1:]], env=env, check=False).returncode
    except OSError as exc:
        raise KubedeckError(f"error: could not run {found}: {exc.strerror or exc}") from None
