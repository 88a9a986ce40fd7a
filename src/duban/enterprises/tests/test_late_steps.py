"""Overdue proxy steps for the desks: who sees which, counted in working days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from duban.enterprises import services_proxy as px
from duban.enterprises.selectors import late_steps_for
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing.personas import TZ, make_user

pytestmark = pytest.mark.django_db


def open_case(ent, when, enterprise=None):
    return px.case_open(
        actor=ent.admin, now=when, enterprise=enterprise or ent.acme, service=ent.service
    )


def test_days_late_are_working_days_on_the_calendar(ent, now):
    # Monday 09:00 + 1 working day: the first step (发改局) is due Tuesday 18:00.
    case = open_case(ent, now)
    first = case.steps.get(order=1)
    friday = datetime(2025, 3, 7, 10, 0, tzinfo=TZ)
    (row,) = late_steps_for(user=ent.p.supervisor, now=friday).rows
    assert row.step == first and row.days_late == 3  # Wednesday, Thursday, Friday
    next_monday = friday + timedelta(days=3)
    assert late_steps_for(user=ent.p.supervisor, now=next_monday).rows[0].days_late == 4
    tuesday_evening = datetime(2025, 3, 4, 19, 0, tzinfo=TZ)
    late = late_steps_for(user=ent.p.supervisor, now=tuesday_evening)
    assert late.count == 1 and late.rows[0].days_late == 0  # late since 18:00 today
    assert late_steps_for(user=ent.p.supervisor, now=now).count == 0  # not due yet


def test_a_public_holiday_is_not_a_day_late(ent):
    # Opened Wednesday 2 April 2025: due Thursday 3 April; 4–6 April is Qingming (清明节).
    open_case(ent, datetime(2025, 4, 2, 9, 0, tzinfo=TZ))
    monday = datetime(2025, 4, 7, 10, 0, tzinfo=TZ)
    assert late_steps_for(user=ent.p.supervisor, now=monday).rows[0].days_late == 1


def test_the_district_sees_every_late_step_and_a_unit_only_its_own(ent, now):
    fgj_case = open_case(ent, now)
    later = now + timedelta(days=10)
    supervisor = late_steps_for(user=ent.p.supervisor, now=later)
    assert supervisor.count == 1 and supervisor.case_pages  # opens the enterprise page
    fgj = late_steps_for(user=ent.fgj_handler, now=later)
    assert [r.step.case for r in fgj.rows] == [fgj_case] and not fgj.case_pages
    assert late_steps_for(user=ent.zrj_handler, now=later).count == 0
    assert late_steps_for(user=ent.p.dept_handler, now=later).count == 0


def test_another_district_sees_none_of_them(ent, now):
    open_case(ent, now)
    other = unit_create(code="o-district", name="另一区", kind=UnitKind.DISTRICT)
    jgw = unit_create(code="o-jgw", name="另一区纪工委", kind=UnitKind.DEPARTMENT, parent=other)
    fgj = unit_create(code="o-fgj", name="另一区发改局", kind=UnitKind.DEPARTMENT, parent=other)
    later = now + timedelta(days=10)
    for user in (
        make_user("o_supervisor", "supervisor", jgw),
        make_user("o_leader", "leader", other),
        make_user("o_fgj", "handler", fgj),
    ):
        assert late_steps_for(user=user, now=later).count == 0, user.username


def test_the_most_overdue_come_first_and_the_count_is_all_of_them(ent, now):
    for day in range(5):
        open_case(ent, now + timedelta(days=day))
    late = late_steps_for(user=ent.p.supervisor, now=now + timedelta(days=30), limit=3)
    assert late.count == 5 and len(late.rows) == 3
    assert [r.days_late for r in late.rows] == sorted(
        (r.days_late for r in late.rows), reverse=True
    )
    assert late.rows[0].step.due_at < late.rows[-1].step.due_at


def test_done_and_waiting_steps_are_not_late(ent, now):
    case = open_case(ent, now)
    first = case.steps.get(order=1)
    px.step_accept(actor=ent.fgj_handler, now=now, step=first)
    px.step_done(actor=ent.fgj_handler, now=now + timedelta(hours=1), step=first)
    # the second step (自然资源局, 2 working days) started Monday 10:00: due Wednesday 18:00
    thursday = datetime(2025, 3, 6, 10, 0, tzinfo=TZ)
    (row,) = late_steps_for(user=ent.p.supervisor, now=thursday).rows
    assert row.step.order == 2 and row.step.unit == ent.zrj and row.days_late == 1
