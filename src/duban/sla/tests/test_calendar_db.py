"""The calendar as seeded into the database by the data migration."""

from datetime import date, datetime, timedelta

import pytest

from duban.sla.calendar import LOCAL_TZ
from duban.sla.models import CalendarDay, CalendarYear, WorkingPeriod
from duban.sla.seed import library_years
from duban.sla.selectors import calendar_invalidate, get_calendar

pytestmark = pytest.mark.django_db


def test_migration_seeded_every_library_year() -> None:
    assert set(CalendarYear.objects.values_list("year", flat=True)) >= set(library_years())
    assert WorkingPeriod.objects.count() == 2
    day = CalendarDay.objects.get(date=date(2025, 9, 28))
    assert day.is_workday and day.name == "国庆节调休上班"


def test_national_day_2025_from_the_database() -> None:
    cal = get_calendar()
    assert cal.is_workday(date(2025, 9, 28))
    assert not any(cal.is_workday(date(2025, 10, 1) + timedelta(days=i)) for i in range(8))
    assert cal.add_working_days(datetime(2025, 9, 30, 10, tzinfo=LOCAL_TZ), 1) == datetime(
        2025, 10, 9, 18, tzinfo=LOCAL_TZ
    )


def test_cache_is_invalidated_explicitly() -> None:
    before = get_calendar()
    assert get_calendar() is before
    CalendarDay.objects.create(date=date(2025, 11, 14), is_workday=False, name="test")
    assert get_calendar() is before  # cached
    calendar_invalidate()
    assert not get_calendar().is_workday(date(2025, 11, 14))
