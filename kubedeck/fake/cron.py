"""Standard 5-field cron schedules, as the CronJob controller parses them (robfig/cron v3).

Day-of-month and day-of-week combine as in Vixie cron: when either field starts with `*`
(or `?`) both must match, otherwise either may.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class CronError(ValueError):
    """A schedule the controller could not parse; the message is robfig/cron's."""


_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}

# (low, high, names) per field: minute, hour, day of month, month, day of week.
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS))

# Give up looking for a match this many years ahead (e.g. "0 0 30 2 *" never fires).
_YEAR_LIMIT = 5


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    try:
        value = int(text)
    except ValueError:
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": '
                        "invalid syntax") from None
    if value < 0:
        raise CronError(f"negative number ({value}) not allowed: {text}")
    return value


def _parse_range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """Values of one comma-separated part, and whether it counts as a `*` field."""
    range_and_step = expr.split("/")
    if len(range_and_step) > 2:
        raise CronError(f"too many slashes: {expr}")
    low_high = range_and_step[0].split("-")
    if len(low_high) > 2:
        raise CronError(f"too many hyphens: {expr}")
    star = False
    if low_high[0] in ("*", "?"):
        start, end, star = low, high, True
    else:
        start = _number(low_high[0], names)
        end = _number(low_high[1], names) if len(low_high) == 2 else start
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], {})
        if len(low_high) == 1:
            end = high
        if step > 1:
            star = False
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _parse_field(field: str, low: int, high: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    values: set[int] = set()
    star = False
    for part in field.split(","):
        part_values, part_star = _parse_range(part, low, high, names)
        values |= part_values
        star = star or part_star
    return frozenset(values), star


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_star: bool
    weekdays_star: bool

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.days_star or self.weekdays_star:
            return dom and dow
        return dom or dow

    def next_local(self, after: datetime) -> datetime | None:
        """The first matching wall-clock minute strictly after `after` (naive local time)."""
        t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t.year + _YEAR_LIMIT
        while t.year <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            return t
        return None

    def next_after(self, ts: float, time_zone: str | None = None) -> float | None:
        """The next activation strictly after the epoch time `ts`, evaluated in `time_zone`."""
        zone = zone_info(time_zone)
        local = datetime.fromtimestamp(ts, zone).replace(tzinfo=None)
        found = self.next_local(local)
        if found is None:
            return None
        return found.replace(tzinfo=zone).timestamp()


def zone_info(name: str | None) -> tzinfo:
    """The zone for CronJob.spec.timeZone; the controller manager runs in UTC when unset."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name}") from None


def parse_schedule(spec: str) -> CronSchedule:
    """Parse `*/5 * * * *`, `0 9-17 * * MON-FRI`, `@hourly`… or raise CronError."""
    text = spec.strip()
    if not text:
        raise CronError("empty spec string")
    if text.startswith("TZ=") or text.startswith("CRON_TZ="):
        raise CronError("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    if text.startswith("@"):
        if text.lower() not in _DESCRIPTORS:
            raise CronError(f"unrecognized descriptor: {text}")
        text = _DESCRIPTORS[text.lower()]
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_parse_field(f, *bounds) for f, bounds in zip(fields, _BOUNDS, strict=True)]
    (minutes, _), (hours, _), (days, days_star), (months, _), (weekdays, weekdays_star) = parsed
    return CronSchedule(minutes, hours, days, months, weekdays, days_star, weekdays_star)
