"""Dispatch deadlines from seeded rules and the seeded calendar."""

from datetime import datetime

import pytest

from duban.sla.calendar import LOCAL_TZ
from duban.sla.deadlines import (
    callback_due,
    dispatch_deadlines,
    extended_handle_due,
    extension_limit_days,
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
