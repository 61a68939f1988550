"""Entry of the explorer from the CLI (`kubedeck`, `kubedeck --gke P/L/C`, `kubedeck demo`):
the `explorer` entry point.

Everything that can fail for a reason the user must fix (config file, kubeconfig, context,
an unreachable server, Google credentials or permissions, an unknown `-c` kind, a missing or
broken `--pipeline` file) is checked here, before the terminal switches to the TUI, so it is
reported as the same one line `kubedeck get` prints.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kubedeck.config import Config, load_config
from kubedeck.frontends import ExplorerOptions
from kubedeck.kube.durations import parse_request_timeout
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.app import KubedeckApp
from tui.cloud_access import CloudAccess
from tui.commands import CommandError, parse
from tui.deploys import DeploySetup
from tui.session import Session

if TYPE_CHECKING:
    from kubedeck.demo import RunningDemo


def run(options: ExplorerOptions) -> int:
    """Open the explorer; return the process exit code."""
    config = load_config(binding_ids=keymap.BY_ID, key_check=keymap.clashes)
    if options.demo:
        from kubedeck.demo import running_demo

        if not (options.namespace or options.all_namespaces):
            options = replace(options, all_namespaces=True)  # the whole demo world at once
        from pipelines.sample import materialize

        with tempfile.TemporaryDirectory(prefix="kubedeck-demo-") as folder, \
                running_demo(folder) as demo:
            return _run_app(build_app(options, config, kubeconfig_path=demo.kubeconfig,
                                      discovery_cache=False,
                                      cloud=CloudAccess(demo.cloud_context), demo=demo,
                                      sample=materialize(Path(folder))))
    return _run_app(build_app(options, config))


def build_app(options: ExplorerOptions, config: Config, *, kubeconfig_path: str | None = None,
              discovery_cache: bool = True, clock: Callable[[], float] | None = None,
              cloud: CloudAccess | None = None, demo: RunningDemo | None = None,
              sample: Path | None = None) -> KubedeckApp:
    """Check the pipeline file, connect and check the first view; raises KubedeckError with
    a one-line message. `cloud` serves `:gke` and `:images` (default: ADC, made on first
    use); `demo` is the embedded world deploys go to in `kubedeck demo`, `sample` its sample
    app's folder."""
    deploys = DeploySetup(pipeline=pipeline_file(options), demo=demo, sample=sample)
    try:
        timeout = parse_request_timeout(options.request_timeout)
    except ValueError as exc:
        raise KubedeckError(f"error: {exc}") from None
    if options.gke:
        cloud, session = _open_gke(options, config, timeout, discovery_cache)
    else:
        session = Session.open(config=config,
                               kubeconfig_path=kubeconfig_path or options.kubeconfig,
                               context=options.context, namespace=options.namespace,
                               all_namespaces=options.all_namespaces,
                               readonly=options.readonly, request_timeout=timeout,
                               discovery_cache=discovery_cache)
    command = options.command or "pods"
    try:
        parsed = parse(command)
        if parsed.verb == "view":
            session.discovery.resolve(parsed.arg)
    except (CommandError, KubedeckError) as exc:
        session.close()
        if cloud is not None:
            cloud.close()
        message = str(exc).removeprefix("error: ")
        raise KubedeckError(f'error: -c "{command}": {message}', exit_code=2) from None
    return KubedeckApp(session, clock=clock, start_command=command, readonly=options.readonly,
                       discovery_cache=discovery_cache, cloud=cloud, deploys=deploys)


def pipeline_file(options: ExplorerOptions) -> Path | None:
    """`--pipeline FILE`, absolute and checked: a missing or broken file is a usage error
    now rather than a surprise at the first deploy."""
    if options.pipeline is None:
        return None
    path = Path(options.pipeline).expanduser().absolute()
    if not path.is_file():
        raise KubedeckError(f"error: --pipeline {options.pipeline}: no such file (give the "
                            "path of a kubedeck.yaml; `kubedeck init` writes one)", exit_code=2)
    from pipelines.spec import load_spec

    try:
        load_spec(path)
    except KubedeckError as exc:
        raise KubedeckError(f"error: --pipeline: {exc.message}", exit_code=2) from None
    return path


def _open_gke(options: ExplorerOptions, config: Config, timeout: float | None,
              discovery_cache: bool) -> tuple[CloudAccess, Session]:
    """`--gke PROJECT/LOCATION/CLUSTER`: the path `kubedeck get --gke` takes (the GKE API for
    the endpoint and CA, the ADC token as bearer), progress on stderr before the TUI starts.
    The cloud context stays for `:gke` and `:images`; `:ctx` still lists the kubeconfig's
    contexts."""
    from kubedeck.cloud.context import cloud_context
    from kubedeck.cloud.gke import ClusterRef

    if options.context or options.kubeconfig:
        raise KubedeckError("error: --gke picks the cluster itself; drop --context/--kubeconfig")
    ref = ClusterRef.parse(options.gke or "")
    ctx = cloud_context(config)
    try:
        session = Session.open_gke(
            ctx, ref, config=config, namespace=options.namespace,
            all_namespaces=options.all_namespaces, readonly=options.readonly,
            request_timeout=timeout, discovery_cache=discovery_cache,
            progress=lambda text: print(text, file=sys.stderr, flush=True))
    except BaseException:
        ctx.close()
        raise
    return CloudAccess.ready(ctx), session


def _run_app(app: KubedeckApp) -> int:
    try:
        app.run()
    finally:
        app.session.close()
        app.cloud.close()
    return app.return_code or 0
