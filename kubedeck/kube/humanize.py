"""kubectl's human durations (apimachinery util/duration), so AGE and "(5m ago)" read the same.

Durations are float seconds. Go truncates toward zero when it turns a Duration into whole
units; `int()` does the same, which is what keeps the boundaries identical.
"""

from __future__ import annotations

from datetime import datetime


def human_duration(seconds: float) -> str:
    """HumanDuration: about two significant units ("2m5s", "3h10m", "5d4h", "2y30d")."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        s = whole % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(seconds: float) -> str:
    """ShortHumanDuration: one unit only ("59s", "5m", "23h", "364d", "3y")."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m"
    hours = whole // 3600
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // (24 * 365)}y"


def since(timestamp: float | None, now: float) -> str:
    """translateTimestampSince: the age of a timestamp, "<unknown>" when it is unset."""
    if timestamp is None:
        return "<unknown>"
    return human_duration(now - timestamp)


def parse_rfc3339(text: str | None) -> float | None:
    """Epoch seconds of an RFC 3339 time as the API server (and Google's APIs) send them;
    None for an unset or malformed one, which every caller shows as unknown."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
