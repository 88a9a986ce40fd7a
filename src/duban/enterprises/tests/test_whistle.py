"""园区吹哨，部门报到 after the registration: a chief service officer sends a problem still
waiting for its departments to several of them at once, in her own name — the enterprise
module's grant of the engine's dispatch — through the service, the API and the enterprise
page. Only the problems of the enterprises she serves, only tickets of kind ``enterprise``,
and never a problem a department holds or one closed (``whistle_at_registration``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from duban.core.errors import PermissionDenied
from duban.enterprises import services_problems as sp
from duban.enterprises.errors import NotYourEnterprise, WhistleAtRegistration
from duban.enterprises.models import EnterpriseEvent, Problem
from duban.testing import factories as f
from duban.testing.api import client_for, fast_passwords  # noqa: F401
from duban.testing.personas import make_user
from duban.tickets import services as ts
from duban.tickets.models import Ticket
from duban.tickets.services.base import allowed

pytestmark = pytest.mark.django_db


def waiting(ent, now) -> Problem:
    """A problem the officer raised without naming departments: registered, waiting."""
    problem = sp.problem_raise(
        actor=ent.officer,
        now=now,
        enterprise=ent.acme,
        category_id=ent.funds.pk,
        title="扩产急需技工",
        content="企业扩产急需招聘技工50名，并需协调厂区用地。",
    )
    assert problem.ticket.state == "registered"
    return problem


def _unchanged(problem: Problem, version: int) -> None:
    """The refusal wrote nothing on the ticket (no event: its version is the same)."""
    assert Ticket.objects.get(pk=problem.ticket_id).version == version


def test_the_officer_whistles_a_waiting_problem_later(ent, now):
    problem = waiting(ent, now)
    later = now + timedelta(days=2)
    sp.problem_whistle(actor=ent.officer, now=later, problem=problem, units=[ent.zrj, ent.fgj])
    t = Ticket.objects.get(pk=problem.ticket_id)
    assert t.state == "dispatched" and t.primary_unit == ent.zrj and t.dispatched_at == later
    assert set(t.assignments.values_list("unit__name", "role")) == {
        ("自然资源局", "primary"),
        ("发改局", "co"),
    }
    dispatch = t.events.get(type="dispatch")
    assert dispatch.actor == ent.officer and dispatch.at == later
    assert dispatch.payload["auto"] is False
    assert dispatch.payload["note"] == "园区吹哨，部门报到：officer1派单"
    whistle = EnterpriseEvent.objects.get(problem=problem, type="whistle")
    assert (whistle.actor, whistle.at, whistle.note) == (ent.officer, later, "自然资源局、发改局")
    # The departments report (报到) through the engine as for any dispatch.
    t = ts.ticket_accept(ticket=t, actor=ent.zrj_handler, now=later + timedelta(hours=1))
    assert t.state == "accepted"


def test_a_problem_back_from_a_return_is_whistled_again(ent, now):
    problem = waiting(ent, now)
    sp.problem_whistle(actor=ent.officer, now=now, problem=problem, units=[ent.fgj])
    t = ts.ticket_request_return(
        ticket=problem.ticket,
        actor=ent.fgj_handler,
        now=now + timedelta(hours=1),
        reason="用地问题属自然资源局职责",
    )
    ts.ticket_approve_return(ticket=t, actor=ent.p.dispatcher, now=now + timedelta(hours=2))
    problem.refresh_from_db()
    sp.problem_whistle(
        actor=ent.officer, now=now + timedelta(hours=3), problem=problem, units=[ent.zrj]
    )
    t = Ticket.objects.get(pk=problem.ticket_id)
    assert t.state == "dispatched" and t.primary_unit == ent.zrj
    assert list(t.events.filter(type="dispatch").values_list("actor__username", flat=True)) == [
        "officer1",
        "officer1",
    ]


def test_the_centre_whistles_too_with_its_note(ent, now):
    problem = waiting(ent, now)
    sp.problem_whistle(
        actor=ent.p.dispatcher, now=now, problem=problem, units=[ent.fgj], note="请发改局牵头"
    )
    dispatch = Ticket.objects.get(pk=problem.ticket_id).events.get(type="dispatch")
    assert dispatch.actor == ent.p.dispatcher and dispatch.payload["note"] == "请发改局牵头"


def test_a_problem_a_department_holds_or_closed_is_not_whistled(ent, now):
    problem = waiting(ent, now)
    sp.problem_whistle(actor=ent.officer, now=now, problem=problem, units=[ent.fgj])
    problem.refresh_from_db()
    version = problem.ticket.version
    with pytest.raises(WhistleAtRegistration) as info:
        sp.problem_whistle(actor=ent.officer, now=now, problem=problem, units=[ent.zrj])
    assert info.value.code == "whistle_at_registration" and info.value.status == 409
    assert "已派单" in info.value.message
    _unchanged(problem, version)
    # … driven to its close-out by the enterprise's rating, it stays closed.
    later = now + timedelta(hours=2)
    t = ts.ticket_accept(ticket=problem.ticket, actor=ent.fgj_handler, now=later)
    t = ts.ticket_reply(ticket=t, actor=ent.fgj_handler, now=later, result="solved", text="已招满")
    ts.ticket_review_pass(ticket=t, actor=ent.p.dispatcher, now=later)
    problem.refresh_from_db()
    sp.problem_confirm(
        enterprise=ent.acme, now=later, problem=problem, resolved=True, satisfaction="satisfied"
    )
    problem.refresh_from_db()
    version = problem.ticket.version
    with pytest.raises(WhistleAtRegistration, match="已办结"):
        sp.problem_whistle(actor=ent.officer, now=later, problem=problem, units=[ent.zrj])
    _unchanged(problem, version)
    assert EnterpriseEvent.objects.filter(problem=problem, type="whistle").count() == 1


def test_only_an_officer_who_serves_the_enterprise_whistles(ent, now):
    problem = waiting(ent, now)
    ticket = problem.ticket
    with pytest.raises(NotYourEnterprise):
        sp.problem_whistle(actor=ent.other_officer, now=now, problem=problem, units=[ent.fgj])
    # The engine itself holds the rule: another officer's dispatch of the ticket is refused.
    assert allowed(ticket=ticket, actor=ent.officer, action="dispatch")
    assert not allowed(ticket=ticket, actor=ent.other_officer, action="dispatch")
    with pytest.raises(PermissionDenied, match="不由您服务"):
        ts.ticket_dispatch(ticket=ticket, actor=ent.other_officer, now=now, unit=ent.fgj)
    _unchanged(problem, ticket.version)
    assert not EnterpriseEvent.objects.filter(type="whistle").exists()
    # A member of the enterprise's service group serves it too.
    member = make_user("officer3", "service_officer", ent.fgj)
    ent.group.members.add(member)
    sp.problem_whistle(actor=member, now=now, problem=problem, units=[ent.fgj])
    assert Ticket.objects.get(pk=ticket.pk).events.get(type="dispatch").actor == member


def test_an_officer_cannot_dispatch_another_kinds_ticket(ent, now):
    appeal = f.registered(actor=ent.p.operator, now=now)
    assert not allowed(ticket=appeal, actor=ent.officer, action="dispatch")
    with pytest.raises(PermissionDenied, match="当前角色无权"):
        ts.ticket_dispatch(ticket=appeal, actor=ent.officer, now=now, unit=ent.fgj)
    appeal.refresh_from_db()
    assert appeal.state == "registered" and not appeal.events.filter(type="dispatch").exists()


def test_other_district_wide_roles_serve_but_do_not_dispatch(ent, now):
    problem = waiting(ent, now)
    with pytest.raises(PermissionDenied):
        sp.problem_whistle(actor=ent.p.leader, now=now, problem=problem, units=[ent.fgj])
    _unchanged(problem, problem.ticket.version)


def test_the_whistle_over_the_api(ent, now):
    problem = waiting(ent, now)
    url = f"/enterprise-problems/{problem.pk}/whistle"
    body = {"unit_ids": [ent.zrj.pk, ent.fgj.pk], "note": "请两部门联合上门"}
    r = client_for(ent.other_officer).post(url, body)
    assert r.status_code == 404  # not an enterprise she serves: not even seen
    r = client_for(ent.officer).post(url, body)
    assert r.status_code == 200, r.json()
    assert r.json()["ticket_state"] == "dispatched" and r.json()["id"] == problem.pk
    t = Ticket.objects.get(pk=problem.ticket_id)
    dispatch = t.events.get(type="dispatch")
    assert (dispatch.actor, dispatch.payload["note"]) == (ent.officer, "请两部门联合上门")
    assert t.primary_unit == ent.zrj
    r = client_for(ent.officer).post(url, body)
    assert r.status_code == 409 and r.json()["code"] == "whistle_at_registration"
    assert "吹哨" in r.json()["message"]
    assert Ticket.objects.get(pk=t.pk).version == t.version


def test_the_enterprise_page_offers_the_whistle_to_whom_may(ent, now, client):
    problem = waiting(ent, now)
    action = reverse("enterprises:whistle", args=[problem.pk])
    page = reverse("enterprises:enterprise", args=[ent.acme.pk])
    client.force_login(ent.p.leader)  # reads the page, may not dispatch
    assert action not in client.get(page).content.decode()
    client.force_login(ent.officer)
    assert action in client.get(page).content.decode()
    r = client.post(action, {"lead_unit": ent.zrj.pk, "units": [ent.fgj.pk]})
    assert r.status_code == 302
    t = Ticket.objects.get(pk=problem.ticket_id)
    assert t.state == "dispatched" and t.primary_unit == ent.zrj
    assert t.assignments.get(role="co").unit == ent.fgj
    assert action not in client.get(page).content.decode()  # a department holds it now
