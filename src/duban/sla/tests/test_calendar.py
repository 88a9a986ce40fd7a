"""Pure calendar arithmetic (no database) with property-based tests."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.sla import calendar as calendar_module
from duban.sla.calendar import LOCAL_TZ, WorkCalendar

from .helpers import library_calendar

CAL = library_calendar()


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LOCAL_TZ)


def in_working_time(cal: WorkCalendar, moment: datetime) -> bool:
    """Inside a working period of a working day, both ends inclusive."""
    moment = cal.local(moment)
    if not cal.is_workday(moment.date()):
        return False
    return any(begin <= moment.timetz().replace(tzinfo=None) <= end for begin, end in cal.periods)


# Moments in the years the calendar knows, at minute resolution, in any timezone.
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(LOCAL_TZ)
).map(lambda m: m.replace(second=0, microsecond=0))
working_moments = moments.filter(lambda m: in_working_time(CAL, m))


class TestDays:
    def test_national_day_2025(self) -> None:
        assert CAL.is_workday(date(2025, 9, 28))  # Sunday make-up day
        assert CAL.is_workday(date(2025, 10, 11))  # Saturday make-up day
        for offset in range(8):
            assert not CAL.is_workday(date(2025, 10, 1) + timedelta(days=offset))
        assert CAL.is_workday(date(2025, 10, 9))

    def test_plain_weekend_and_weekday(self) -> None:
        assert not CAL.is_workday(date(2025, 11, 8))  # Saturday
        assert CAL.is_workday(date(2025, 11, 10))  # Monday

    def test_workdays_between_is_half_open(self) -> None:
        # (Fri 26 Sep, Thu 9 Oct]: Sun 28, Mon 29, Tue 30 Sep, Thu 9 Oct.
        assert CAL.workdays_between(date(2025, 9, 26), date(2025, 10, 9)) == 4

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            CAL.add_working_days(datetime(2025, 1, 1, 9), 1)


class TestUnknownYears:
    def test_falls_back_to_monday_to_friday_and_warns_once(
        self, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(calendar_module, "_warned_years", set())
        caplog.set_level(logging.WARNING, logger="duban.sla")
        cal = WorkCalendar(known_years=frozenset({2025}))
        assert cal.is_workday(date(2031, 10, 1))  # a Wednesday; National Day unknown
        assert not cal.is_workday(date(2031, 10, 4))  # Saturday
        cal.add_working_days(local(2031, 10, 1, 9), 5)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "2031" in warnings[0].getMessage()
        assert "duban calendar" in warnings[0].getMessage()

    def test_known_year_does_not_warn(
        self, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(calendar_module, "_warned_years", set())
        caplog.set_level(logging.WARNING, logger="duban.sla")
        CAL.add_working_days(local(2025, 6, 3, 9), 20)
        assert not caplog.records

    def test_explicit_day_in_unknown_year_wins(self) -> None:
        cal = WorkCalendar(days={date(2031, 10, 1): False})
        assert not cal.is_workday(date(2031, 10, 1))


class TestWorkingDays:
    def test_friday_afternoon_plus_two_working_days_is_tuesday_evening(self) -> None:
        assert CAL.add_working_days(local(2025, 11, 14, 16), 2) == local(2025, 11, 18, 18)

    def test_holiday_week_is_skipped(self) -> None:
        # Tue 30 Sep 2025 + 1wd: 1–8 Oct off, Thu 9 Oct is the next working day.
        assert CAL.add_working_days(local(2025, 9, 30, 10), 1) == local(2025, 10, 9, 18)
        # Fri 26 Sep + 1wd lands on the Sunday make-up day.
        assert CAL.add_working_days(local(2025, 9, 26, 10), 1) == local(2025, 9, 28, 18)

    def test_zero_days_is_end_of_today_or_next_working_day(self) -> None:
        assert CAL.add_working_days(local(2025, 11, 14, 9), 0) == local(2025, 11, 14, 18)
        assert CAL.add_working_days(local(2025, 11, 15, 9), 0) == local(2025, 11, 17, 18)

    def test_start_is_taken_in_local_time(self) -> None:
        # 2025-11-14 17:00 UTC is Saturday 01:00 in Shanghai.
        start = datetime(2025, 11, 14, 17, tzinfo=UTC)
        assert CAL.add_working_days(start, 1) == local(2025, 11, 17, 18)

    @given(start=moments, days=st.integers(min_value=0, max_value=30))
    def test_lands_on_a_working_day_at_end_of_hours(self, start: datetime, days: int) -> None:
        due = CAL.add_working_days(start, days)
        assert CAL.is_workday(due.date())
        assert due.timetz().replace(tzinfo=None) == CAL.periods[-1][1]
        assert due.date() >= start.date()
        if days:
            assert due > start
            assert CAL.workdays_between(start.date(), due.date()) == days
        else:
            assert CAL.workdays_between(start.date(), due.date()) <= 1

    @given(
        start=moments,
        a=st.integers(min_value=0, max_value=30),
        b=st.integers(min_value=0, max_value=30),
    )
    def test_monotone_in_days(self, start: datetime, a: int, b: int) -> None:
        lo, hi = sorted((a, b))
        assert CAL.add_working_days(start, lo) <= CAL.add_working_days(start, hi)

    @given(a=moments, b=moments, days=st.integers(min_value=1, max_value=15))
    def test_monotone_in_start(self, a: datetime, b: datetime, days: int) -> None:
        early, late = sorted((a, b))
        assert CAL.add_working_days(early, days) <= CAL.add_working_days(late, days)


class TestWorkingMinutes:
    def test_two_working_hours_across_lunch(self) -> None:
        assert CAL.add_working_minutes(local(2025, 11, 14, 11), 120) == local(2025, 11, 14, 15, 30)

    def test_evening_start_counts_from_next_morning(self) -> None:
        assert CAL.add_working_minutes(local(2025, 11, 14, 20), 30) == local(2025, 11, 17, 9)

    @given(start=moments, minutes=st.integers(min_value=1, max_value=60 * 7 * 15))
    def test_never_lands_outside_working_periods(self, start: datetime, minutes: int) -> None:
        due = CAL.add_working_minutes(start, minutes)
        assert in_working_time(CAL, due)
        assert due > start

    @given(start=working_moments, minutes=st.integers(min_value=0, max_value=60 * 7 * 15))
    def test_round_trip_from_working_time(self, start: datetime, minutes: int) -> None:
        assert (
            CAL.working_minutes_between(start, CAL.add_working_minutes(start, minutes)) == minutes
        )

    @given(
        start=moments,
        a=st.integers(min_value=0, max_value=3000),
        b=st.integers(min_value=0, max_value=3000),
    )
    def test_monotone(self, start: datetime, a: int, b: int) -> None:
        lo, hi = sorted((a, b))
        assert CAL.add_working_minutes(start, lo) <= CAL.add_working_minutes(start, hi)

    def test_between_is_zero_backwards(self) -> None:
        assert CAL.working_minutes_between(local(2025, 11, 14, 12), local(2025, 11, 14, 9)) == 0

    def test_between_skips_holidays(self) -> None:
        # Tue 30 Sep 17:00 → Thu 9 Oct 09:30: one hour on the 30th, one on the 9th.
        assert CAL.working_minutes_between(local(2025, 9, 30, 17), local(2025, 10, 9, 9, 30)) == 120


def test_custom_periods_are_sorted() -> None:
    from duban.sla.calendar import build_calendar

    cal = build_calendar([], [2025], [(time(14, 0), time(17, 0)), (time(9, 0), time(12, 0))])
    assert cal.periods[0] == (time(9, 0), time(12, 0))
    assert cal.add_working_days(local(2025, 11, 14, 10), 1) == local(2025, 11, 17, 17)
