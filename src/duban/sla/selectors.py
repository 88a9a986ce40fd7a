"""Reads of SLA data: the calendar (cached per process), the rule for a ticket and the
calendar years that still need the admin (cached in the shared cache)."""

from __future__ import annotations

import logging
import time as _time
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache

from .calendar import WorkCalendar, build_calendar
from .models import CalendarDay, CalendarStatus, CalendarYear, SlaRule, WorkingPeriod

log = logging.getLogger("duban.sla")
_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, object]] = {}


def calendar_invalidate() -> None:
    _cache.clear()
    cache.delete(_GAPS_KEY)


def get_calendar() -> WorkCalendar:
    hit = _cache.get("calendar")
    if hit and _time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]  # type: ignore[return-value]
    calendar = build_calendar(
        CalendarDay.objects.values_list("date", "is_workday"),
        CalendarYear.objects.values_list("year", flat=True),
        WorkingPeriod.objects.values_list("start", "end"),
    )
    _cache["calendar"] = (_time.monotonic(), calendar)
    return calendar


def get_rules() -> list[SlaRule]:
    hit = _cache.get("rules")
    if hit and _time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]  # type: ignore[return-value]
    rules = list(SlaRule.objects.all())
    _cache["rules"] = (_time.monotonic(), rules)
    return rules


def rule_for(
    *, kind: str, appeal_type: str, urgency: str, rules: list[SlaRule] | None = None
) -> SlaRule:
    """The most specific rule matching the ticket; the built-in defaults when none does."""
    candidates = [
        r
        for r in (rules if rules is not None else get_rules())
        if r.kind in ("", kind)
        and r.appeal_type in ("", appeal_type)
        and r.urgency in ("", urgency)
    ]
    if not candidates:
        log.warning(
            "No SLA rule matches %s/%s/%s; using the built-in defaults", kind, appeal_type, urgency
        )
        candidates = [
            r
            for r in _builtin_rules()
            if r.kind in ("", kind)
            and r.appeal_type in ("", appeal_type)
            and r.urgency in ("", urgency)
        ]
    return max(candidates, key=SlaRule.specificity)


def _builtin_rules() -> list[SlaRule]:
    from .seed import DEFAULT_RULES, RULE_FIELDS

    return [
        SlaRule(kind=k, appeal_type=a, urgency=u, **dict(zip(RULE_FIELDS, specs, strict=True)))
        for k, a, u, *specs in DEFAULT_RULES
    ]


# -- calendar years the admin must enter ------------------------------------------------------

_GAPS_KEY = "duban:sla:calendar-gaps"
_GAPS_SECONDS = 600
# From this month on, next year's calendar is due (the State Council publishes it in
# October–December).
NEXT_YEAR_FROM_MONTH = 11


@dataclass(frozen=True)
class CalendarGap:
    """A year deadlines already reach whose calendar is missing or provisional."""

    year: int
    status: str  # "missing" or CalendarStatus.PROVISIONAL

    @property
    def is_missing(self) -> bool:
        return self.status == "missing"


def calendar_gaps(*, today: date) -> list[CalendarGap]:
    """This year if not confirmed; from November on, next year too.

    One query, cached (shared cache) for ten minutes and dropped by every calendar write,
    so the banner on every page of the admin and the centre costs nothing.
    """
    hit = cache.get(_GAPS_KEY)
    if hit is not None and hit[0] == today.isoformat():
        return [CalendarGap(year, status) for year, status in hit[1]]
    years = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_FROM_MONTH else [])
    known = dict(CalendarYear.objects.filter(year__in=years).values_list("year", "status"))
    gaps = [
        (year, known.get(year, "missing"))
        for year in years
        if known.get(year) != CalendarStatus.CONFIRMED
    ]
    cache.set(_GAPS_KEY, (today.isoformat(), gaps), _GAPS_SECONDS)
    return [CalendarGap(year, status) for year, status in gaps]
