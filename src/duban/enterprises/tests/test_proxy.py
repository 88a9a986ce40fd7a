"""Proxy cases: steps in order, by their unit, against working-day limits; rates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.enterprises import services_proxy as px
from duban.enterprises.models import EnterpriseEvent, ProxyCase
from duban.enterprises.selectors import overdue_steps, steps_list
from duban.enterprises.selectors_figures import proxy_figures, step_figures_by_unit, year_bounds

pytestmark = pytest.mark.django_db


def open_case(ent, now):
    return px.case_open(actor=ent.officer, now=now, enterprise=ent.acme, service=ent.service)


def test_opening_a_case_starts_the_first_step_on_the_working_calendar(ent, now):
    case = open_case(ent, now)
    first, second, third = case.steps.order_by("order")
    assert (first.state, second.state, third.state) == ("pending", "waiting", "waiting")
    # Monday 09:00 + 1 working day: the end of Tuesday on the calendar
    assert first.due_at.astimezone(now.tzinfo).date() == (now + timedelta(days=1)).date()
    assert case.due_at > first.due_at
    assert EnterpriseEvent.objects.filter(case=case, type="case_opened").exists()


def test_steps_run_in_order_by_their_unit_and_one_is_late(ent, now):
    case = open_case(ent, now)
    first, second, third = case.steps.order_by("order")
    # out of order: the second step's unit cannot act yet
    with pytest.raises(Exception) as info:
        px.step_accept(actor=ent.zrj_handler, now=now, step=second)
    assert info.value.code == "step_out_of_order"
    # wrong unit
    with pytest.raises(Exception) as info:
        px.step_accept(actor=ent.zrj_handler, now=now, step=first)
    assert info.value.code == "wrong_unit"
    # done before accepted
    with pytest.raises(Exception) as info:
        px.step_done(actor=ent.fgj_handler, now=now, step=first)
    assert info.value.code == "step_state"
    px.step_accept(actor=ent.fgj_handler, now=now, step=first)
    px.step_done(actor=ent.fgj_handler, now=now + timedelta(hours=1), step=first)
    second.refresh_from_db()
    assert second.state == "pending" and second.due_at is not None
    px.step_block(actor=ent.zrj_handler, now=now, step=second, reason="缺少土地证明")
    second.refresh_from_db()
    assert second.state == "blocked" and second.blocked_reason == "缺少土地证明"
    late = second.due_at + timedelta(days=1)
    assert [s.pk for s in overdue_steps(district_id=ent.d.district.pk, now=late)] == [second.pk]
    px.step_accept(actor=ent.zrj_handler, now=late, step=second)
    px.step_done(actor=ent.zrj_handler, now=late, step=second)
    third.refresh_from_db()
    px.step_accept(actor=ent.fgj_handler, now=late, step=third)
    px.step_done(actor=ent.fgj_handler, now=late, step=third)
    case.refresh_from_db()
    assert case.state == "completed" and case.on_time is False
    assert case.steps.filter(late=True).count() == 1
    types = list(EnterpriseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types.count("step_done") == 3 and "case_completed" in types and "step_blocked" in types
    px.case_rate(enterprise=ent.acme, now=late, case=case, satisfaction="satisfied")
    start, end = year_bounds(now.year)
    (row,) = proxy_figures(district_id=ent.d.district.pk, start=start, end=end, by="service")
    assert (
        row.cases,
        row.completed,
        row.completion_rate,
        row.on_time_rate,
        row.satisfaction_rate,
    ) == (1, 1, 1.0, 0.0, 1.0)
    units = {
        r.label: r
        for r in step_figures_by_unit(district_id=ent.d.district.pk, start=start, end=end, now=late)
    }
    assert units["自然资源局"].late == 1 and units["发改局"].late == 0


def test_rating_twice_or_before_completion_is_refused(ent, now):
    case = open_case(ent, now)
    with pytest.raises(Exception) as info:
        px.case_rate(enterprise=ent.acme, now=now, case=case, satisfaction="satisfied")
    assert info.value.code == "case_state"
    with pytest.raises(Exception) as info:
        px.case_rate(enterprise=ent.other, now=now, case=case, satisfaction="satisfied")
    assert info.value.code == "not_your_enterprise"
    assert ProxyCase.objects.get().rated_at is None


def test_departments_see_their_steps_only(ent, now):
    open_case(ent, now)
    count, items = steps_list(user=ent.fgj_handler, now=now)
    assert count == 1 and items[0].unit == ent.fgj
    assert steps_list(user=ent.zrj_handler, now=now)[0] == 0  # its step has not started
    assert steps_list(user=ent.p.dept_handler, now=now)[0] == 0
    assert steps_list(user=ent.other_officer, now=now)[0] == 0
    assert steps_list(user=ent.officer, now=now)[0] == 1
