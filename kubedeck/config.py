"""The user's settings file (`$XDG_CONFIG_HOME/kubedeck/config.yaml`), loaded and validated.

No textual here: the config is plain data so a broken file is reported as one line before
the TUI starts. Errors name the file, the line and the field (from YAML node marks), because
a config file is edited by hand and "invalid config" alone sends the user hunting. Binding
ids are checked against the set the caller passes (the TUI's keymap), which keeps this module
free of the front end.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kubedeck.kube.errors import KubedeckError

LOG_SINCE = ("tail", "1m", "5m", "15m", "1h")
RECENT_LIMIT = 9


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


GCP_APIS = ("container", "artifactregistry", "cloudbuild", "storage")


@dataclass(frozen=True)
class GcpSettings:
    """Google Cloud defaults: the project when none is given, and API base URLs for users on
    private or regional endpoints (kubedeck.cloud.endpoints lets the environment override)."""

    project: str | None = None
    endpoints: Mapping[str, str] = field(default_factory=dict)


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
    gcp: GcpSettings = GcpSettings()

    def context(self, name: str) -> ContextSettings:
        return self.contexts.get(name, ContextSettings())

    def readonly_for(self, context: str) -> bool:
        own = self.context(context).readonly
        return self.readonly if own is None else own

    def favorites_for(self, context: str) -> tuple[str, ...]:
        """Configured favourites of the context first, then the global ones, no repeats."""
        return tuple(dict.fromkeys((*self.context(context).favorites, *self.favorites)))


class ConfigError(KubedeckError):
    """A problem in the config file, as `FILE:LINE: FIELD: what is wrong (what is allowed)`."""


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("KUBEDECK_CONFIG"):
        return Path(env["KUBEDECK_CONFIG"])
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "kubedeck" / "config.yaml"


KeyCheck = Callable[[Mapping[str, str]], Mapping[str, str]]


def load_config(path: Path | None = None, *, binding_ids: Collection[str] = (),
                key_check: KeyCheck | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config file; a missing file is the defaults, not an error."""
    path = path or config_path(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=str(path))
    except OSError as exc:
        raise ConfigError(f"error: cannot read the config file {path}: {exc.strerror}") from None
    return parse_config(text, str(path), binding_ids=binding_ids, key_check=key_check)


