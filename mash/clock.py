"""Working-calendar arithmetic for deadlines (pure Python, no Django models).

Every input is a timezone-aware datetime in any zone; every output is an aware
datetime in UTC. Working-day and working-hour arithmetic happens in
Europe/London wall-clock time and is converted back to UTC. Naive datetimes
are refused with ValueError, because they would silently take the server's
zone.

Working day: Monday to Friday, not an England & Wales bank holiday (the
``holidays`` package with ``subdiv="ENG"``, which includes substitute days and
one-offs such as the 2022 Platinum Jubilee; plain ``"GB"`` omits Easter Monday
and the August holiday), and not an admin-added closure day.

``Calendar.add_working_days(start, n)``
    If ``start`` (in London time) falls on a working day, that day is day 0 and
    the result is the same London wall-clock time ``n`` working days later:
    Friday 16:00 + 1 = Monday 16:00; Thursday 10:00 before Good Friday + 1 =
    Tuesday 10:00 after Easter Monday. The wall-clock time is kept across the
    March and October clock changes (Friday 10:00 GMT + 1 over the last
    weekend of March = Monday 10:00 BST = 09:00 UTC). If ``start`` falls on a
    non-working day, day 0 begins at 00:00 London time on the next working
    day, so a Saturday contact + 1 is due at 00:00 on Tuesday, i.e. the end of
    Monday. ``n`` must be a whole number.

``Calendar.add_working_hours(start, h)``
    Counts only time inside ``[day_start, day_end)`` London time on working
    days. Before ``day_start`` on a working day, counting begins at
    ``day_start``; at or after ``day_end``, or on a non-working day, counting
    begins at ``day_start`` of the next working day. A result that lands
    exactly on ``day_end`` stays there (Friday 13:00 + 4h = Friday 17:00, not
    Monday 09:00). Friday 16:00 + 4h = Monday 12:00. Fractions of an hour are
    accepted (float or Decimal; precision to the microsecond).

``Unit.CLOCK_HOURS``
    Plain elapsed time: ``start`` in UTC plus ``timedelta(hours=amount)``, so
    4 clock hours from 00:30 GMT on the last Sunday of March is 05:30 BST
    (04:30 UTC), not 04:30 BST.

An amount of 0 returns ``start`` unchanged (converted to UTC), even on a
non-working day. Negative, NaN or infinite amounts raise ValueError.

Wall-clock times that do not exist or are ambiguous (the hour skipped in
March, the hour repeated in October) are read with ``fold=0`` and normalised
through UTC: a missing 01:30 becomes 02:30 BST, a repeated 01:30 is the first
(BST) one. Clock changes happen early on Sundays, so working-day results
never meet them with the default calendar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_CALENDAR",
    "LONDON",
    "Calendar",
    "Unit",
    "bank_holidays",
]

LONDON = ZoneInfo("Europe/London")


class Unit(StrEnum):
    """How a deadline amount is counted."""

    CLOCK_HOURS = "clock_hours"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England & Wales bank holidays for ``year``, including substitute days."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(d for d in calendar if d.year == year)


def _to_london(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("clock arithmetic needs a timezone-aware datetime")
    return moment.astimezone(LONDON)


def _london_to_utc(day: date, wall: time) -> datetime:
    """The UTC instant of a London wall-clock time (fold=0, via UTC)."""
    local = datetime.combine(day, wall.replace(tzinfo=None, fold=0), tzinfo=LONDON)
    return local.astimezone(UTC)


def _check_amount(amount: int | float | Decimal) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        raise TypeError(f"amount must be a number, not {type(amount).__name__}")
    if isinstance(amount, float) and not math.isfinite(amount):
        raise ValueError("amount must be finite")
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite():
        raise ValueError("amount must be finite")
    if value < 0:
        raise ValueError("amount must not be negative")
    return value


def _hours_to_timedelta(hours: Decimal) -> timedelta:
    return timedelta(microseconds=int((hours * 3_600_000_000).to_integral_value()))


@dataclass(frozen=True)
class Calendar:
    """Working days and hours in England, with optional admin closure days."""

    closures: frozenset[date] = frozenset()
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)

    def __post_init__(self) -> None:
        # Accept any iterable of dates for closures, but keep the instance hashable.
        object.__setattr__(self, "closures", frozenset(self.closures))
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are London wall-clock times; give naive times")
        if self.day_start >= self.day_end:
            raise ValueError("day_start must be before day_end")

    def is_working_day(self, d: date) -> bool:
        """Mon-Fri, not an E&W bank holiday and not a closure day."""
        if isinstance(d, datetime):
            raise TypeError("pass a date; convert a datetime to London time first")
        return d.weekday() < 5 and d not in bank_holidays(d.year) and d not in self.closures

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        candidate = d + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``start`` plus ``days`` working days, keeping London wall-clock time."""
        amount = _check_amount(days)
        if amount != amount.to_integral_value():
            raise ValueError("working days must be a whole number")
        local = _to_london(start)
        if amount == 0:
            return start.astimezone(UTC)
        day = local.date()
        if self.is_working_day(day):
            wall = local.time()
        else:
            day = self.next_working_day(day)
            wall = time(0, 0)
        for _ in range(int(amount)):
            day = self.next_working_day(day)
        return _london_to_utc(day, wall)

    def add_working_hours(self, start: datetime, hours: float | Decimal) -> datetime:
        """``start`` plus ``hours`` counted only within working hours."""
        remaining = _hours_to_timedelta(_check_amount(hours))
        local = _to_london(start)
        if not remaining:
            return start.astimezone(UTC)
        day = local.date()
        cursor = local.time().replace(tzinfo=None, fold=0)
        if not self.is_working_day(day) or cursor >= self.day_end:
            day = self.next_working_day(day)
            cursor = self.day_start
        elif cursor < self.day_start:
            cursor = self.day_start
        while True:
            # Clock changes fall on Sundays, so wall-clock and elapsed time
            # agree within a working day.
            available = datetime.combine(day, self.day_end) - datetime.combine(day, cursor)
            if remaining <= available:
                end = datetime.combine(day, cursor) + remaining
                return _london_to_utc(end.date(), end.time())
            remaining -= available
            day = self.next_working_day(day)
            cursor = self.day_start

    def add(self, start: datetime, amount: int | float | Decimal, unit: Unit | str) -> datetime:
        """Add ``amount`` of ``unit`` to ``start``; the result is in UTC."""
        unit = Unit(unit)
        if unit is Unit.WORKING_DAYS:
            return self.add_working_days(start, amount)  # type: ignore[arg-type]
        if unit is Unit.WORKING_HOURS:
            return self.add_working_hours(start, amount)
        delta = _hours_to_timedelta(_check_amount(amount))
        # Convert before adding: aware + timedelta does wall-clock arithmetic
        # in the datetime's own zone, which is wrong across a clock change.
        return _to_london(start).astimezone(UTC) + delta


DEFAULT_CALENDAR = Calendar()
