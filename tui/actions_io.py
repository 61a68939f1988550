"""How resource actions wait for blocking calls and word their results.

An action is an async worker (it awaits dialogs); each blocking call inside it runs in a
thread worker, so the event loop never waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.app import App
from textual.worker import WorkerFailed

from kubedeck.kube.actions import ObjectRef
from tui.detail_text import ref_label

T = TypeVar("T")


async def blocking(app: App, call: Callable[[], T], *, name: str) -> T:
    """Run `call` in a thread worker and return its result (its exception is re-raised)."""
    worker = app.run_worker(call, thread=True, exit_on_error=False, group="resource-io",
                            name=name)
    try:
        return await worker.wait()
    except WorkerFailed as failed:
        raise failed.error from None


def summary(verb: str, what: str, refs: list[ObjectRef],
            failures: list[tuple[ObjectRef, str]]) -> tuple[str, str]:
    """One flash line (text, severity) for an action on one or many objects."""
    if not failures:
        return f"{verb} {what}", "information"
    if len(refs) == 1:
        return failures[0][1], "error"
    ok = len(refs) - len(failures)
    first_ref, first_error = failures[0]
    more = f" (+{len(failures) - 1} more failed)" if len(failures) > 1 else ""
    return (f"{verb} {ok} of {len(refs)} {refs[0].resource.name}; {first_ref.name}: "
            f"{first_error}{more}", "error" if ok == 0 else "warning")


def what(refs: list[ObjectRef]) -> str:
    """`pod shop/web-1`, or `3 pods` for marked rows."""
    return ref_label(refs[0]) if len(refs) == 1 else f"{len(refs)} {refs[0].resource.name}"
