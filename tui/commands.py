"""Command mode: what `:text` means, and running it against the app.

Parsing is pure (tested without a terminal); resolving a kind may refresh discovery over
HTTP, so it runs in a thread worker and hands the view back to the event loop.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from kubedeck.kube.discovery import APIResource
from kubedeck.kube.errors import ApiError, ConnectError, KubedeckError

if TYPE_CHECKING:
    from tui.app import KubedeckApp

QUIT = ("q", "q!", "quit")


class CommandError(KubedeckError):
    """A command that cannot run; its message is the flash."""


@dataclass(frozen=True)
class Command:
    """One parsed `:` line. `verb` is `view` for a resource kind, else the built-in's name."""

    verb: str
    arg: str = ""
    namespace: str | None = None
    all_namespaces: bool = False
    label_selector: str | None = None


def parse(text: str) -> Command:
    """`pods`, `deploy kube-system`, `po -A`, `svc -l app=web`, `ctx NAME`, `ns NAME`,
    `gke PROJECT`, `images REPO`, `runs [APP]`, `q`."""
    try:
        words = shlex.split(text.strip().removeprefix(":"))
    except ValueError as exc:
        raise CommandError(f"bad command {text!r}: {exc}") from None
    if not words:
        raise CommandError("empty command (try :help)")
    head, rest = words[0], words[1:]
    low = head.lower()
    if low in QUIT:
        return Command("quit")
    if low in ("ctx", "context", "contexts", "ns", "pf", "portforward", "portforwards",
               "help", "?", "aliases", "alias", "a", "gke", "images", "image", "runs", "run"):
        verb = {"context": "ctx", "contexts": "ctx", "portforward": "pf",
                "portforwards": "pf", "?": "help", "alias": "aliases", "a": "aliases",
                "image": "images", "run": "runs"}
        if len(rest) > 1:
            raise CommandError(f":{low} takes at most one argument")
        return Command(verb.get(low, low), rest[0] if rest else "")
    namespace: str | None = None
    all_ns = False
    selector: str | None = None
    i = 0
    while i < len(rest):
        word = rest[i]
        if word in ("-A", "--all-namespaces"):
            all_ns = True
        elif word in ("-l", "--selector"):
            if i + 1 >= len(rest):
                raise CommandError(f":{head} -l needs a label selector, e.g. -l app=web")
            i += 1
            selector = rest[i]
        elif word.startswith("-l") and len(word) > 2:
            selector = word[2:]
        elif word.startswith("-"):
            raise CommandError(f'unknown flag "{word}" (use -A, -l SELECTOR or a namespace)')
        elif namespace is None:
            namespace = word
        else:
            raise CommandError(f'unexpected "{word}" after :{head} {namespace}')
        i += 1
    if namespace == "all":
        namespace, all_ns = None, True
    return Command("view", head, namespace, all_ns, selector)


def run_command(app: KubedeckApp, text: str) -> None:
    """Run a `:` line; problems become a flash, the view stack stays as it was."""
    try:
        command = parse(text)
    except CommandError as exc:
        app.flash(str(exc), "error")
        return
    if command.verb == "quit":
        app.action_quit()
    elif command.verb == "view":
        _open_view(app, command)
    else:
        app.run_builtin(command)


def _open_view(app: KubedeckApp, command: Command) -> None:
    """Resolve in a thread; a newer command cancels this one (exclusive group)."""
    app.run_worker(lambda: _resolve(app, command), thread=True, exclusive=True,
                   exit_on_error=False, group="command", name=f"command {command.arg}")


def _resolve(app: KubedeckApp, command: Command) -> None:
    session = app.session
    try:
        resource = session.discovery.resolve(command.arg)
    except (ConnectError, ApiError):
        raise  # refreshing discovery failed: the worker's error is the flash
    except KubedeckError:
        resource = None
    if get_current_worker().is_cancelled:
        return
    if resource is None:
        app.call_from_thread(app.flash, f'unknown resource "{command.arg}" (try :aliases)',
                             "error")
    else:
        app.call_from_thread(app.show_resource, resource, command, session)


def resource_names(resource: APIResource) -> list[str]:
    """Every name a user may type for a resource (the completion and :aliases list)."""
    names = [resource.name, resource.singular, *resource.short_names, resource.kind.lower()]
    if resource.group:
        names.append(f"{resource.name}.{resource.group}")
    return list(dict.fromkeys(n for n in names if n))


BUILTINS = ("ctx", "ns", "pf", "gke", "images", "help", "aliases", "q", "quit")


def command_names(resources: list[APIResource]) -> list[str]:
    """What `:` completes: the built-ins, then every name of every discovered resource."""
    names = list(BUILTINS)
    for resource in resources:
        names.extend(resource_names(resource))
    return list(dict.fromkeys(names))


def complete(text: str, names: list[str], namespaces: list[str] = (),
             contexts: list[str] = (), cloud: Mapping[str, Sequence[str]] | None = None
             ) -> list[str]:
    """Full command lines completing `text`: the first word against `names` (shortest first,
    so `de` offers `deploy` before `deployments`), the word after `ctx` against `contexts`,
    the word after `gke` / `images` against `cloud["gke"]` (projects) / `cloud["images"]`
    (repositories) seen so far, the word after a kind or `ns` against `namespaces`
    (`po kube-` -> `po kube-system`)."""
    words = text.lstrip().split(" ")
    if len(words) == 1:
        low = words[0].lower()
        if not low:
            return []
        return sorted((n for n in names if n.startswith(low) and n != low),
                      key=lambda n: (len(n), n))
    head, partial = words[0].lower(), words[-1]
    if len(words) != 2 or not partial or partial.startswith("-") or head not in names \
            or head in ("pf", "help", "aliases", "q", "quit"):
        return []
    if head in ("gke", "images"):
        choices = (cloud or {}).get(head, ())
    elif head in ("ctx", "context", "contexts"):
        choices = contexts
    else:
        choices = namespaces
    prefix = text[:len(text) - len(partial)]
    return [prefix + c for c in sorted(choices, key=lambda n: (len(n), n))
            if c.startswith(partial) and c != partial]


def aliases(resources: list[APIResource]) -> list[tuple[str, str, str]]:
    """(resource, group, names) rows for `:aliases`, sorted by resource."""
    rows = [(r.name, r.group, ", ".join(resource_names(r))) for r in resources]
    return sorted(rows)


@dataclass
class History:
    """Typed commands for `[` and `]` (k9s): walking does not record, typing truncates."""

    entries: list[str]
    position: int = -1

    def record(self, text: str) -> None:
        del self.entries[self.position + 1:]
        if not self.entries or self.entries[-1] != text:
            self.entries.append(text)
        self.position = len(self.entries) - 1

    def back(self) -> str | None:
        if self.position <= 0:
            return None
        self.position -= 1
        return self.entries[self.position]

    def forward(self) -> str | None:
        if self.position >= len(self.entries) - 1:
            return None
        self.position += 1
        return self.entries[self.position]
