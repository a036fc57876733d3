"""Tests for mash.clock: working days, working hours and clock hours.

Plain functions with explicit datetimes; no database and no frozen time needed.
"""

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mash.clock import DEFAULT_CALENDAR, LONDON, Calendar, Unit, bank_holidays

cal = DEFAULT_CALENDAR


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def assert_utc(result: datetime, expected: datetime) -> None:
    """Same instant, and expressed in UTC."""
    assert result.tzinfo is UTC
    assert result == expected


# --- bank holidays -------------------------------------------------------------


def test_2026_bank_holidays_include_easter_monday_and_august_with_subdiv_eng():
    assert bank_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday: missing from plain "GB"
        date(2026, 5, 4),  # early May
        date(2026, 5, 25),  # spring
        date(2026, 8, 31),  # summer: missing from plain "GB"
        date(2026, 12, 25),
        date(2026, 12, 26),  # Boxing Day is a Saturday...
        date(2026, 12, 28),  # ...so Monday is the substitute
    }


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 6, 2),  # spring bank holiday moved for the Platinum Jubilee
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # state funeral of Queen Elizabeth II
        date(2023, 5, 8),  # Coronation
        date(2020, 5, 8),  # early May moved for VE Day
    ],
)
def test_one_off_bank_holidays_are_not_working_days(day):
    assert day in bank_holidays(day.year)
    assert not cal.is_working_day(day)


def test_moved_holidays_free_their_usual_day():
    assert cal.is_working_day(date(2020, 5, 4))  # VE Day year: first Monday worked
    assert cal.is_working_day(date(2022, 5, 30))  # Jubilee year: last Monday worked


def test_bank_holidays_is_cached_per_year():
    assert bank_holidays(2026) is bank_holidays(2026)


def test_is_working_day():
    assert cal.is_working_day(date(2026, 1, 16))  # Friday
    assert not cal.is_working_day(date(2026, 1, 17))  # Saturday
    assert not cal.is_working_day(date(2026, 1, 18))  # Sunday
    assert not cal.is_working_day(date(2026, 12, 28))  # substitute Boxing Day
    assert cal.is_working_day(date(2026, 12, 24))


def test_is_working_day_refuses_a_datetime():
    with pytest.raises(TypeError):
        cal.is_working_day(utc(2026, 1, 16, 23, 30))


def test_next_working_day_is_strictly_after():
    assert cal.next_working_day(date(2026, 1, 14)) == date(2026, 1, 15)
    assert cal.next_working_day(date(2026, 1, 16)) == date(2026, 1, 19)
    assert cal.next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert cal.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)


# --- working days --------------------------------------------------------------


def test_friday_afternoon_plus_one_working_day_is_monday_afternoon():
    assert_utc(cal.add_working_days(utc(2026, 1, 16, 16), 1), utc(2026, 1, 19, 16))


def test_thursday_before_good_friday_plus_one_is_tuesday_after_easter_monday():
    # 10:00 BST is 09:00 UTC on both days.
    start = london(2026, 4, 2, 10)
    assert_utc(cal.add_working_days(start, 1), london(2026, 4, 7, 10))
    assert_utc(cal.add_working_days(start, 1), utc(2026, 4, 7, 9))


def test_christmas_eve_2026_to_new_year():
    start = utc(2026, 12, 24, 15)  # Thursday; Fri 25, Sat 26, Sun 27, Mon 28 (substitute) off
    assert_utc(cal.add_working_days(start, 1), utc(2026, 12, 29, 15))
    assert_utc(cal.add_working_days(start, 3), utc(2026, 12, 31, 15))
    # Crosses into 2027: New Year's Day is a Friday.
    assert_utc(cal.add_working_days(start, 4), utc(2027, 1, 4, 15))


def test_saturday_start_counts_from_midnight_of_next_working_day():
    # Day 0 is Monday from 00:00, so one working day is due at the end of Monday.
    assert_utc(cal.add_working_days(utc(2026, 1, 17, 11), 1), utc(2026, 1, 20, 0))
    assert_utc(cal.add_working_days(utc(2026, 1, 17, 11), 2), utc(2026, 1, 21, 0))


def test_sunday_start_counts_from_midnight_of_next_working_day():
    assert_utc(cal.add_working_days(utc(2026, 1, 18, 23, 30), 1), utc(2026, 1, 20, 0))


