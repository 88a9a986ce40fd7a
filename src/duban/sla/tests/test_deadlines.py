"""Dispatch deadlines from seeded rules and the seeded calendar."""

from datetime import datetime

import pytest

from duban.sla.calendar import LOCAL_TZ
from duban.sla.deadlines import (
    callback_due,
    dispatch_deadlines,
    extended_handle_due,
    extension_limit_days,
    resumed_due,
)
from duban.sla.models import SlaRule
from duban.sla.selectors import get_calendar, rule_for

pytestmark = pytest.mark.django_db


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_friday_16_00_consultation() -> None:
    rule = rule_for(kind="appeal", appeal_type="consultation", urgency="normal")
    due = dispatch_deadlines(
        rule=rule, calendar=get_calendar(), dispatched_at=local(2025, 11, 14, 16)
    )
    assert due.handle_due == local(2025, 11, 18, 18)  # Tuesday 18:00
    assert due.return_due == local(2025, 11, 18, 18)
    assert due.accept_due == local(2025, 11, 14, 18)  # 2 working hours: 16–18 Friday
    assert due.contact_due == local(2025, 11, 15, 16)  # 24h clock time


def test_holiday_week() -> None:
    rule = rule_for(kind="appeal", appeal_type="consultation", urgency="normal")
    due = dispatch_deadlines(
        rule=rule, calendar=get_calendar(), dispatched_at=local(2025, 9, 30, 17)
    )
    # Tue 30 Sep 17:00: 1 working hour left that day; 1–8 Oct off.
    assert due.accept_due == local(2025, 10, 9, 9, 30)
    assert due.handle_due == local(2025, 10, 10, 18)  # Thu 9, Fri 10 Oct


def test_urgent_handle_is_clock_time() -> None:
    rule = rule_for(kind="appeal", appeal_type="help", urgency="urgent")
    due = dispatch_deadlines(
        rule=rule, calendar=get_calendar(), dispatched_at=local(2025, 10, 1, 10)
    )
    assert due.handle_due == local(2025, 10, 2, 10)
    assert due.accept_due == local(2025, 10, 1, 10, 30)  # "30min" is clock time, even on a holiday


def test_extension_and_callback() -> None:
    cal = get_calendar()
    rule = rule_for(kind="appeal", appeal_type="complaint", urgency="normal")
    assert extended_handle_due(
        calendar=cal, handle_due=local(2025, 9, 26, 18), extra_days=2
    ) == local(2025, 9, 29, 18)
    assert callback_due(rule=rule, calendar=cal, reviewed_at=local(2025, 11, 14, 16)) == local(
        2025, 11, 18, 18
    )
    assert extension_limit_days(rule) == 10
    assert extension_limit_days(SlaRule(extension_max="48h")) == 2


def test_a_stopped_clock_resumes_by_the_time_it_stood_still_as_it_counts() -> None:
    """A return pending Mon 3 Mar 10:00 → Tue 4 Mar 10:00: 7 working hours, 24 clock hours."""
    cal = get_calendar()
    stopped, resumed = local(2025, 3, 3, 10), local(2025, 3, 4, 10)

    def push(due: datetime, within: str) -> datetime:
        return resumed_due(
            calendar=cal, due=due, within=within, stopped_at=stopped, resumed_at=resumed
        )

    assert push(local(2025, 3, 24, 18), "15wd") == local(2025, 3, 25, 18)  # one working day
    assert push(local(2025, 3, 3, 11, 5), "2wh") == local(2025, 3, 4, 11, 5)
    assert push(local(2025, 3, 4, 9, 5), "24h") == local(2025, 3, 5, 9, 5)  # clock time
    assert push(local(2025, 3, 3, 9, 35), "30min") == local(2025, 3, 4, 9, 35)
    # A deadline already passed when the clock stopped moves by as much and stays passed.
    assert push(local(2025, 3, 3, 9, 30), "2wh") == local(2025, 3, 4, 9, 30) < resumed


def test_a_pause_outside_working_time_moves_a_working_time_clock_not_at_all() -> None:
    """Asked Friday 19:00, ruled on Monday 08:00: no working minute passed (an end-of-day
    deadline is not snapped to the next morning); the 24-hour clock moves 61 hours."""
    cal = get_calendar()
    stopped, resumed = local(2025, 3, 7, 19), local(2025, 3, 10, 8)
    kw = {"calendar": cal, "stopped_at": stopped, "resumed_at": resumed}
    assert resumed_due(due=local(2025, 3, 12, 18), within="10wd", **kw) == local(2025, 3, 12, 18)
    assert resumed_due(due=local(2025, 3, 8, 18), within="24h", **kw) == local(2025, 3, 11, 7)
