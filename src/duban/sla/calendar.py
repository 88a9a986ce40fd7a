"""The Chinese working-day calendar as a pure value, and deadline arithmetic on it.

A :class:`WorkCalendar` knows explicit days (holidays off, make-up days on), the years
whose holidays were entered, and the working periods of a day. Days not listed follow
the Mon–Fri rule. For years nobody has entered yet that is *all* there is, so the
calendar logs a warning the first time such a year is used — never silently.

Deadline semantics (documented in docs/deadlines.md):

- ``Nwd`` — the end of the last working period on the N-th working day after the
  start's local date (dispatched Friday 16:00 + 2wd → Tuesday 18:00).
- ``Nwh`` — N hours of working time counted inside working periods.
- ``Nh`` / ``Nmin`` — plain clock time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .durations import Duration

log = logging.getLogger("duban.sla")

DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 30), time(18, 0)),
)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_MAX_SCAN_DAYS = 3660

_warned_years: set[int] = set()


@dataclass(frozen=True)
class WorkCalendar:
    days: Mapping[date, bool] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: ZoneInfo = LOCAL_TZ

    # -- days ---------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        explicit = self.days.get(day)
        if explicit is not None:
            return explicit
        if day.year not in self.known_years and day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "Working calendar for %s has not been entered; assuming Mon-Fri working days "
                "with no holidays. Enter the year's holidays (duban calendar) to fix deadlines.",
                day.year,
            )
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        for _ in range(_MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_workday(day):
                return day
        raise ValueError("no working day within ten years")

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in the half-open range (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

    # -- moments ------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("calendar arithmetic needs timezone-aware datetimes")
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def end_of_day(self, day: date) -> datetime:
        return self._at(day, self.periods[-1][1])

    def add(self, start: datetime, duration: Duration) -> datetime:
        if duration.unit == "min":
            return start + timedelta(minutes=duration.amount)
        if duration.unit == "h":
            return start + timedelta(hours=duration.amount)
        if duration.unit == "wd":
            return self.add_working_days(start, duration.amount)
        return self.add_working_minutes(start, duration.amount * 60)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        day = self.local(start).date()
        for _ in range(days):
            day = self.next_workday(day)
        if days == 0 and not self.is_workday(day):
            day = self.next_workday(day)
        return self.end_of_day(day)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        remaining = timedelta(minutes=minutes)
        cursor = self.local(start)
        day = cursor.date()
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_workday(day):
                for begin, end in self.periods:
                    p_start, p_end = self._at(day, begin), self._at(day, end)
                    if cursor >= p_end:
                        continue
                    cursor = max(cursor, p_start)
                    available = p_end - cursor
                    if remaining <= available:
                        return cursor + remaining
                    remaining -= available
                    cursor = p_end
            day += timedelta(days=1)
            cursor = self._at(day, time(0, 0))
        raise ValueError("working time exceeds ten years")

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Working minutes between two moments (0 when end <= start)."""
        if end <= start:
            return 0
        a, b = self.local(start), self.local(end)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                for begin, finish in self.periods:
                    lo = max(a, self._at(day, begin))
                    hi = min(b, self._at(day, finish))
                    if hi > lo:
                        total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)


def build_calendar(
    days: Iterable[tuple[date, bool]],
    known_years: Iterable[int],
    periods: Iterable[tuple[time, time]] = (),
) -> WorkCalendar:
    return WorkCalendar(
        days=dict(days),
        known_years=frozenset(known_years),
        periods=tuple(sorted(periods)) or DEFAULT_PERIODS,
    )