def test_weekend_start_before_bank_holiday_monday():
    # Sat 4 Apr 2026; Easter Monday off, so day 0 is Tuesday, due 00:00 BST Wednesday.
    assert_utc(cal.add_working_days(london(2026, 4, 4, 12), 1), london(2026, 4, 8, 0))
    assert_utc(cal.add_working_days(london(2026, 4, 4, 12), 1), utc(2026, 4, 7, 23))


def test_bank_holiday_start_counts_from_next_working_day():
    assert_utc(cal.add_working_days(london(2026, 4, 3, 10), 1), london(2026, 4, 8, 0))


def test_day_is_decided_in_london_time_not_utc():
    # Sunday 23:30 UTC in June is Monday 00:30 BST: a working day.
    start = utc(2026, 6, 14, 23, 30)
    assert_utc(cal.add_working_days(start, 1), london(2026, 6, 16, 0, 30))
    assert_utc(cal.add_working_days(start, 1), utc(2026, 6, 15, 23, 30))
    # Friday 23:30 UTC in June is Saturday 00:30 BST: not a working day.
    assert_utc(cal.add_working_days(utc(2026, 6, 12, 23, 30), 1), london(2026, 6, 16, 0))


def test_closure_day_is_skipped_like_a_bank_holiday():
    closed = Calendar(closures=frozenset({date(2026, 12, 24)}))
    start = utc(2026, 12, 23, 10)
    assert_utc(cal.add_working_days(start, 1), utc(2026, 12, 24, 10))
    assert_utc(closed.add_working_days(start, 1), utc(2026, 12, 29, 10))
    assert not closed.is_working_day(date(2026, 12, 24))
    # A contact on the closure day starts its clock at 00:00 on the next working day.
    assert_utc(closed.add_working_days(utc(2026, 12, 24, 10), 1), utc(2026, 12, 30, 0))


def test_closures_accept_any_iterable_and_calendar_stays_hashable():
    closed = Calendar(closures={date(2026, 12, 24)})
    assert closed.closures == frozenset({date(2026, 12, 24)})
    assert hash(closed) == hash(Calendar(closures=[date(2026, 12, 24)]))


def test_working_days_keep_london_wall_clock_over_march_change():
    # Fri 27 Mar 2026 10:00 GMT; clocks go forward Sun 29 Mar.
    result = cal.add_working_days(london(2026, 3, 27, 10), 1)
    assert_utc(result, utc(2026, 3, 30, 9))
    assert result.astimezone(LONDON).time() == time(10, 0)


def test_working_days_keep_london_wall_clock_over_october_change():
    # Fri 23 Oct 2026 10:00 BST (09:00 UTC); clocks go back Sun 25 Oct.
    start = london(2026, 10, 23, 10)
    assert start == utc(2026, 10, 23, 9)
    result = cal.add_working_days(start, 1)
    assert_utc(result, utc(2026, 10, 26, 10))
    assert result.astimezone(LONDON).time() == time(10, 0)


def test_many_working_days():
    # Mon 12 Jan 2026 + 10 working days = Mon 26 Jan (no holidays in between).
    assert_utc(cal.add_working_days(utc(2026, 1, 12, 9), 10), utc(2026, 1, 26, 9))
    # Decimal whole numbers are accepted (amounts may come from a DecimalField).
    assert_utc(cal.add_working_days(utc(2026, 1, 12, 9), Decimal("10")), utc(2026, 1, 26, 9))


def test_fractional_working_days_are_refused():
    with pytest.raises(ValueError):
        cal.add_working_days(utc(2026, 1, 12, 9), 1.5)


# --- working hours -------------------------------------------------------------


def test_working_hours_across_a_weekend():
    assert_utc(cal.add_working_hours(utc(2026, 1, 16, 16), 4), utc(2026, 1, 19, 12))


def test_working_hours_starting_before_day_start():
    assert_utc(cal.add_working_hours(utc(2026, 1, 19, 7, 30), 2), utc(2026, 1, 19, 11))


def test_working_hours_starting_after_day_end():
    assert_utc(cal.add_working_hours(utc(2026, 1, 19, 18), 2), utc(2026, 1, 20, 11))


def test_working_hours_starting_exactly_at_day_end():
    assert_utc(cal.add_working_hours(utc(2026, 1, 19, 17), 1), utc(2026, 1, 20, 10))


