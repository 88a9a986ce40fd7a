"""A pure WorkCalendar built straight from the chinesecalendar package (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar

from duban.sla.calendar import WorkCalendar, build_calendar

YEARS = (2024, 2025, 2026)


@cache
def library_calendar() -> WorkCalendar:
    days = []
    for year in YEARS:
        day = date(year, 1, 1)
        while day.year == year:
            is_work = chinese_calendar.is_workday(day)
            if is_work != (day.weekday() < 5):
                days.append((day, is_work))
            day += timedelta(days=1)
    return build_calendar(days, YEARS)
