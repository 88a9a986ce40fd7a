"""Pure functions from a rule, a calendar and moments to ticket deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .calendar import WorkCalendar
from .durations import Duration, parse_duration
from .models import SlaRule


@dataclass(frozen=True)
class DispatchDeadlines:
    accept_due: datetime
    contact_due: datetime
    return_due: datetime
    handle_due: datetime


def dispatch_deadlines(
    *, rule: SlaRule, calendar: WorkCalendar, dispatched_at: datetime
) -> DispatchDeadlines:
    def at(spec: str) -> datetime:
        return calendar.add(dispatched_at, parse_duration(spec))

    return DispatchDeadlines(
        accept_due=at(rule.accept_within),
        contact_due=at(rule.contact_within),
        return_due=at(rule.return_window),
        handle_due=at(rule.handle_within),
    )


def extended_handle_due(
    *, calendar: WorkCalendar, handle_due: datetime, extra_days: int
) -> datetime:
    """The handling deadline moved by ``extra_days`` working days."""
    return calendar.add_working_days(handle_due, extra_days)


def callback_due(*, rule: SlaRule, calendar: WorkCalendar, reviewed_at: datetime) -> datetime:
    return calendar.add(reviewed_at, parse_duration(rule.callback_within))


def extension_limit_days(rule: SlaRule) -> int:
    limit: Duration = parse_duration(rule.extension_max)
    return limit.amount if limit.unit == "wd" else max(1, limit.amount // 24)


def resumed_due(
    *,
    calendar: WorkCalendar,
    due: datetime,
    within: str,
    stopped_at: datetime,
    resumed_at: datetime,
) -> datetime:
    """``due`` pushed out by the time its clock stood still, from ``stopped_at`` to
    ``resumed_at``, counted as the clock counts (``within`` is the rule's duration spec):
    working time for a clock in working hours or days (``2wh``, ``15wd``: a pause over a
    night or a weekend costs nothing), clock time for one in minutes or hours (``30min``,
    ``24h``: the urgent rules and first contact run day and night, so does their pause).
    """
    unit = parse_duration(within).unit
    if unit in ("min", "h"):
        return due + max(resumed_at - stopped_at, timedelta(0))
    minutes = calendar.working_minutes_between(stopped_at, resumed_at)
    # Zero working minutes leave the deadline alone (adding none would snap a deadline
    # at the end of a day to the next morning).
    return calendar.add_working_minutes(due, minutes) if minutes else due