def test_working_hours_landing_exactly_at_day_end_stays_there():
    assert_utc(cal.add_working_hours(utc(2026, 1, 16, 13), 4), utc(2026, 1, 16, 17))


def test_working_hours_starting_on_a_weekend():
    assert_utc(cal.add_working_hours(utc(2026, 1, 17, 14), 1.5), utc(2026, 1, 19, 10, 30))


def test_working_hours_spanning_easter():
    # Thu 2 Apr 2026 15:00 BST: 2h on Thursday, Good Friday to Easter Monday off.
    assert_utc(cal.add_working_hours(london(2026, 4, 2, 15), 4), london(2026, 4, 7, 11))
    assert_utc(cal.add_working_hours(london(2026, 4, 2, 15), 4), utc(2026, 4, 7, 10))


def test_working_hours_spanning_spring_bank_holiday():
    # Fri 22 May 2026 16:00 BST; Mon 25 May off.
    assert_utc(cal.add_working_hours(london(2026, 5, 22, 16), 2), london(2026, 5, 26, 10))


def test_working_hours_over_march_clock_change():
    # Fri 27 Mar 2026 16:00 GMT + 2 = Mon 30 Mar 10:00 BST = 09:00 UTC.
    assert_utc(cal.add_working_hours(london(2026, 3, 27, 16), 2), utc(2026, 3, 30, 9))


def test_working_hours_minutes_precision():
    start = utc(2026, 1, 19, 9)
    assert_utc(cal.add_working_hours(start, Decimal("1.25")), utc(2026, 1, 19, 10, 15))
    assert_utc(cal.add_working_hours(start, 0.1), utc(2026, 1, 19, 9, 6))
    assert_utc(cal.add_working_hours(start, 7.75), utc(2026, 1, 19, 16, 45))


def test_large_working_hours_amount():
    # 80 working hours from Mon 12 Jan 09:00 is ten full days: Fri 23 Jan 17:00.
    assert_utc(cal.add_working_hours(utc(2026, 1, 12, 9), 80), utc(2026, 1, 23, 17))
    # A year's worth stays quick (one loop per day).
    cal.add_working_hours(utc(2026, 1, 12, 9), 8 * 260)


def test_custom_working_hours():
    # 08:30-17:30: Friday 16:00 + 4 = 1.5h on Friday, 2.5h from 08:30 Monday.
    late = Calendar(day_start=time(8, 30), day_end=time(17, 30))
    assert_utc(late.add_working_hours(utc(2026, 1, 16, 16), 4), utc(2026, 1, 19, 11))


@pytest.mark.parametrize(
    ("day_start", "day_end"),
    [(time(17), time(9)), (time(9), time(9)), (time(9, tzinfo=UTC), time(17))],
)
def test_calendar_refuses_bad_working_hours(day_start, day_end):
    with pytest.raises(ValueError):
        Calendar(day_start=day_start, day_end=day_end)


# --- clock hours ---------------------------------------------------------------


def test_clock_hours_over_march_change_are_elapsed_time():
    # 00:30 GMT Sun 29 Mar 2026; 01:00-02:00 does not exist in London that day.
    result = cal.add(london(2026, 3, 29, 0, 30), 4, Unit.CLOCK_HOURS)
    assert_utc(result, utc(2026, 3, 29, 4, 30))
    assert result.astimezone(LONDON) == london(2026, 3, 29, 5, 30)


def test_clock_hours_over_october_change_are_elapsed_time():
    # 00:30 BST Sun 25 Oct 2026 is 23:30 UTC on the Saturday; 01:00-02:00 happens twice.
    result = cal.add(london(2026, 10, 25, 0, 30), 4, Unit.CLOCK_HOURS)
    assert_utc(result, utc(2026, 10, 25, 3, 30))
    assert result.astimezone(LONDON).time() == time(3, 30)


def test_clock_hours_ignore_weekends_and_holidays():
    assert_utc(cal.add(utc(2026, 12, 24, 15), 24, "clock_hours"), utc(2026, 12, 25, 15))


# --- dispatch, inputs and outputs ------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("working_days", utc(2026, 1, 19, 16, 30)),
        ("working_hours", utc(2026, 1, 19, 9, 30)),
        ("clock_hours", utc(2026, 1, 16, 17, 30)),
        (Unit.WORKING_DAYS, utc(2026, 1, 19, 16, 30)),
    ],
)
def test_add_dispatches_by_unit_or_string(unit, expected):
    # Friday 16:30 + 1 of each unit.
    assert_utc(cal.add(utc(2026, 1, 16, 16, 30), 1, unit), expected)


