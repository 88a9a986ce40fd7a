"""Reads of SLA data: the calendar (cached per process) and the rule for a ticket."""

from __future__ import annotations

import logging
import time as _time

from .calendar import WorkCalendar, build_calendar
from .models import CalendarDay, CalendarYear, SlaRule, WorkingPeriod

log = logging.getLogger("duban.sla")
_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, object]] = {}


def calendar_invalidate() -> None:
    _cache.clear()


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
