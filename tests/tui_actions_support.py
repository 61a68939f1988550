"""Helpers for the resource-action, detail and logs tests: refs into the demo world, kubectl
against the same server, and waiting on conditions (polling with a deadline, never a fixed
sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from conftest import KubectlRunner, make_kubectl

from kubedeck.kube.actions import ObjectRef


def ref(app, kind: str, name: str, namespace: str | None) -> ObjectRef:
    return ObjectRef(app.session.discovery.resolve(kind), name, namespace)


def kubectl_for(world, tmp_path: Path) -> KubectlRunner:
    return make_kubectl(world.kubeconfig, tmp_path / "kubectl-cache")


async def until(pilot, condition: Callable[[], object], timeout: float = 20.0,
                what: str = "condition") -> None:
    """Let the app run until `condition()` is true; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()  # let a just-pushed screen lay out before the test clicks on it


async def settled(pilot, worker) -> None:
    """Wait for an action's worker (from resource_actions.run) to finish."""
    await until(pilot, lambda: worker is None or worker.is_finished, what="the action")
    await pilot.pause()
