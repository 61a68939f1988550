"""The simple JSONPath of CRD additionalPrinterColumns: `.spec.replicas`, `.items[0].name`,
`.list[*].name`, `.conditions[?(@.type=="Ready")].status` and `['dotted.key']`."""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-$]+)
      |\[\s*'(?P<quoted>[^']*)'\s*\]
      |\[\s*"(?P<dquoted>[^"]*)"\s*\]
      |\[\s*(?P<index>-?\d+)\s*\]
      |\[\s*\*\s*\]
      |\[\s*\?\(\s*@\.(?P<fpath>[A-Za-z0-9_.\-]+)\s*(?P<op>==|!=)\s*
          (?:"(?P<fd>[^"]*)"|'(?P<fs>[^']*)'|(?P<fn>[^)\s]+))\s*\)\s*\]""",
    re.VERBOSE)


class JsonPathError(ValueError):
    pass


def _compile(expr: str) -> list[re.Match]:
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps, pos = [], 0
    while pos < len(text):
        m = _STEP.match(text, pos)
        if not m:
            raise JsonPathError(f"unrecognized JSONPath {expr!r} at {text[pos:]!r}")
        steps.append(m)
        pos = m.end()
    return steps


def _field(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _literal(m: re.Match) -> Any:
    if m.group("fd") is not None:
        return m.group("fd")
    if m.group("fs") is not None:
        return m.group("fs")
    raw = m.group("fn")
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return float(raw) if "." in raw else int(raw)
    except ValueError:
        return raw


def find(obj: Any, expr: str) -> list[Any]:
    """Every value the path selects, in document order."""
    current = [obj]
    for m in _compile(expr):
        nxt: list[Any] = []
        key = m.group("field") or m.group("quoted") or m.group("dquoted")
        for value in current:
            if key is not None:
                if isinstance(value, dict) and key in value:
                    nxt.append(value[key])
            elif m.group("index") is not None:
                idx = int(m.group("index"))
                if isinstance(value, list) and -len(value) <= idx < len(value):
                    nxt.append(value[idx])
            elif m.group("fpath") is not None:
                if isinstance(value, list):
                    want, equal = _literal(m), m.group("op") == "=="
                    nxt.extend(v for v in value if (_field(v, m.group("fpath")) == want) == equal)
            elif isinstance(value, list):
                nxt.extend(value)
            elif isinstance(value, dict):
                nxt.extend(value.values())
        current = nxt
    return current
