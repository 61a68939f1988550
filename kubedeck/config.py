"""The user's settings file (`$XDG_CONFIG_HOME/kubedeck/config.yaml`), loaded and validated.

No textual here: the config is plain data so the CLI can report a broken file as one line
before the TUI starts. Binding ids are checked against a set the caller passes in (the TUI's
keymap), which keeps this module free of the front end.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOG_SINCE = ("tail", "1m", "5m", "15m", "1h")


@dataclass(frozen=True)
class LogSettings:
    tail: int = 200
    buffer: int = 10000
    since: str = "tail"
    timestamps: bool = False
    wrap: bool = False


@dataclass(frozen=True)
class ContextSettings:
    """Per-context overrides: `readonly` and `namespace` win over the top-level values."""

    readonly: bool | None = None
    namespace: str | None = None
    favorites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: str = ""
    readonly: bool = False
    keys: Mapping[str, str] = field(default_factory=dict)
    favorites: tuple[str, ...] = ()
    contexts: Mapping[str, ContextSettings] = field(default_factory=dict)
    logs: LogSettings = LogSettings()
    screen_dump_dir: str = ""
    csv_dir: str = ""
    refresh_rate: float = 2.0

    def context(self, name: str) -> ContextSettings:
        return self.contexts.get(name, ContextSettings())

    def readonly_for(self, context: str) -> bool:
        own = self.context(context).readonly
        return self.readonly if own is None else own

    def favorites_for(self, context: str) -> tuple[str, ...]:
        """Configured favourites of the context first, then the global ones, no repeats."""
        seen: dict[str, None] = {}
        for ns in (*self.context(context).favorites, *self.favorites):
            seen.setdefault(ns, None)
        return tuple(seen)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("KUBEDECK_CONFIG"):
        return Path(env["KUBEDECK_CONFIG"])
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "kubedeck" / "config.yaml"
