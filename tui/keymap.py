"""Every key binding of the explorer, with a stable id, so users remap by id and read-only
mode can hide mutating actions in one place instead of in every screen.

Screens build `BINDINGS` with `bindings(scope)` and implement `action_<id>` (the action of
a binding is its id); the app applies the config file's `keys:` through Textual's
`App.set_keymap`, which matches on these ids. Read-only mode leaves mutating bindings out, and
`KubedeckApp.allowed(id)` refuses them when the palette or a command invokes them anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Input, TextArea


@dataclass(frozen=True)
class BindingSpec:
    """One remappable binding: `id` is what the config file's `keys:` names."""

    id: str
    key: str
    description: str
    scope: str
    mutating: bool = False
    show: bool = True
    action_name: str = ""

    @property
    def action(self) -> str:
        """The screen's `action_<name>`: the id, unless the spec names another."""
        return self.action_name or self.id


def _s(id_: str, key: str, description: str, scope: str, mutating: bool = False,
       show: bool = True, action: str = "") -> BindingSpec:
    return BindingSpec(id_, key, description, scope, mutating, show, action)


GLOBAL = "global"
TABLE = "table"
RESOURCE = "resource"
DETAIL = "detail"
LOGS = "logs"
DEPLOY = "deploy"
RUNS = "runs"

SPECS: tuple[BindingSpec, ...] = (
    _s("command", "colon", "Command", GLOBAL),
    _s("filter", "slash", "Filter", GLOBAL),
    _s("help", "question_mark", "Help", GLOBAL),
    _s("back", "escape", "Back", GLOBAL),
    _s("quit", "ctrl+c", "Quit", GLOBAL, show=False),
    _s("history_back", "left_square_bracket", "History back", GLOBAL, show=False),
    _s("history_forward", "right_square_bracket", "History forward", GLOBAL, show=False),
    _s("ns_all", "0", "All namespaces", GLOBAL, show=False),
    *(_s(f"ns_fav_{i}", str(i), f"Favourite namespace {i}", GLOBAL, show=False)
      for i in range(1, 10)),
    _s("deploy", "D", "Deploy", GLOBAL, mutating=True),
    # the resource table (tui/screens/resources.py)
    _s("view", "enter", "View", TABLE),
    _s("mark", "space", "Mark", TABLE),
    _s("mark_clear", "ctrl+backslash", "Clear marks", TABLE, show=False),
    _s("wide", "ctrl+w", "Wide", TABLE),
    _s("errors_only", "ctrl+z", "Errors only", TABLE),
    _s("sort_name", "N", "Sort name", TABLE, show=False),
    _s("sort_age", "A", "Sort age", TABLE, show=False),
    _s("sort_status", "S", "Sort status", TABLE, show=False),
    _s("sort_ready", "R", "Sort ready", TABLE, show=False),
    _s("sort_restarts", "T", "Sort restarts", TABLE, show=False),
    _s("sort_ip", "I", "Sort IP", TABLE, show=False),
    _s("sort_node", "O", "Sort node", TABLE, show=False),
    _s("sort_next", "greater_than_sign", "Sort next column", TABLE, show=False),
    _s("sort_prev", "less_than_sign", "Sort previous column", TABLE, show=False),
    _s("save_csv", "ctrl+s", "Save CSV", TABLE),
    # resource actions (tui/resource_actions.py); kind-specific ones share keys
    _s("describe", "d", "Describe", RESOURCE),
    _s("yaml", "y", "YAML", RESOURCE),
    _s("edit", "e", "Edit", RESOURCE, mutating=True),
    _s("logs", "l", "Logs", RESOURCE),
    _s("logs_previous", "p", "Previous logs", RESOURCE),
    _s("shell", "s", "Shell", RESOURCE, mutating=True),
    _s("scale", "s", "Scale", RESOURCE, mutating=True),
    _s("restart", "r", "Restart", RESOURCE, mutating=True),
    _s("port_forward", "F", "Port-forward", RESOURCE, mutating=True),
    _s("delete", "ctrl+d", "Delete", RESOURCE, mutating=True),
    _s("kill", "ctrl+k", "Kill", RESOURCE, mutating=True),
    _s("decode", "x", "Decode", RESOURCE),
    _s("cordon", "c", "Cordon", RESOURCE, mutating=True),
    _s("uncordon", "u", "Uncordon", RESOURCE, mutating=True),
    _s("drain", "r", "Drain", RESOURCE, mutating=True),
    _s("events", "v", "Events", RESOURCE),
    # detail views: describe / YAML / events / decoded secret
    _s("find", "slash", "Find", DETAIL),
    _s("find_next", "n", "Next match", DETAIL),
    _s("find_prev", "N", "Previous match", DETAIL),
    _s("yaml_managed", "m", "Managed fields", DETAIL),
    _s("copy", "c", "Copy", DETAIL),
    _s("detail_wrap", "w", "Wrap", DETAIL, action="wrap"),
    # logs
    _s("logs_follow", "s", "Autoscroll", LOGS),
    _s("logs_wrap", "w", "Wrap", LOGS),
    _s("logs_timestamps", "t", "Timestamps", LOGS),
    _s("logs_since_tail", "0", "Tail", LOGS),
    _s("logs_since_1m", "1", "1m", LOGS),
    _s("logs_since_5m", "2", "5m", LOGS),
    _s("logs_since_15m", "3", "15m", LOGS),
    _s("logs_since_1h", "4", "1h", LOGS),
    _s("logs_json", "j", "JSON", LOGS),
    _s("logs_container", "o", "Container", LOGS),
    _s("logs_save", "ctrl+s", "Save", LOGS),
    _s("logs_find", "slash", "Filter", LOGS),
    # the deploy screen (tui/screens/deploy.py)
    _s("deploy_cancel", "c", "Cancel run", DEPLOY, mutating=True),
    _s("deploy_promote", "P", "Promote", DEPLOY, mutating=True),
    _s("deploy_abort", "A", "Abort", DEPLOY, mutating=True),
    _s("deploy_rollback", "B", "Roll back", DEPLOY, mutating=True),
    _s("deploy_rerun", "R", "Re-run", DEPLOY, mutating=True),
    _s("deploy_diff", "f", "Diff / log", DEPLOY),
    _s("deploy_follow", "s", "Autoscroll", DEPLOY),
    # past runs (tui/screens/runs.py)
    _s("runs_view", "enter", "View", RUNS),
    _s("runs_rerun", "r", "Re-run", RUNS, mutating=True),
)

