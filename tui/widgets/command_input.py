"""The `:` prompt: an Input that suggests as you type and completes with tab."""

from __future__ import annotations

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input

from kubedeck.kube.errors import KubedeckError
from kubedeck.kube.kubeconfig import load_kubeconfig
from tui.commands import command_names, complete
from tui.session import Session, namespace_names


class CommandSuggester(Suggester):
    """Suggests the shortest name starting with what was typed (`de` -> `deploy`)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # context names keep case
        self.names = names
        self.namespaces: list[str] = []
        self.contexts: list[str] = []
        self.cloud: dict[str, list[str]] = {}  # projects after `gke`, repositories after `images`

    async def get_suggestion(self, value: str) -> str | None:
        found = complete(value, self.names, self.namespaces, self.contexts, self.cloud)
        return found[0] if found else None


class CommandInput(Input):
    """Hidden until `:`; Enter submits the line to the app, esc closes it."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("escape", "close", "Close", show=False),
    ]

    class Run(Message):
        """A command line to run (the `:` is not part of it)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__(placeholder="command: a kind (po, deploy, …), ns, ctx, pf, help, q",
                         suggester=CommandSuggester([]))
        self._return_focus: Widget | None = None
        self.can_focus = False  # a closed prompt must not take the screen's first focus

    def open(self) -> None:
        assert isinstance(self.suggester, CommandSuggester)
        self.suggester.names = command_names(self.app.session.discovery.preferred())
        self.suggester.cloud = {"gke": self.app.cloud.projects,
                                "images": self.app.cloud.repositories}
        self._load_choices(self.app.session)
        self.value = ""
        self._return_focus = self.screen.focused
        self.can_focus = True
        self.add_class("-open")
        # Now, not via Widget.focus()'s call_later: keys already queued behind the `:` (a fast
        # typist, tmux send-keys) must land here, not on the table's bindings.
        self.screen.set_focus(self)

    def action_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.can_focus = False
        self.screen.set_focus(self._return_focus)
        self._return_focus = None

    @work(thread=True, exclusive=True, group="command-choices", exit_on_error=False)
    def _load_choices(self, session: Session) -> None:
        """Namespaces (for the word after a kind) and contexts (after `ctx`); without the
        rights to list namespaces, or with no kubeconfig file, that word is not completed."""
        try:
            contexts = list(load_kubeconfig(session.kubeconfig_path).contexts)
        except KubedeckError:
            contexts = []
        try:
            namespaces = namespace_names(session.conn)
        except KubedeckError:
            namespaces = []
        self.app.call_from_thread(self._set_choices, namespaces, contexts)

    def _set_choices(self, namespaces: list[str], contexts: list[str]) -> None:
        assert isinstance(self.suggester, CommandSuggester)
        self.suggester.namespaces = namespaces
        self.suggester.contexts = contexts

    def action_complete(self) -> None:
        assert isinstance(self.suggester, CommandSuggester)
        found = complete(self.value, self.suggester.names, self.suggester.namespaces,
                         self.suggester.contexts, self.suggester.cloud)
        if found:
            self.value = found[0]
            self.cursor_position = len(self.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.action_close()
        if text:
            self.post_message(self.Run(text))
