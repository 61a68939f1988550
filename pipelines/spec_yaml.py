"""A small schema walker over PyYAML's composed node tree, so every error in kubedeck.yaml can
name the file, the line and the dotted field, and say what is allowed.

`yaml.safe_load` throws the positions away; composing keeps a `start_mark` on every node. The
walker reads one node at a time with the type the caller expects and fails with a `SpecError`
that points at that node. Plain values (manifest `values`, which the templates own) are
constructed with PyYAML's safe constructor once their shape no longer matters to us.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any, NoReturn

import yaml

from kubedeck.kube.durations import parse_go_duration
from kubedeck.kube.errors import KubedeckError

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"

class SpecError(KubedeckError):
    """kubedeck.yaml is wrong: a usage/config error (exit 2), with file:line: field: message."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


def _normalized(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The allowed key a typo most likely meant: same letters ignoring case and _ / - (so
    `build_args` finds `buildArgs`), else the closest by difflib."""
    choices = list(choices)
    for choice in choices:
        if _normalized(choice) == _normalized(word):
            return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def describe(node: yaml.Node) -> str:
    """What a node is, for "must be X (got Y)" messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == STR:
        return f'"{node.value}"'
    if node.tag == NULL:
        return "nothing"
    return node.value


class Reader:
    """Reads typed values out of composed nodes; every failure names file:line: field."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node | None, field: str, message: str) -> NoReturn:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        prefix = f"{field}: " if field else ""
        raise SpecError(f"{self.filename}{line}: {prefix}{message}")

    def compose(self, text: str) -> yaml.Node:
        """The document's root node; YAML syntax errors become SpecErrors at their line."""
        try:
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f":{mark.line + 1}" if mark else ""
            problem = exc.problem or exc.context or "invalid YAML"
            raise SpecError(f"{self.filename}{line}: invalid YAML: {problem}") from None
        except yaml.YAMLError as exc:
            raise SpecError(f"{self.filename}: invalid YAML: {exc}") from None
        nodes = [n for n in nodes if n is not None]
        if not nodes:
            raise SpecError(f"{self.filename}: the file is empty; it needs at least `app:`, "
                            "`targets:` and `manifests:` (kubedeck init writes a starter)")
        if len(nodes) > 1:
            self.fail(nodes[1], "", "one YAML document expected, found more (remove the `---`)")
        return nodes[0]

    # -- structure ----------------------------------------------------------------------------

    def mapping(self, node: yaml.Node, field: str, allowed: Iterable[str] | None = None,
                required: Iterable[str] = ()) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Key → (key node, value node). With `allowed`, unknown keys fail with a did-you-mean;
        duplicate keys always fail (PyYAML would silently keep the last)."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, field, f"must be a mapping (got {describe(node)})")
        allowed = list(allowed) if allowed is not None else None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, field, "keys must be plain strings")
            key = key_node.value
            sub = f"{field}.{key}" if field else key
            if key == "<<":
                self.fail(key_node, field, "merge keys (<<) are not supported here")
            if key in out:
                self.fail(key_node, sub, f"duplicate key (first at line "
                          f"{out[key][0].start_mark.line + 1})")
            if allowed is not None and key not in allowed:
                guess = did_you_mean(key, allowed)
                hint = f'did you mean "{guess}"? ' if guess else ""
                self.fail(key_node, sub, f"unknown key; {hint}allowed here: "
                          f"{', '.join(allowed)}")
            out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                sub = f"{field}.{key}" if field else key
                self.fail(node, sub, "is required")
        return out

    def sequence(self, node: yaml.Node, field: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, field, f"must be a list (got {describe(node)})")
        return list(node.value)

    # -- scalars ------------------------------------------------------------------------------

    def _scalar(self, node: yaml.Node, field: str, what: str) -> yaml.ScalarNode:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, field, f"must be {what} (got {describe(node)})")
        return node

    def string(self, node: yaml.Node, field: str, *, allow_numbers: bool = False) -> str:
        """A string; with `allow_numbers`, `tag: 1.10` reads as the text "1.10" as written
        rather than failing or turning into 1.1."""
        scalar = self._scalar(node, field, "a string")
        if scalar.tag == STR or (allow_numbers and scalar.tag in (INT, FLOAT)):
            return scalar.value
        self.fail(node, field, f"must be a string (got {describe(node)}); quote it if it is "
                  "meant as text")

    def boolean(self, node: yaml.Node, field: str) -> bool:
        scalar = self._scalar(node, field, "true or false")
        if scalar.tag != BOOL:
            self.fail(node, field, f"must be true or false (got {describe(node)})")
        return bool(self.plain(scalar))

    def integer(self, node: yaml.Node, field: str, low: int, high: int) -> int:
        scalar = self._scalar(node, field, "an integer")
        if scalar.tag != INT:
            self.fail(node, field, f"must be an integer from {low} to {high} "
                      f"(got {describe(node)})")
        value = int(self.plain(scalar))
        if not low <= value <= high:
            self.fail(node, field, f"must be from {low} to {high} (got {value})")
        return value

    def duration(self, node: yaml.Node, field: str, *, allow_zero: bool) -> float:
        """Seconds from a Go duration (`300s`, `5m`, `1h30m`) or a bare number of seconds."""
        scalar = self._scalar(node, field, "a duration")
        allowed = "a duration like 300s, 5m or 1h30m"
        if scalar.tag in (INT, FLOAT):
            seconds = float(self.plain(scalar))
        elif scalar.tag == STR:
            try:
                seconds = parse_go_duration(scalar.value)
            except ValueError:
                self.fail(node, field, f'must be {allowed} (got "{scalar.value}")')
        else:
            self.fail(node, field, f"must be {allowed} (got {describe(node)})")
        if seconds < 0 or (seconds == 0 and not allow_zero):
            limit = "zero or more" if allow_zero else "more than zero"
            self.fail(node, field, f"must be {limit} (got {scalar.value})")
        return seconds

    def choice(self, node: yaml.Node, field: str, choices: Iterable[str]) -> str:
        choices = list(choices)
        allowed = f"must be one of {', '.join(choices)}"
        scalar = self._scalar(node, field, f"one of {', '.join(choices)}")
        if scalar.value not in choices or scalar.tag != STR:
            self.fail(node, field, f"{allowed} (got {describe(node)})")
        return scalar.value

    def matching(self, node: yaml.Node, field: str, pattern: re.Pattern[str],
                 explanation: str, *, max_length: int | None = None) -> str:
        """A string that must match `pattern`; `explanation` names the rule in the message:
        `"Hello_World" is not a DNS-1123 name (…)`."""
        value = self.string(node, field, allow_numbers=True)
        if not pattern.fullmatch(value) or (max_length is not None and len(value) > max_length):
            self.fail(node, field, f'"{value}" is not {explanation}')
        return value

    def plain(self, node: yaml.Node) -> Any:
        """The node as ordinary Python data (dicts, lists, str, int, float, bool, None)."""
        return self._constructor.construct_object(node, deep=True)