BY_ID: dict[str, BindingSpec] = {s.id: s for s in SPECS}

# Bindings that open an input. They are priority bindings, run by the app as it reads each key
# rather than by the focused widget's queue, so the keys typed right behind them (a fast
# typist, tmux send-keys) already find the input focused instead of firing table actions.
OPENS_INPUT = frozenset({"command", "filter", "find", "logs_find"})
SCOPES: tuple[str, ...] = (GLOBAL, TABLE, RESOURCE, DETAIL, LOGS, DEPLOY, RUNS)


def spec(binding_id: str) -> BindingSpec:
    return BY_ID[binding_id]


def specs(scope: str, readonly: bool = False) -> list[BindingSpec]:
    """The bindings of one scope; read-only drops mutating ones entirely (not just hidden)."""
    return [s for s in SPECS if s.scope == scope and not (readonly and s.mutating)]


def bindings(scope: str, readonly: bool = False,
             ids: set[str] | None = None) -> list[Binding]:
    """Textual Bindings for a scope, each with `id=` so `App.set_keymap` can remap it.

    `ids` narrows the scope to the bindings a screen shows (e.g. the actions that apply to
    the current kind, so `s` means Shell on pods and Scale on deployments)."""
    return [Binding(s.key, s.action, s.description, show=s.show, id=s.id,
                    priority=s.id in OPENS_INPUT)
            for s in specs(scope, readonly) if ids is None or s.id in ids]


