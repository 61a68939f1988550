"""Label and field selectors, parsed with the grammar and errors of apimachinery."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass


class SelectorError(ValueError):
    """A selector the API server would reject; the message says which part and why."""


_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                  r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|[^\s!=(),]+)")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        val = labels.get(self.key)
        if self.op == "=":
            return has and val == self.values[0]
        if self.op == "in":
            return has and val in self.values
        if self.op == "!=":
            return not has or val != self.values[0]
        if self.op == "notin":
            return not has or val not in self.values
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        if self.op in ("gt", "lt"):
            try:
                lhs, rhs = int(val or ""), int(self.values[0])
            except ValueError:
                return False
            return lhs > rhs if self.op == "gt" else lhs < rhs
        return False


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise SelectorError(f"unable to parse requirement: {text[pos:]!r}")
        tok = m.group(1)
        out.append(tok)
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _check_key(key: str, whole: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if not _KEY.match(key) or len(name) > 63:
        raise SelectorError(
            f"invalid label selector {whole!r}: key {key!r} is not a valid label key "
            "(alphanumerics, '-', '_' or '.', at most 63 characters, optional DNS prefix)")
    return key


def _check_value(value: str, whole: str) -> str:
    if not _VALUE.match(value) or len(value) > 63:
        raise SelectorError(
            f"invalid label selector {whole!r}: value {value!r} is not a valid label value "
            "(alphanumerics, '-', '_' or '.', at most 63 characters)")
    return value


def parse_label_selector(text: str) -> tuple[Requirement, ...]:
    """Parse `app=web,tier in (fe,be),!legacy` into requirements; raise SelectorError."""
    toks = _tokens(text or "")
    reqs: list[Requirement] = []
    i = 0

    def peek(k: int = 0) -> str | None:
        return toks[i + k] if i + k < len(toks) else None

    while i < len(toks):
        tok = toks[i]
        if tok == "!":
            key = peek(1)
            if key is None or key in "!=(),":
                raise SelectorError(f"invalid label selector {text!r}: '!' must be followed by a key")
            reqs.append(Requirement(_check_key(key, text), "!"))
            i += 2
        else:
            key = _check_key(tok, text)
            op = peek(1)
            if op is None or op == ",":
                reqs.append(Requirement(key, "exists"))
                i += 1
            elif op in ("=", "==", "!="):
                val = peek(2)
                if val is None or val == ",":
                    val = ""
                    i += 2
                else:
                    i += 3
                if val in "!=()":
                    raise SelectorError(f"invalid label selector {text!r}: missing value after {op!r}")
                reqs.append(Requirement(key, "!=" if op == "!=" else "=", (_check_value(val, text),)))
            elif op in ("in", "notin"):
                if peek(2) != "(":
                    raise SelectorError(f"invalid label selector {text!r}: expected '(' after {op!r}")
                i += 3
                vals: list[str] = []
                while True:
                    v = peek()
                    if v is None:
                        raise SelectorError(f"invalid label selector {text!r}: missing ')'")
                    if v == ")":
                        i += 1
                        break
                    if v == ",":
                        i += 1
                        continue
                    vals.append(_check_value(v, text))
                    i += 1
                if not vals:
                    raise SelectorError(f"invalid label selector {text!r}: {op!r} needs values")
                reqs.append(Requirement(key, op, tuple(vals)))
            elif op in ("gt", "lt"):
                val = peek(2)
                if val is None or not val.lstrip("-").isdigit():
                    raise SelectorError(f"invalid label selector {text!r}: {op!r} needs an integer")
                reqs.append(Requirement(key, op, (val,)))
                i += 3
            else:
                raise SelectorError(f"invalid label selector {text!r}: unexpected {op!r} after {key!r}")
        if i < len(toks):
            if toks[i] != ",":
                raise SelectorError(f"invalid label selector {text!r}: expected ',' before {toks[i]!r}")
            i += 1
            if i == len(toks):
                raise SelectorError(f"invalid label selector {text!r}: trailing ','")
    return tuple(reqs)


def label_matcher(text: str | None) -> Callable[[Mapping[str, str]], bool]:
    """A predicate over a labels mapping; an empty selector matches everything."""
    reqs = parse_label_selector(text) if text else ()
    if not reqs:
        return lambda labels: True
    return lambda labels: all(r.matches(labels or {}) for r in reqs)


def selector_from_match_labels(selector: Mapping | None) -> Callable[[Mapping[str, str]], bool]:
    """A predicate for a LabelSelector object ({matchLabels, matchExpressions})."""
    if not selector:
        return lambda labels: False
    reqs = [Requirement(k, "=", (str(v),)) for k, v in (selector.get("matchLabels") or {}).items()]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in selector.get("matchExpressions") or []:
        reqs.append(Requirement(expr["key"], ops[expr["operator"]], tuple(expr.get("values") or ())))
    return lambda labels: all(r.matches(labels or {}) for r in reqs)


def selector_string(selector: Mapping | None) -> str:
    """A LabelSelector object as the string form kubectl prints and sends."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = expr["operator"]
        vals = ",".join(expr.get("values") or ())
        if op == "In":
            parts.append(f"{expr['key']} in ({vals})")
        elif op == "NotIn":
            parts.append(f"{expr['key']} notin ({vals})")
        elif op == "Exists":
            parts.append(expr["key"])
        else:
            parts.append(f"!{expr['key']}")
    return ",".join(parts)


def parse_field_selector(text: str) -> tuple[tuple[str, str, str], ...]:
    """Parse `metadata.name=x,status.phase!=Running` into (path, op, value) triples."""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(==|!=|=)\s*(.*)$", part)
        if not m:
            raise SelectorError(f"invalid field selector {text!r}: {part!r} is not field=value")
        out.append((m.group(1), "!=" if m.group(2) == "!=" else "=", m.group(3)))
    return tuple(out)


def field_value(obj: Mapping, path: str) -> str:
    cur: object = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def field_matcher(text: str | None) -> Callable[[Mapping], bool]:
    reqs = parse_field_selector(text) if text else ()
    if not reqs:
        return lambda obj: True

    def match(obj: Mapping) -> bool:
        for path, op, value in reqs:
            actual = field_value(obj, path)
            if (actual == value) != (op == "="):
                return False
        return True

    return match