def parse_config(text: str, path: str, *, binding_ids: Collection[str] = (),
                 key_check: KeyCheck | None = None) -> Config:
    """`binding_ids` are the ids `keys:` may name; `key_check` maps the keys read to
    {binding id: problem} (the front end knows which bindings share a view)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{line}: not valid YAML: {problem}") from None
    return _Reader(path, binding_ids, key_check).config(root)


# -- validation over YAML nodes (for line numbers) -----------------------------------------

_TOP = ("readonly", "keys", "favorites", "contexts", "logs", "screenDumpDir", "csvDir",
        "refreshRate", "gcp")
_CONTEXT = ("readonly", "namespace", "favorites")
_LOGS = ("tail", "buffer", "since", "timestamps", "wrap")
_GCP = ("project", "endpoints")
_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_KEY = re.compile(rf"(?:(?:{'|'.join(_MODIFIERS)})\+)*(?:[^\s,+]|[a-z][a-z0-9_]*)")


class _Reader:
    def __init__(self, path: str, binding_ids: Collection[str],
                 key_check: KeyCheck | None = None) -> None:
        self.path = path
        self.binding_ids = sorted(binding_ids)
        self.key_check = key_check

    def fail(self, node: yaml.Node, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.start_mark.line + 1}: {where}: {message}")

    def mapping(self, node: yaml.Node, where: str, allowed: Collection[str] | None
                ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, where or "top level", "must be a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            path = f"{where}.{name}" if where else name
            if not isinstance(key, yaml.ScalarNode):
                raise self.fail(key, where or "top level", "keys must be plain names")
            if allowed is not None and name not in allowed:
                raise self.fail(key, path, f"unknown field{_suggest(name, allowed)}; allowed: "
                                f"{', '.join(allowed)}")
            if name in out:
                raise self.fail(key, path, "given twice")
            out[name] = (key, value)
        return out

    def scalar(self, node: yaml.Node, where: str):
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, where, "must be a single value")
        return yaml.SafeLoader(" ").construct_object(node)

    def boolean(self, node: yaml.Node, where: str) -> bool:
        value = self.scalar(node, where)
        if not isinstance(value, bool):
            raise self.fail(node, where, f"must be true or false, not {node.value!r}")
        return value

    def string(self, node: yaml.Node, where: str) -> str:
        value = self.scalar(node, where)
        if value is None or isinstance(value, bool | list | dict) or str(value) == "":
            raise self.fail(node, where, "must be a non-empty text")
        return str(value)

    def integer(self, node: yaml.Node, where: str, minimum: int) -> int:
        value = self.scalar(node, where)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(node, where, f"must be a whole number >= {minimum}, not "
                            f"{node.value!r}")
        return value

    def names(self, node: yaml.Node, where: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, where, "must be a list of namespaces, e.g. [default, web]")
        return tuple(self.string(item, f"{where}[{i}]") for i, item in enumerate(node.value))

    def config(self, root: yaml.Node | None) -> Config:
        if root is None:
            return Config(path=self.path)
        top = self.mapping(root, "", _TOP)
        values: dict = {"path": self.path}
        for name, (_, node) in top.items():
            if name == "readonly":
                values["readonly"] = self.boolean(node, name)
            elif name == "keys":
                values["keys"] = self.keys(node)
            elif name == "favorites":
                values["favorites"] = self.names(node, name)
            elif name == "contexts":
                values["contexts"] = self.contexts(node)
            elif name == "logs":
                values["logs"] = self.logs(node)
            elif name == "screenDumpDir":
                values["screen_dump_dir"] = self.string(node, name)
            elif name == "csvDir":
                values["csv_dir"] = self.string(node, name)
            elif name == "gcp":
                values["gcp"] = self.gcp(node)
            else:
                rate = self.scalar(node, name)
                if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
                    raise self.fail(node, name, f"must be a number of seconds > 0, not "
                                    f"{node.value!r}")
                values["refresh_rate"] = float(rate)
        return Config(**values)

    def keys(self, node: yaml.Node) -> dict[str, str]:
        out = {}
        values = {}
        for name, (key, value) in self.mapping(node, "keys", None).items():
            where = f"keys.{name}"
            if self.binding_ids and name not in self.binding_ids:
                raise self.fail(key, where, f'unknown binding id "{name}"'
                                f"{_suggest(name, self.binding_ids)}")
            keys = self.string(value, where)
            for one in keys.split(","):
                if not _KEY.fullmatch(one.strip()):
                    raise self.fail(value, where, f'"{one.strip()}" is not a key: write keys as '
                                    '"d", "D", "ctrl+d", "f2", "question_mark" or "d,ctrl+d" '
                                    f"(modifiers: {', '.join(_MODIFIERS)})")
            out[name] = ",".join(k.strip() for k in keys.split(","))
            values[name] = value
        problems = self.key_check(out) if self.key_check else {}
        for name, value in values.items():
            if name in problems:
                raise self.fail(value, f"keys.{name}", problems[name])
        return out

    def contexts(self, node: yaml.Node) -> dict[str, ContextSettings]:
        out = {}
        for name, (_, value) in self.mapping(node, "contexts", None).items():
            where = f"contexts.{name}"
            fields = self.mapping(value, where, _CONTEXT)
            readonly = fields.get("readonly")
            namespace = fields.get("namespace")
            favorites = fields.get("favorites")
            out[name] = ContextSettings(
                readonly=self.boolean(readonly[1], f"{where}.readonly") if readonly else None,
                namespace=self.string(namespace[1], f"{where}.namespace") if namespace else None,
                favorites=self.names(favorites[1], f"{where}.favorites") if favorites else ())
        return out

    def logs(self, node: yaml.Node) -> LogSettings:
        values: dict = {}
        for name, (_, value) in self.mapping(node, "logs", _LOGS).items():
            where = f"logs.{name}"
            if name in ("tail", "buffer"):
                values[name] = self.integer(value, where, 0 if name == "tail" else 1)
            elif name == "since":
                since = self.string(value, where)
                if since not in LOG_SINCE:
                    raise self.fail(value, where, f'"{since}" is not one of '
                                    f"{', '.join(LOG_SINCE)}")
                values[name] = since
            else:
                values[name] = self.boolean(value, where)
        return LogSettings(**values)


    def gcp(self, node: yaml.Node) -> GcpSettings:
        fields = self.mapping(node, "gcp", _GCP)
        project = self.string(fields["project"][1], "gcp.project") if "project" in fields \
            else None
        endpoints = {}
        if "endpoints" in fields:
            for name, (_, value) in self.mapping(fields["endpoints"][1], "gcp.endpoints",
                                                 GCP_APIS).items():
                url = self.string(value, f"gcp.endpoints.{name}")
                if not url.startswith(("http://", "https://")):
                    raise self.fail(value, f"gcp.endpoints.{name}", f'"{url}" is not a base URL '
                                    "such as https://container.googleapis.com or "
                                    "http://127.0.0.1:8080")
                endpoints[name] = url.rstrip("/")
        return GcpSettings(project=project, endpoints=endpoints)


def _suggest(name: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


# -- recently used namespaces (k9s keeps them too) ------------------------------------------

def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME/kubedeck` (~/.local/share/kubedeck): what the user would miss if it
    went (the deploy history), as opposed to the state and cache directories."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) /
                                           ".local" / "share")
    return Path(base) / "kubedeck"


def state_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) /
                                            ".local" / "state")
    return Path(base) / "kubedeck" / "namespaces.json"


def load_recent(path: Path, context: str) -> tuple[str, ...]:
    """Namespaces recently switched to in `context`, newest first; unreadable state is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    recent = data.get(context) if isinstance(data, dict) else None
    return tuple(str(ns) for ns in recent if isinstance(ns, str)) if isinstance(recent, list) \
        else ()


def remember_namespace(path: Path, context: str, namespace: str) -> tuple[str, ...]:
    """Put `namespace` first in the context's recent list and save it (blocking file I/O)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    recent = (namespace, *(ns for ns in load_recent(path, context) if ns != namespace))
    data[context] = list(recent[:RECENT_LIMIT])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)
    return tuple(data[context])