def yields_to_input(binding_id: str, focused: object) -> bool:
    """An input-opening key typed INTO an input is text (`/` in a filter, `:` in a value)."""
    return binding_id in OPENS_INPUT and isinstance(focused, (Input, TextArea))


def is_mutating(binding_id: str) -> bool:
    found = BY_ID.get(binding_id)
    return bool(found and found.mutating)


def refused_message(binding_id: str) -> str:
    """The flash shown when read-only mode refuses an action, however it was invoked."""
    found = BY_ID.get(binding_id)
    name = found.description.lower() if found else binding_id
    return f"read-only: {name} is disabled"


def effective(config_keys: Mapping[str, str]) -> dict[str, str]:
    """The keymap to give `App.set_keymap`: the config's keys, plus the default key of every
    binding that shares a default key with a remapped one. Textual drops a whole key's
    bindings when it rebinds one of them, so remapping `shell` alone would also unbind
    `scale` (both `s`); naming the partners keeps them."""
    out = dict(config_keys)
    for binding_id in config_keys:
        own = BY_ID.get(binding_id)
        if own is None:
            continue
        for other in SPECS:
            if other.key == own.key and other.id not in out:
                out[other.id] = other.key
    return out


def keys_of(binding_id: str, keymap: Mapping[str, str]) -> list[str]:
    """The keys that invoke a binding now (remapped or default)."""
    return [k.strip() for k in (keymap.get(binding_id) or BY_ID[binding_id].key).split(",")]


def refused_for_key(screen: DOMNode, key: str, keymap: Mapping[str, str]) -> str | None:
    """The mutating binding of `screen` that `key` would invoke were it not read-only."""
    applies = getattr(screen, "action_applies", None)
    for binding in getattr(screen, "BINDINGS", ()):
        binding_id = getattr(binding, "id", None)
        if binding_id not in BY_ID or not is_mutating(binding_id):
            continue
        keys = {_normal(k) for k in keys_of(binding_id, keymap)}
        if _normal(key) in keys and (applies is None or applies(binding_id)):
            return binding_id
    return None


# Scopes whose bindings are active on one view at the same time.
_TOGETHER = ((GLOBAL, TABLE, RESOURCE), (GLOBAL, DETAIL), (GLOBAL, LOGS), (GLOBAL, DEPLOY),
             (GLOBAL, RUNS))


def _sharing(keymap: Mapping[str, str]) -> dict[frozenset[str], str]:
    """Pairs of bindings on one view that answer to the same key, with that key."""
    out: dict[frozenset[str], str] = {}
    for scopes in _TOGETHER:
        by_key: dict[str, list[str]] = {}
        for s in SPECS:
            if s.scope in scopes:
                for key in keys_of(s.id, keymap):
                    by_key.setdefault(_normal(key), []).append(s.id)
        for key, ids in by_key.items():
            for a, b in combinations(sorted(set(ids)), 2):
                out.setdefault(frozenset((a, b)), key)
    return out


def clashes(config_keys: Mapping[str, str]) -> dict[str, str]:
    """{binding id: problem} for remaps that make two bindings of one view share a key.
    Keys shared by default are by design (Shell and Scale on `s` apply to different kinds;
    a view's `/` shadows the global filter), so only pairs the remap created count."""
    if not config_keys:
        return {}
    keys = effective(config_keys)
    created = _sharing(keys).items() - _sharing({}).items()
    problems: dict[str, str] = {}
    for pair, key in sorted(created, key=lambda item: sorted(item[0])):
        mine = sorted(i for i in pair if i in config_keys) or sorted(pair)
        for binding_id in mine:
            other = next(i for i in pair if i != binding_id)
            typed = next((k for k in keys_of(binding_id, keys) if _normal(k) == key), key)
            problems.setdefault(binding_id, f'"{typed}" is already the key of {other} '
                                f"({BY_ID[other].description}) in the same view; give one of "
                                "them another key")
    return problems


def _normal(key: str) -> str:
    """One spelling per key: Textual names `?` `question_mark` and `F` `shift+f` / `F`."""
    from textual.keys import _character_to_key

    return _character_to_key(key) if len(key) == 1 else key
