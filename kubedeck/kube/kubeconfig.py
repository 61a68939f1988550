"""Reading kubeconfig files the way kubectl does: which files, how they merge, what is malformed.

Rules (client-go clientcmd): `--kubeconfig FILE` alone if given (it must exist); otherwise every
file in $KUBECONFIG (missing ones skipped); otherwise ~/.kube/config. When several files merge,
the first file to define a cluster, user or context name wins, and current-context comes from
the first file that sets it. Relative certificate and token paths stay relative to the file
that named them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kubedeck.kube.errors import KubedeckError

_SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))

NO_KUBECONFIG_HINT = ('create one with "minikube start" or "gcloud container clusters '
                      'get-credentials CLUSTER", pass --kubeconfig FILE, or try "kubedeck demo"')


@dataclass(frozen=True)
class Entry:
    """One named cluster, user or context, and the file it came from."""

    name: str
    body: dict
    path: str


@dataclass
class Kubeconfig:
    """The merged view of the kubeconfig files kubectl would read."""

    files: list[str] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    current_context: str = ""
    clusters: dict[str, Entry] = field(default_factory=dict)
    users: dict[str, Entry] = field(default_factory=dict)
    contexts: dict[str, Entry] = field(default_factory=dict)

    def where(self) -> str:
        return ", ".join(self.files or self.searched)

    def add(self, data: Mapping, path: str) -> None:
        """Merge one file's content under kubectl's first-wins rules."""
        self.files.append(path)
        for section, _ in _SECTIONS:
            target: dict[str, Entry] = getattr(self, section)
            for item in data.get(section) or []:
                target.setdefault(item["name"], Entry(item["name"], item, path))
        if not self.current_context and data.get("current-context"):
            self.current_context = str(data["current-context"])

    @classmethod
    def from_dict(cls, data: Mapping, path: str = "<memory>") -> Kubeconfig:
        _validate(data, path)
        cfg = cls(searched=[path])
        cfg.add(data, path)
        return cfg


def _home() -> Path:
    return Path(os.environ.get("HOME") or os.path.expanduser("~"))


def candidate_paths(explicit: str | None, environ: Mapping[str, str]) -> tuple[list[str], str]:
    """The files kubectl would read, and a description of where it looked."""
    if explicit:
        return [os.path.expanduser(explicit)], "--kubeconfig"
    env = environ.get("KUBECONFIG", "")
    if env:
        paths: list[str] = []
        for p in env.split(os.pathsep):
            p = os.path.expanduser(p)
            if p and p not in paths:
                paths.append(p)
        return paths, "$KUBECONFIG"
    home = Path(environ.get("HOME") or _home())
    return [str(home / ".kube" / "config")], "default location"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}: {problem}" if context and problem else problem
    if mark is not None:
        return f"YAML error at line {mark.line + 1}, column {mark.column + 1}: {text}"
    return f"YAML error: {text}"


def _validate(data: object, path: str) -> None:
    """Reject what kubectl would reject, naming the file and the faulty part."""
    def bad(what: str) -> KubedeckError:
        return KubedeckError(f"error: malformed kubeconfig {path}: {what}")

    if not isinstance(data, Mapping):
        raise bad(f"expected a mapping at the top level, found {type(data).__name__}")
    for section, key in _SECTIONS:
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise bad(f'"{section}" must be a list of {{name, {key}}} entries')
        for i, item in enumerate(items):
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) \
                    or not item.get("name"):
                raise bad(f'{section}[{i}] has no "name"')
            body = item.get(key)
            if body is not None and not isinstance(body, Mapping):
                raise bad(f'{section}[{i}] ("{item["name"]}"): "{key}" must be a mapping')
    cur = data.get("current-context")
    if cur is not None and not isinstance(cur, str):
        raise bad('"current-context" must be a string')


def read_file(path: str) -> dict:
    """One kubeconfig file as a dict; an empty file is an empty config, as kubectl treats it."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise KubedeckError(f"error: cannot read kubeconfig {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KubedeckError(f"error: malformed kubeconfig {path}: {_yaml_problem(exc)}") from None
    if data is None:
        return {}
    _validate(data, path)
    return data


def load_kubeconfig(explicit: str | None = None,
                    environ: Mapping[str, str] | None = None) -> Kubeconfig:
    """Read and merge the kubeconfig files; raise KubedeckError when there is none usable."""
    environ = os.environ if environ is None else environ
    paths, source = candidate_paths(explicit, environ)
    cfg = Kubeconfig(searched=paths)
    if explicit and not os.path.exists(paths[0]):
        raise KubedeckError(f"error: the kubeconfig file {paths[0]} given with --kubeconfig does "
                            f"not exist - {NO_KUBECONFIG_HINT}")
    for path in paths:
        if os.path.isfile(path):
            cfg.add(read_file(path), path)
    if not cfg.files:
        raise KubedeckError(f"error: no kubeconfig found (looked in {source}: "
                            f"{', '.join(paths)}) - {NO_KUBECONFIG_HINT}")
    if not cfg.contexts:
        raise KubedeckError(f"error: the kubeconfig ({cfg.where()}) defines no contexts - "
                            f"{NO_KUBECONFIG_HINT}")
    return cfg
