"""Building the explorer over a freshly seeded simulated cluster, for the TUI tests.

The world is seeded (repeatable pod names) under a ManualClock (fixed ages) and served on
127.0.0.1:0; the app reaches it through a kubeconfig file and the normal client path. The
controllers are NOT started, so nothing changes unless a test calls `world.cluster.start()`
or `world.cluster.step(seconds)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kubedeck.config import Config
from kubedeck.fake.cluster import FakeCluster
from kubedeck.fake.seed import seed_demo
from kubedeck.fake.serve import RunningServer, serve, write_kubeconfig
from kubedeck.fake.store import ManualClock

DEMO_SEED = 7
CONTEXT = "kubedeck-demo"


@dataclass
class DemoWorld:
    cluster: FakeCluster
    server: RunningServer
    clock: ManualClock
    kubeconfig: Path
    context: str = CONTEXT

    def stop(self) -> None:
        self.server.stop()
        self.cluster.stop()


def start_world(directory: Path, context: str = CONTEXT, seed: int = DEMO_SEED) -> DemoWorld:
    clock = ManualClock()
    cluster = FakeCluster(clock, seed=seed)
    seed_demo(cluster)
    server = serve(cluster, port=0)
    path = write_kubeconfig(directory / f"{context}.kubeconfig", server, context=context)
    return DemoWorld(cluster, server, clock, path, context)


def build_app(world: DemoWorld, *, config: Config | None = None, command: str | None = None,
              namespace: str | None = None, all_namespaces: bool = False,
              readonly: bool = False, kubeconfig: Path | None = None,
              probe_seconds: float = 5.0):
    """A KubedeckApp (not running) on `world`, the way `kubedeck` builds one."""
    from tui.app import KubedeckApp
    from tui.session import Session

    session = Session.open(config=config or Config(), kubeconfig_path=str(kubeconfig or
                                                                          world.kubeconfig),
                           context=world.context, namespace=namespace,
                           all_namespaces=all_namespaces, readonly=readonly,
                           discovery_cache=False)
    return KubedeckApp(session, clock=world.clock.now, start_command=command,
                       probe_seconds=probe_seconds, readonly=readonly, discovery_cache=False)


async def wait_for(pilot, predicate, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll `predicate` between screen updates until it holds (fails after `timeout`, saying
    what the app showed: a shared 2-core machine can be slow, never this slow)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            app = pilot.app
            views = [getattr(s, "crumb", "") or type(s).__name__ for s in app.screen_stack]
            raise AssertionError(f"timed out waiting for {what}; views {views}, flash "
                                 f"{app.flash_message!r}")
        await pilot.pause(0.05)


def screen_text(app) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def column(screen, header: str = "NAME") -> list[str]:
    """One column of a resource view's rows, in display order."""
    model = screen.model
    index = model.headers().index(header)
    return [row[index] for row in model.table_rows()]


async def wait_view(pilot, app, kind: str, rows: int = 1):
    """Wait until the current view lists `kind` (plural) with at least `rows` rows."""
    def ready() -> bool:
        screen = app.screen
        resource = getattr(screen, "resource", None)
        return (resource is not None and resource.name == kind
                and getattr(screen, "reflector", None) is not None
                and screen.reflector.synced.is_set() and screen.model.total >= rows)

    await wait_for(pilot, ready, what=f"the {kind} view with {rows}+ rows")
    return app.screen
