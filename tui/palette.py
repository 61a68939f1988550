"""The command palette (ctrl+p): every action of the current view and every `:` command.

Actions go through the view's own bindings (so kind-specific ones only appear where they
apply) and through `app.allowed`, so read-only refuses them here as it does for keys.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui import keymap
from tui.commands import BUILTINS, resource_names


class KubedeckCommands(Provider):
    def _entries(self) -> list[tuple[str, str, object]]:
        app = self.app
        screen = self.screen
        keys = app.keymap_config
        entries: list[tuple[str, str, object]] = []
        for binding in getattr(screen, "BINDINGS", ()):
            spec = keymap.BY_ID.get(getattr(binding, "id", None) or "")
            if spec is None or spec.scope == keymap.GLOBAL:
                continue
            if not spec.mutating and screen.check_action(spec.action, ()) is False:
                continue
            applies = getattr(screen, "action_applies", None)
            if applies is not None and not applies(spec.id):
                continue
            shown = ", ".join(keymap.keys_of(spec.id, keys))
            entries.append((spec.description, f"action <{shown}>",
                            partial(self._run_action, spec.id, spec.action)))
        for name in BUILTINS:
            entries.append((f":{name}", "command", partial(app.open_command, name)))
        for resource in app.session.discovery.preferred():
            if "list" not in resource.verbs:
                continue
            names = resource_names(resource)
            entries.append((f":{resource.name}", f"view ({', '.join(names[1:])})",
                            partial(app.open_command, resource.name)))
        return entries

    async def _run_action(self, binding_id: str, action: str) -> None:
        if self.app.allowed(binding_id):
            await self.screen.run_action(action)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
