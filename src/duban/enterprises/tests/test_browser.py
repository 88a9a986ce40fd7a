"""The enterprise service in a real Chromium: an officer logs a visit that raises a problem
sent to two departments at once (园区吹哨，部门报到); the lead department replies; the
enterprise signs in on its phone with the officer's invitation and closes the problem out
(销号); a proxy case runs through its steps on the departments' desk with one step late;
the dashboard draws its charts.

Run: ``pytest src/duban/enterprises -m browser`` (``DUBAN_SCREENSHOTS=1`` saves
docs/screenshots/enterprises-*.png).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from duban.enterprises import services_access as acc
from duban.enterprises import services_proxy as px
from duban.enterprises.models import Problem, ProxyCase
from duban.tickets import services as ts
from duban.tickets.models import Ticket
from duban.web.tests.browser import PHONE, assert_charts_drawn, goto, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_visit_whistle_reply_closeout_on_a_phone_and_a_proxy_case_with_a_late_step(
    ent, open_as
) -> None:
    # 1. The officer logs a visit that finds a problem and names two departments.
    officer = open_as(ent.officer)
    goto(officer, open_as.url(f"/enterprises/{ent.acme.pk}/"))
    form = officer.locator("#visit-form form")
    form.locator("textarea[name=topics]").fill("走访企业，了解扩产用地和融资情况")
    form.locator("input[name=problem_title]").fill("扩产贷款审批慢")
    form.locator("textarea[name=problem_content]").fill(
        "企业扩产需贷款2000万元，银行审批迟迟未果。"
    )
    form.locator("select[name=category]").select_option(label="资金")
    form.locator("select[name=lead_unit]").select_option(label="发改局")
    form.locator("fieldset.co-units label", has_text="自然资源局").locator("input").check()
    shot(officer, "enterprises-visit")
    form.locator("button", has_text="保存走访").click()
    expect(officer.locator(".notice.ok")).to_contain_text("已登记走访")
    problem = Problem.objects.get(enterprise=ent.acme)
    ticket = Ticket.objects.get(pk=problem.ticket_id)
    assert ticket.state == "dispatched" and ticket.primary_unit == ent.fgj
    assert set(ticket.assignments.values_list("unit__name", flat=True)) == {"发改局", "自然资源局"}
    expect(officer.locator("#problems")).to_contain_text("发改局")

    # 2. The lead department replies; the centre passes the reply.
    now = timezone.now()
    ticket = ts.ticket_accept(ticket=ticket, actor=ent.fgj_handler, now=now)
    ticket = ts.ticket_reply(
        ticket=ticket,
        actor=ent.fgj_handler,
        now=now,
        result="solved",
        text="已协调银行完成授信审批，贷款已发放。",
    )
    ts.ticket_review_pass(ticket=ticket, actor=ent.p.dispatcher, now=now)

    # 3. The enterprise opens the officer's invitation on its phone and closes it out.
    cache.clear()  # no sign-in budget left over from another test
    issued = acc.invitation_create(actor=ent.officer, now=timezone.now(), enterprise=ent.acme)
    phone = open_as(None, viewport=PHONE)
    goto(phone, open_as.url(f"/enterprises/e/invite/{issued.secret}/"))
    card = phone.locator(".problem", has_text="扩产贷款审批慢")
    expect(card).to_contain_text("已协调银行完成授信审批")
    shot(phone, "enterprises-confirm-phone", full_page=True)
    card.locator("button", has_text="确认并销号").click()
    expect(phone.locator(".notice.ok")).to_contain_text("已销号")
    problem.refresh_from_db()
    assert problem.closed_at is not None and problem.solved
    assert Ticket.objects.get(pk=problem.ticket_id).state == "closed"

    # 4. A proxy case opened a while ago runs through its steps; the first one is late.
    case = px.case_open(
        actor=ent.officer,
        now=timezone.now() - timedelta(days=10),
        enterprise=ent.acme,
        service=ent.service,
    )
    fgj = open_as(ent.fgj_handler)
    goto(fgj, open_as.url("/enterprises/steps/"))
    row = fgj.locator("#steps tr", has_text="材料预审")
    expect(row).to_contain_text("超期")
    shot(fgj, "enterprises-steps")
    row.locator("button", has_text="受理").click()
    expect(fgj.locator(".notice.ok")).to_be_visible()
    fgj.locator("#steps tr", has_text="材料预审").locator("button", has_text="完成").click()
    expect(fgj.locator(".notice.ok")).to_be_visible()
    zrj = open_as(ent.zrj_handler)
    goto(zrj, open_as.url("/enterprises/steps/"))
    for label in ("受理", "完成"):
        zrj.locator("#steps tr", has_text="用地审查").locator("button", has_text=label).click()
        expect(zrj.locator(".notice.ok")).to_be_visible()
    goto(fgj, open_as.url("/enterprises/steps/"))
    for label in ("受理", "完成"):
        fgj.locator("#steps tr", has_text="备案批复").locator("button", has_text=label).click()
        expect(fgj.locator(".notice.ok")).to_be_visible()
    case = ProxyCase.objects.get(pk=case.pk)
    assert case.state == "completed" and case.on_time is False
    assert list(case.steps.order_by("order").values_list("late", flat=True)) == [True, False, False]

    # 5. The enterprise page and the dashboard show it all.
    goto(officer, open_as.url(f"/enterprises/{ent.acme.pk}/"))
    expect(officer.locator("#cases")).to_contain_text("有环节超时")
    shot(officer, "enterprises-page", full_page=True)
    leader = open_as(ent.p.leader)
    goto(leader, open_as.url("/enterprises/dashboard/"))
    assert_charts_drawn(leader)
    shot(leader, "enterprises-dashboard", full_page=True)
    goto(officer, open_as.url("/enterprises/desk/"))
    shot(officer, "enterprises-desk")
    open_as.console.assert_clean()
