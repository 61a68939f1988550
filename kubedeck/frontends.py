"""How the CLI reaches the explorer and the pipelines without importing them (import-linter
forbids kubedeck -> tui and kubedeck -> pipelines): the TUI registers itself as the `explorer`
entry point of the `kubedeck.frontends` group and the pipelines as `pipeline`, and only the
CLI paths that need one look it up, so `kubedeck get` never loads textual or the pipelines."""

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
    pipeline: str | None = None  # --pipeline FILE: what the deploy key runs


@dataclass(frozen=True)
class PipelineOptions:
    """`kubedeck pipeline ...` / `kubedeck init ...`: the command, the words after it (the
    pipelines parse them), and kubectl's global flags given before the command."""

    command: str  # "pipeline" or "init"
    args: tuple[str, ...] = ()
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    request_timeout: str | None = None


def find_frontend(name: str = "explorer") -> Callable[..., int]:
    from importlib.metadata import entry_points

    found = entry_points(group=GROUP, name=name)
    if not found:
        raise KubedeckError(f'error: the kubedeck "{name}" front end is not installed (no '
                            f'"{GROUP}" entry point); reinstall kubedeck')
    return next(iter(found)).load()
