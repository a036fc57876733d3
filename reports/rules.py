"""The rules a request for the national returns meets: a period, a census year."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from mash.errors import Problems

MAX_PERIOD_DAYS = 731  # two years: Annex A asks for six months (List 1) to a year

START_MISSING = "Enter the first day of the period"
END_MISSING = "Enter the last day of the period"
END_BEFORE_START = "The last day must be the same as or after the first day"
END_IN_FUTURE = "The last day must be today or in the past"
TOO_LONG = "The period can be at most two years"
YEAR_INVALID = "Select a census year from the list"


def period_clean(*, start: date | None, end: date | None, today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    problems = Problems()
    if start is None:
        problems.add("start", START_MISSING)
    if end is None:
        problems.add("end", END_MISSING)
    elif end > today:
        problems.add("end", END_IN_FUTURE)
    if start is not None and end is not None:
        if end < start:
            problems.add("end", END_BEFORE_START)
        elif (end - start).days > MAX_PERIOD_DAYS:
            problems.add("start", TOO_LONG)
    problems.raise_if_any()
    return start, end


def census_years(today: date | None = None) -> list[int]:
    """The census years a file can be made for: a year ends on 31 March (the reference date). The current
    collection first, then the five before it."""
    today = today or timezone.localdate()
    current = today.year + 1 if (today.month, today.day) > (3, 31) else today.year
    return [current - i for i in range(6)]


def census_year_clean(year, *, today: date | None = None) -> int:
    problems = Problems()
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year not in census_years(today):
        problems.add("year", YEAR_INVALID)
    problems.raise_if_any()
    return year
