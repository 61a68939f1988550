"""How the CLI reaches the explorer without importing it (import-linter forbids kubedeck ->
tui): the TUI registers itself as the `explorer` entry point of the `kubedeck.frontends`
group, and only the TUI paths of the CLI look it up, so `kubedeck get` never loads textual."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kubedeck.kube.errors import KubedeckError

GROUP = "kubedeck.frontends"


@dataclass(frozen=True)
class ExplorerOptions:
    """The CLI's flags for the explorer, as plain data."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    request_timeout: str | None = None
    command: str | None = None
    readonly: bool = False
    demo: bool = False
    gke: str | None = None  # PROJECT/LOCATION/CLUSTER: open on a GKE cluster, no kubeconfig


def find_frontend(name: str = "explorer") -> Callable[[ExplorerOptions], int]:
    from importlib.metadata import entry_points

    found = entry_points(group=GROUP, name=name)
    if not found:
        raise KubedeckError(f'error: the kubedeck "{name}" front end is not installed (no '
                            f'"{GROUP}" entry point); reinstall kubedeck')
    return next(iter(found)).load()