def test_add_refuses_unknown_unit():
    with pytest.raises(ValueError):
        cal.add(utc(2026, 1, 16, 16), 1, "fortnights")


@pytest.mark.parametrize("unit", list(Unit))
def test_negative_amount_raises(unit):
    with pytest.raises(ValueError):
        cal.add(utc(2026, 1, 16, 16), -1, unit)


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), Decimal("NaN")])
def test_non_finite_amount_raises(amount):
    with pytest.raises(ValueError):
        cal.add_working_hours(utc(2026, 1, 16, 16), amount)


@pytest.mark.parametrize("unit", list(Unit))
def test_zero_returns_start_in_utc(unit):
    start = london(2026, 1, 17, 11)  # a Saturday, still returned unchanged
    assert_utc(cal.add(start, 0, unit), utc(2026, 1, 17, 11))
    summer = london(2026, 6, 17, 11)
    assert_utc(cal.add(summer, 0, unit), utc(2026, 6, 17, 10))


@pytest.mark.parametrize("unit", list(Unit))
def test_naive_datetime_is_refused(unit):
    with pytest.raises(ValueError):
        cal.add(datetime(2026, 1, 16, 16), 1, unit)


def test_non_utc_inputs_give_utc_outputs():
    new_york = datetime(2026, 1, 16, 11, tzinfo=ZoneInfo("America/New_York"))  # 16:00 UTC
    assert_utc(cal.add_working_days(new_york, 1), utc(2026, 1, 19, 16))
    assert_utc(cal.add_working_hours(new_york, 4), utc(2026, 1, 19, 12))
    assert_utc(cal.add(new_york, 1, Unit.CLOCK_HOURS), utc(2026, 1, 16, 17))
    # Saturday 01:00 in India is still Friday 19:30 in London: a working day.
    kolkata = datetime(2026, 1, 17, 1, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert_utc(cal.add_working_days(kolkata, 1), utc(2026, 1, 19, 19, 30))


def test_missing_and_repeated_wall_clock_times_normalise_via_utc():
    from mash.clock import _london_to_utc

    # 01:30 on 29 Mar 2026 does not exist: read as GMT, i.e. 02:30 BST.
    assert _london_to_utc(date(2026, 3, 29), time(1, 30)) == utc(2026, 3, 29, 1, 30)
    # 01:30 on 25 Oct 2026 happens twice: fold=0 takes the first (BST).
    assert _london_to_utc(date(2026, 10, 25), time(1, 30, fold=1)) == utc(2026, 10, 25, 0, 30)


# --- properties over a spread of starts ------------------------------------------


def starts_2026():
    moment = utc(2026, 1, 1)
    while moment.year == 2026:
        yield moment
        moment += timedelta(hours=7)


def test_property_one_working_day_lands_on_a_working_day_after_start():
    for start in starts_2026():
        result = cal.add_working_days(start, 1)
        local = result.astimezone(LONDON)
        assert result.tzinfo is UTC
        assert result > start, start
        assert cal.is_working_day(local.date()), start
        start_local = start.astimezone(LONDON)
        if cal.is_working_day(start_local.date()):
            assert local.time() == start_local.time(), start
        else:
            assert local.time() == time(0, 0), start
        assert cal.add_working_days(start, 2) > result, start


def working_hours_by_stepping(start: datetime, hours: float) -> datetime:
    """Independent oracle: walk in 15-minute steps of elapsed time."""
    step = timedelta(minutes=15)
    needed = round(hours * 4)
    moment = start
    while needed:
        local = moment.astimezone(LONDON)
        if cal.is_working_day(local.date()) and cal.day_start <= local.time() < cal.day_end:
            needed -= 1
        moment += step
    return moment


@pytest.mark.parametrize("hours", [0.25, 2.5, 8, 11.75])
def test_property_working_hours_land_inside_working_hours(hours):
    for start in starts_2026():
        result = cal.add_working_hours(start, hours)
        local = result.astimezone(LONDON)
        assert result.tzinfo is UTC
        assert result > start, start
        assert cal.is_working_day(local.date()), start
        assert cal.day_start < local.time() <= cal.day_end, start
        assert result == working_hours_by_stepping(start, hours), start
