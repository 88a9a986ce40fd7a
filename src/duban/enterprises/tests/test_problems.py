"""Problems on the ticket engine: raised on a visit, whistled to two departments, replied,
closed out (销号) only with the enterprise's rating; escalation; figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.enterprises import services_problems as sp
from duban.enterprises.errors import CloseoutUnconfirmed
from duban.enterprises.models import EnterpriseEvent, Escalation, Problem
from duban.enterprises.selectors_figures import problem_figures, year_bounds
from duban.enterprises.services import FoundProblem, visit_log
from duban.tickets import services as ts
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def raise_on_visit(ent, now, units=()):
    visit = visit_log(
        actor=ent.officer,
        now=now,
        enterprise=ent.acme,
        visited_on=now.date(),
        topics="了解企业扩产用地和融资情况",
        problems=[
            FoundProblem(
                title="扩产贷款审批慢",
                content="企业扩产需贷款2000万元，银行审批迟迟未果。",
                category_id=ent.funds.pk,
                units=units,
            )
        ],
    )
    return visit, visit.problems.get()


def test_a_visit_records_the_date_and_raises_its_problems_as_tickets(ent, now):
    visit, problem = raise_on_visit(ent, now)
    ent.acme.refresh_from_db()
    assert ent.acme.last_visited_on == now.date()
    assert problem.source == "visit" and problem.level == "district" and problem.visit == visit
    t = problem.ticket
    assert (t.kind, t.state, t.registered_by) == ("enterprise", "registered", ent.officer)
    assert t.caller.phone == "13800001111"  # the enterprise's contact rates it
    assert EnterpriseEvent.objects.filter(enterprise=ent.acme, type="problem_raised").exists()


def test_another_officer_may_not_visit_or_raise(ent, now):
    from duban.enterprises.errors import NotYourEnterprise

    with pytest.raises(NotYourEnterprise) as info:
        visit_log(
            actor=ent.other_officer,
            now=now,
            enterprise=ent.acme,
            visited_on=now.date(),
            topics="走访",
        )
    assert info.value.code == "not_your_enterprise" and "无权" in info.value.message
    assert not ent.acme.visits.exists() and not Ticket.objects.exists()


def full_round(ent, now, *, rating=("satisfied", True)):
    # 园区吹哨，部门报到: the officer names two departments as the problem is raised
    _, problem = raise_on_visit(ent, now, units=[ent.fgj, ent.zrj])
    t = Ticket.objects.get(pk=problem.ticket_id)
    dispatch = t.events.get(type="dispatch")
    assert dispatch.at == t.created_at and "园区吹哨" in dispatch.payload["note"]
    # in her own name: the module's grant of the engine's dispatch, not an engine dispatch
    assert dispatch.actor == ent.officer and dispatch.payload["auto"] is False
    assert t.state == "dispatched" and t.primary_unit == ent.fgj
    assert set(t.assignments.values_list("unit__name", "role")) == {
        ("发改局", "primary"),
        ("自然资源局", "co"),
    }
    later = now + timedelta(hours=2)
    t = ts.ticket_accept(ticket=t, actor=ent.fgj_handler, now=later)
    t = ts.ticket_reply(
        ticket=t,
        actor=ent.fgj_handler,
        now=later,
        result="solved",
        text="已协调银行完成授信审批，贷款已发放。",
    )
    t = ts.ticket_review_pass(ticket=t, actor=ent.p.dispatcher, now=later)
    return problem, t, later


def test_whistle_reply_and_the_enterprise_closes_out(ent, now):
    problem, t, later = full_round(ent, now)
    problem = sp.problem_confirm(
        enterprise=ent.acme, now=later, problem=problem, resolved=True, satisfaction="satisfied"
    )
    assert problem.ticket.state == "closed"
    assert problem.closed_at == later and problem.solved and problem.satisfaction == "satisfied"
    assert problem.close_days is not None
    assert EnterpriseEvent.objects.filter(problem=problem, type="problem_closed").exists()
    assert EnterpriseEvent.objects.filter(problem=problem, type="whistle").exists()


def test_close_out_without_the_enterprise_is_refused_and_undone(ent, now):
    _, problem = raise_on_visit(ent, now)
    with pytest.raises(CloseoutUnconfirmed) as info:
        ts.ticket_direct_answer(
            ticket=problem.ticket, actor=ent.p.dispatcher, now=now, answer="已电话答复企业。"
        )
    assert info.value.code == "closeout_unconfirmed" and "企业" in info.value.message
    t = Ticket.objects.get(pk=problem.ticket_id)
    assert t.state == "registered" and not t.events.filter(type="direct_answer").exists()
    problem.refresh_from_db()
    assert problem.closed_at is None


def test_another_enterprise_cannot_confirm(ent, now):
    from duban.enterprises.errors import NotYourEnterprise

    problem, _, later = full_round(ent, now)
    with pytest.raises(NotYourEnterprise):
        sp.problem_confirm(
            enterprise=ent.other,
            now=later,
            problem=problem,
            resolved=True,
            satisfaction="satisfied",
        )
    assert Ticket.objects.get(pk=problem.ticket_id).state == "reviewed"


def test_escalation_keeps_the_problem_open_and_counts_in_its_level(ent, now):
    _, problem = raise_on_visit(ent, now)
    e = sp.problem_escalate(
        actor=ent.officer,
        now=now,
        problem=problem,
        level="province",
        to="省发展改革委",
        note="需省级协调电力指标",
    )
    problem.refresh_from_db()
    assert problem.level == "province" and problem.closed_at is None
    sp.escalation_answer(actor=ent.officer, now=now, escalation=e, response="已纳入省级协调清单")
    e.refresh_from_db()
    assert e.responded_at == now and Escalation.objects.count() == 1
    start, end = year_bounds(now.year)
    rows = {
        r.key: r
        for r in problem_figures(district_id=ent.d.district.pk, start=start, end=end, by="level")
    }
    assert rows["province"].problems == 1 and "district" not in rows


def test_figures_resolution_rate(ent, now):
    problem, _, later = full_round(ent, now)
    sp.problem_confirm(
        enterprise=ent.acme, now=later, problem=problem, resolved=True, satisfaction="basic"
    )
    raise_on_visit(ent, now)  # a second one stays open
    start, end = year_bounds(now.year)
    (row,) = problem_figures(district_id=ent.d.district.pk, start=start, end=end, by="category")
    assert (row.label, row.problems, row.solved, row.resolution_rate) == ("资金", 2, 1, 0.5)
    assert row.satisfaction_rate == 1.0
    (unit_row,) = [
        r
        for r in problem_figures(district_id=ent.d.district.pk, start=start, end=end, by="unit")
        if r.label == "发改局"
    ]
    assert unit_row.problems == 1
    officer_rows = problem_figures(
        district_id=ent.d.district.pk, start=start, end=end, by="officer"
    )
    assert [r.problems for r in officer_rows] == [2]


def test_enterprise_raises_its_own_problem(ent, now):
    problem = sp.problem_raise(
        actor=None,
        now=now,
        enterprise=ent.acme,
        category_id=ent.funds.pk,
        title="申请稳岗补贴",
        content="咨询稳岗补贴申请条件。",
        source="self",
    )
    assert problem.ticket.registered_by is None and problem.ticket.channel == "web"
    assert Problem.objects.get().source == "self"


def test_whistle_to_a_unit_twice_or_outside_is_refused(ent, now):
    from duban.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        raise_on_visit(ent, now, units=[ent.fgj, ent.fgj])
    with pytest.raises(InvalidInput):
        raise_on_visit(ent, now, units=[ent.d.dongliu])  # a village is not a department
    assert not Ticket.objects.exists() and not Problem.objects.exists()
