"""Entry of the explorer from the CLI (`kubedeck`, `kubedeck demo`): the `explorer` entry point.

Everything that can fail for a reason the user must fix (config file, kubeconfig, context,
an unreachable server, an unknown `-c` kind) is checked here, before the terminal switches to
the TUI, so it is reported as the same one line `kubedeck get` prints.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace

from kubedeck.config import Config, load_config
from kubedeck.frontends import ExplorerOptions
from kubedeck.kube.durations import parse_request_timeout
from kubedeck.kube.errors import KubedeckError
from tui import keymap
from tui.app import KubedeckApp
from tui.commands import CommandError, parse
from tui.session import Session


def run(options: ExplorerOptions) -> int:
    """Open the explorer; return the process exit code."""
    config = load_config(binding_ids=keymap.BY_ID, key_check=keymap.clashes)
    if options.demo:
        from kubedeck.demo import running_demo

        if not (options.namespace or options.all_namespaces):
            options = replace(options, all_namespaces=True)  # the whole demo world at once
        with tempfile.TemporaryDirectory(prefix="kubedeck-demo-") as folder, \
                running_demo(folder) as path:
            return _run_app(build_app(options, config, kubeconfig_path=path, discovery_cache=False))
    return _run_app(build_app(options, config))


def build_app(options: ExplorerOptions, config: Config, *, kubeconfig_path: str | None = None,
              discovery_cache: bool = True, clock: Callable[[], float] | None = None
              ) -> KubedeckApp:
    """Connect and check the first view; raises KubedeckError with a one-line message."""
    try:
        timeout = parse_request_timeout(options.request_timeout)
    except ValueError as exc:
        raise KubedeckError(f"error: {exc}") from None
    session = Session.open(config=config, kubeconfig_path=kubeconfig_path or options.kubeconfig,
                           context=options.context, namespace=options.namespace,
                           all_namespaces=options.all_namespaces, readonly=options.readonly,
                           request_timeout=timeout, discovery_cache=discovery_cache)
    command = options.command or "pods"
    try:
        parsed = parse(command)
        if parsed.verb == "view":
            session.discovery.resolve(parsed.arg)
    except (CommandError, KubedeckError) as exc:
        session.close()
        message = str(exc).removeprefix("error: ")
        raise KubedeckError(f'error: -c "{command}": {message}', exit_code=2) from None
    return KubedeckApp(session, clock=clock, start_command=command, readonly=options.readonly,
                       discovery_cache=discovery_cache)


def _run_app(app: KubedeckApp) -> int:
    try:
        app.run()
    finally:
        app.session.close()
    return app.return_code or 0
