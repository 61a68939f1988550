"""Values made safe to paste into YAML: every `{{ … }}` in a template goes through `quote`, so a
value carrying `: `, a newline, `#`, `{` or `---` stays one scalar and can never add fields or
documents to a manifest.

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
