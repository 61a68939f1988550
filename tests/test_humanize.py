"""Human durations at every unit boundary of apimachinery's HumanDuration/ShortHumanDuration.

Cases named `apimachinery_...` are the ones apimachinery's own duration tests use.
"""

from __future__ import annotations

import pytest

from kubedeck.kube.humanize import human_duration, short_human_duration, since

M, H, D = 60, 3600, 86400
Y = 365 * D

HUMAN = {
    "apimachinery_1s": (1, "1s"),
    "apimachinery_70s": (70, "70s"),
    "apimachinery_3m10s": (190, "3m10s"),
    "apimachinery_70m": (70 * M, "70m"),
    "apimachinery_47h": (47 * H, "47h"),
    "apimachinery_2d1h": (49 * H, "2d1h"),
    "apimachinery_8d": ((8 * 24 + 2) * H, "8d"),
    "apimachinery_367d": ((367 * 24 + 2) * H, "367d"),
    "apimachinery_2y1d": ((365 * 2 * 24 + 25) * H, "2y1d"),
    "apimachinery_8y": ((365 * 8 * 24 + 2) * H, "8y"),
    "two_seconds_in_the_future_is_invalid": (-2, "<invalid>"),
    "clock_skew_under_two_seconds_is_now": (-1.9, "0s"),
    "one_second_in_the_future_is_now": (-1, "0s"),
    "zero": (0, "0s"),
    "fraction_truncates": (119.99, "119s"),
    "two_minutes": (2 * M, "2m"),
    "minutes_and_seconds": (2 * M + 5, "2m5s"),
    "just_under_ten_minutes": (10 * M - 1, "9m59s"),
    "ten_minutes_drops_seconds": (10 * M + 59, "10m"),
    "just_under_three_hours": (3 * H - 1, "179m"),
    "three_hours": (3 * H, "3h"),
    "hours_and_minutes": (3 * H + 30 * M + 59, "3h30m"),
    "just_under_eight_hours": (8 * H - 1, "7h59m"),
    "eight_hours_drops_minutes": (8 * H + 59 * M, "8h"),
    "just_under_two_days": (48 * H - 1, "47h"),
    "two_days": (48 * H, "2d"),
    "days_and_hours": (2 * D + 5 * H, "2d5h"),
    "just_under_eight_days": (8 * D - 1, "7d23h"),
    "just_under_two_years": (2 * Y - 1, "729d"),
    "two_years": (2 * Y, "2y"),
    "years_and_days": (2 * Y + 30 * D, "2y30d"),
    "just_under_eight_years": (8 * Y - 1, "7y364d"),
    "nine_years_drops_days": (9 * Y + 10 * D, "9y"),
}


@pytest.mark.parametrize("case", list(HUMAN))
def test_human_duration(case: str) -> None:
    seconds, expected = HUMAN[case]
    assert human_duration(seconds) == expected


SHORT = {
    "future_is_invalid": (-2, "<invalid>"),
    "skew_is_now": (-1, "0s"),
    "seconds": (59, "59s"),
    "one_minute": (60, "1m"),
    "just_under_an_hour": (H - 1, "59m"),
    "one_hour": (H, "1h"),
    "just_under_a_day": (D - 1, "23h"),
    "one_day": (D, "1d"),
    "just_under_a_year": (Y - 1, "364d"),
    "one_year": (Y, "1y"),
    "years": (10 * Y + 100 * D, "10y"),
}


@pytest.mark.parametrize("case", list(SHORT))
def test_short_human_duration(case: str) -> None:
    seconds, expected = SHORT[case]
    assert short_human_duration(seconds) == expected


def test_since_unset_timestamp_is_unknown() -> None:
    assert since(None, 1000.0) == "<unknown>"
    assert since(1000.0 - 125, 1000.0) == "2m5s"


def test_parse_rfc3339_gives_epoch_seconds_or_none():
    from kubedeck.kube.humanize import parse_rfc3339

    assert parse_rfc3339("1970-01-01T00:01:40Z") == 100.0
    assert parse_rfc3339("2026-11-22T10:00:00.5+01:00") == 1795338000.5
    assert parse_rfc3339("") is None and parse_rfc3339(None) is None
    assert parse_rfc3339("yesterday") is None
