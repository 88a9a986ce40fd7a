"""Reporting periods: calendar months in the district's local time (Asia/Shanghai)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .errors import InvalidInput

# Figures follow the district's calendar, whatever the server's time zone.
PERIOD_TZ = ZoneInfo("Asia/Shanghai")

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A calendar month ``[start, end)`` as aware datetimes in Asia/Shanghai."""

    label: str  # "YYYY-MM"
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        year, month = self.start.year, self.start.month - 1
        if month == 0:
            year, month = year - 1, 12
        return month_period(year, month)

    @property
    def next(self) -> Period:
        return month_period(self.end.year, self.end.month)


def month_period(year: int, month: int) -> Period:
    start = datetime(year, month, 1, tzinfo=PERIOD_TZ)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PERIOD_TZ)
    return Period(label=f"{year:04d}-{month:02d}", start=start, end=end)


def parse_period(value: str) -> Period:
    """``"2025-03"`` → ``[2025-03-01 00:00, 2025-04-01 00:00)`` Asia/Shanghai.

    Raises ``InvalidInput`` for anything that is not a ``YYYY-MM`` month.
    """
    match = _PERIOD_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            f"统计周期格式应为 YYYY-MM / period must look like YYYY-MM: {value!r}",
            field="period",
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12) or not (1900 <= year <= 9998):
        raise InvalidInput(
            f"统计周期不存在 / no such month: {value!r}",
            field="period",
        )
    return month_period(year, month)


def period_containing(moment: datetime) -> Period:
    """The month (in Asia/Shanghai) that contains an aware ``moment``."""
    local = moment.astimezone(PERIOD_TZ)
    return month_period(local.year, local.month)


def months_back(now: datetime, months: int) -> list[Period]:
    """The ``months`` months up to the one containing ``now``, oldest first."""
    periods = [period_containing(now)]
    while len(periods) < months:
        periods.append(periods[-1].previous)
    return list(reversed(periods))
