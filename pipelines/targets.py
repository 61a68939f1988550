"""Where a run deploys: which target of kubedeck.yaml, and a live Connection to its cluster.

A target is a kubeconfig context, a GKE cluster reached through kubedeck.cloud (ADC, no
gcloud or kubeconfig needed), or the embedded demo cluster. Choosing one without `--target`
follows what the user is already pointed at: the target whose context is kubectl's current
context, else the only target, else a usage error listing them — never a silent guess that
could deploy to production.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kubedeck.kube.errors import KubedeckError
from pipelines.spec import PipelineSpec, SpecError, TargetSpec

if TYPE_CHECKING:
    from kubedeck.demo import RunningDemo
    from kubedeck.kube.connect import Connection
    from kubedeck.kube.discovery import Discovery

Log = Callable[[str], None]


def _silent(_: str) -> None:
    """The default log: a library call that nobody listens to says nothing."""


def gke_context_name(target: TargetSpec) -> str | None:
    """The kubeconfig context gcloud writes for a GKE target, so `kubectl config use-context`
    on it selects that target too."""
    if target.gke is None:
        return None
    return f"gke_{target.gke.project}_{target.gke.location}_{target.gke.cluster}"


def current_context(kubeconfig: str | None = None) -> str | None:
    """kubectl's current context, or None when there is no usable kubeconfig (a fresh
    machine running the demo has none, and that is not an error here)."""
    from kubedeck.kube.kubeconfig import load_kubeconfig

    try:
        return load_kubeconfig(kubeconfig).current_context or None
    except KubedeckError:
        return None


def describe(target: TargetSpec) -> str:
    if target.demo:
        return "the embedded demo cluster"
    if target.gke is not None:
        g = target.gke
        return f"GKE cluster {g.project}/{g.location}/{g.cluster}"
    return f'kubeconfig context "{target.context}"'


def choose_target(spec: PipelineSpec, requested: str | None, *, current: str | None,
                  demo: bool = False, log: Log = _silent) -> TargetSpec:
    """The target to deploy to; SpecError (exit 2) when it is ambiguous or unknown.

    With `demo`, a `demo: true` target is preferred, and when the file has none and nothing
    else decides, the first target is used: the embedded cluster is harmless, and
    `kubedeck pipeline run --demo` must work on a fresh machine as the example is written.
    """
    if requested is not None:
        return spec.target(requested)
    targets = list(spec.targets.values())
    if demo:
        demos = [t for t in targets if t.demo]
        if len(demos) == 1:
            return demos[0]
    if current:
        matching = [t for t in targets if current in (t.context, gke_context_name(t))]
        if len(matching) == 1:
            log(f'target "{matching[0].name}": its context "{current}" is the current '
                "kubeconfig context")
            return matching[0]
    if len(targets) == 1:
        return targets[0]
    if demo:
        log(f'target "{targets[0].name}": the first in {spec.path.name} (--demo deploys it to '
            "the embedded cluster; pick another with --target)")
        return targets[0]
    now = f'the current context "{current}" matches none of them' if current else \
        "there is no current kubeconfig context"
    listing = ", ".join(f"{t.name} ({describe(t)})" for t in targets)
    raise SpecError(f"{spec.path}: several targets and {now}; choose one with --target "
                    f"(targets: {listing})")


@dataclass
class ResolvedTarget:
    """An open target: the spec entry, a Connection in its namespace and discovery for it.
    `demo` is the embedded world when the run deploys there. Close it when the run ends."""

    spec: TargetSpec
    conn: Connection
    discovery: Discovery
    description: str
    demo: RunningDemo | None = None
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def namespace(self) -> str:
        return self.spec.namespace

    def close(self) -> None:
        self._stack.close()


def open_target(target: TargetSpec, *, demo: bool | RunningDemo | None = None,
                kubeconfig: str | None = None, request_timeout: float | None = None,
                log: Log = _silent) -> ResolvedTarget:
    """Connect to `target`. `demo` may be True (start an embedded world here, for the
    CLI's --demo and `demo: true` targets) or a RunningDemo the caller already has (the TUI's
    demo), which then stands in for whatever the target names."""
    from kubedeck.kube.discovery import Discovery

    stack = ExitStack()
    try:
        if demo or target.demo:
            world = None if demo is None or isinstance(demo, bool) else demo
            conn, world = _open_demo(target, world, stack, request_timeout, log)
            description = describe(replace(target, demo=True, context=None, gke=None))
        elif target.gke is not None:
            conn, world = _open_gke(target, request_timeout, log), None
            description = describe(target)
        else:
            conn, world = _open_context(target, kubeconfig, request_timeout), None
            description = describe(target)
        stack.callback(conn.close)
        discovery = Discovery(conn, use_disk=world is None)
    except BaseException:
        stack.close()
        raise
    log(f'target "{target.name}": {description}, namespace {target.namespace} '
        f"(server {conn.server})")
    return ResolvedTarget(spec=target, conn=conn, discovery=discovery, description=description,
                          demo=world, _stack=stack)


def _open_context(target: TargetSpec, kubeconfig: str | None,
                  request_timeout: float | None) -> Connection:
    from kubedeck.kube.connect import connect

    try:
        return connect(kubeconfig, target.context, target.namespace, request_timeout)
    except KubedeckError as exc:
        raise KubedeckError(f'{exc.message} (target "{target.name}")',
                            exc.exit_code) from None


def _open_gke(target: TargetSpec, request_timeout: float | None, log: Log) -> Connection:
    from kubedeck.cloud.context import cloud_context
    from kubedeck.cloud.gke import ClusterRef, connect
    from kubedeck.config import load_config

    assert target.gke is not None
    g = target.gke
    ctx = cloud_context(load_config())
    try:
        return connect(ctx, ClusterRef(g.project, g.location, g.cluster),
                       namespace=target.namespace, request_timeout=request_timeout,
                       progress=log)
    finally:
        ctx.close()


def _open_demo(target: TargetSpec, world: RunningDemo | None, stack: ExitStack,
               request_timeout: float | None, log: Log) -> tuple[Connection, RunningDemo]:
    from kubedeck.demo import running_demo
    from kubedeck.kube.connect import connect

    if world is None:
        log("starting the embedded demo cluster")
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="kubedeck-pipeline-"))
        world = stack.enter_context(running_demo(folder))
    return connect(world.kubeconfig, None, target.namespace, request_timeout), world
