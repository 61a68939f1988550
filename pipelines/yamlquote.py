"""Values made safe to paste into YAML: every `{{ … }}` in a template goes through `quote`, so a
value carrying `: `, a newline, `#`, `{` or `---` stays one scalar and can never add fields or
documents to a manifest.

`dump` writes whole objects for other YAML readers (kubectl, Go's YAML 1.1 parser).

Strings become double-quoted scalars in the JSON-compatible subset of YAML's escapes; numbers,
booleans and null their YAML forms; mappings and lists flow collections of the same. Output is
always a single line, so it is correct at any indentation.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import yaml

# Characters YAML treats as line breaks (so they would fold inside quotes), the C1 controls and
# the non-characters PyYAML refuses to read, plus lone surrogates: written as \uXXXX escapes.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def quote_string(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def quote(value: Any) -> str:
    """One YAML scalar or flow collection, on one line, meaning exactly `value`.

    Anything that is not plain data is turned into its string first, so jinja2's
    StrictUndefined raises here (naming the missing value) instead of printing nothing."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{quote_key(k)}: {quote(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(quote(v) for v in value) + "]"
    return quote_string(str(value))


def quote_key(key: Any) -> str:
    """Mapping keys are always strings in Kubernetes objects."""
    return quote_string(key if isinstance(key, str) else str(key))


class _GoSafeDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, also quoting the strings Go's YAML 1.1 reader (kubectl,
    sigs.k8s.io/yaml) takes as booleans but PyYAML does not: y, Y, n, N. Without it a
    ConfigMap key `N` printed by `kubedeck pipeline render` becomes `false` in kubectl."""


_GoSafeDumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"),
                                    list("yYnN"))


def dump(obj: Any) -> str:
    """One object as block YAML, keys in their given order, readable alike by PyYAML and by
    kubectl."""
    return yaml.dump(obj, Dumper=_GoSafeDumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=100)
