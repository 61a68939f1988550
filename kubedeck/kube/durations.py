"""Durations typed on the command line, parsed exactly as kubectl (Go's time.ParseDuration) does."""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
          "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")

REQUEST_TIMEOUT_HELP = ("Invalid timeout value. Timeout must be a single integer in seconds, or an "
                        "integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)")


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration such as "1m30s", "500ms", "-2h" or "0"; ValueError otherwise."""
    s = text.strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    total, pos = 0.0, 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m:
            if re.match(r"\d+\.?\d*$", s[pos:]):
                raise ValueError(f'time: missing unit in duration "{text}"')
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def parse_request_timeout(text: str | None) -> float | None:
    """kubectl's --request-timeout: "0" means none, a plain integer is seconds, else a duration."""
    if text is None or text == "":
        return None
    if re.fullmatch(r"\d+", text):
        seconds = float(int(text))
    else:
        try:
            seconds = parse_go_duration(text)
        except ValueError:
            raise ValueError(REQUEST_TIMEOUT_HELP) from None
    return seconds if seconds > 0 else None
