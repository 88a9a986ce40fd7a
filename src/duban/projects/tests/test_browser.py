"""The key-projects journey in a real Chromium: the reporter files a month on the phone,
the development office approves it on the dispatch desk, the lagging project warns its
lead official, a blocker raised from the project page goes through the ticket engine to
closed, and a site-visit contest is scored by its judges and published.

Run: ``pytest src/duban/projects -m browser`` (``DUBAN_SCREENSHOTS=1`` saves
docs/screenshots/projects-*.png).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duban.projects.models import Blocker, Contest, MonthlyReport
from duban.projects.selectors import report_month, today_of
from duban.projects.services import project_set_plan
from duban.tickets import services as ts
from duban.tickets.choices import State
from duban.web.tests.browser import PHONE, assert_charts_drawn, goto, shot

from .conftest import make_project

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_a_month_is_filed_approved_warned_unblocked_and_a_contest_published(w, open_as) -> None:
    now = timezone.now()
    year, month = report_month(today_of(now))
    project = make_project(
        w,
        "PDS-001",
        now=now - timedelta(days=400),
        plan_year=year,
        name="跃新新能源智能制造产业园",
        levels=["province"],
        owner_contact="王经理",
    )
    # Most of the year's plan is due early: one month in, the project is already behind.
    project_set_plan(
        project=project,
        actor=w.office,
        now=now - timedelta(days=300),
        year=year,
        annual_plan="1200",
        months=["600"] + ["54.55"] * 10 + ["54.50"],
    )
    make_project(
        w,
        "PDS-002",
        now=now - timedelta(days=400),
        plan_year=year,
        name="平高新松机器人",
        lead=w.lead2,
    )

    # 1. The reporter files the month on her phone.
    phone = open_as(w.reporter, viewport=PHONE)
    goto(phone, open_as.url("/projects/report/?project=PDS-001"))
    phone.fill("#id_month", f"{year}-{month:02d}")
    phone.fill("#id_investment_month", "30")
    phone.fill("#id_progress", "一期厂房主体施工，完成钢结构吊装")
    phone.fill("#id_requests", "二期厂房需10千伏专线接入")
    shot(phone, "projects-journey-report-phone", full_page=True)
    phone.click("#report-form button[type=submit]")
    expect(phone.locator(".notice.ok")).to_contain_text("等待发改局审核")
    report = MonthlyReport.objects.get(project=project)
    assert report.state == "submitted"

    # 2. The development office approves it on the dispatch desk.
    office = open_as(w.office)
    goto(office, open_as.url("/projects/dispatch/"))
    row = office.locator("#to-review tr", has_text="跃新新能源智能制造产业园")
    expect(row).to_be_visible()
    expect(office.locator("#missing")).to_contain_text("平高新松机器人")
    shot(office, "projects-journey-dispatch")
    row.locator("input[name=comment]").fill("数据已核实")
    row.get_by_role("button", name="通过").click()
    expect(office.locator(".notice.ok")).to_contain_text("已审核通过")
    report.refresh_from_db()
    assert report.state == "approved"

    # 3. The lead official finds the lagging project on his desk with a red warning.
    lead = open_as(w.lead)
    goto(lead, open_as.url("/projects/mine/"))
    warning = lead.locator("#warnings tr", has_text="跃新新能源智能制造产业园")
    expect(warning).to_contain_text("滞后")
    expect(warning).to_contain_text("红色预警")
    shot(lead, "projects-journey-mine")

    # 4. He raises a blocker from the project page; the centre dispatches it, the
    #    department handles it, it is reviewed and closed on the engine.
    warning.get_by_role("link").click()
    lead.wait_for_url(re.compile(r"/projects/p/PDS-001/"))
    assert_charts_drawn(lead, "#chart-plan")
    lead.fill("#id_title", "二期厂房专线供电")
    lead.fill("#id_content", "二期厂房需10千伏专线接入，请协调住建局和供电部门。")
    lead.click("#blocker-form button[type=submit]")
    expect(lead.locator(".notice.ok")).to_contain_text("工单编号")
    blocker = Blocker.objects.get(project=project)
    ticket, t = blocker.ticket, timezone.now()
    if ticket.state == State.REGISTERED:
        ticket = ts.ticket_dispatch(
            ticket=ticket, actor=w.dispatcher, now=t, unit=w.district.housing
        )
    ticket = ts.ticket_accept(ticket=ticket, actor=w.dept_handler, now=t + timedelta(seconds=1))
    ticket = ts.ticket_record_contact(
        ticket=ticket, actor=w.dept_handler, now=t + timedelta(seconds=2)
    )
    ticket = ts.ticket_reply(
        ticket=ticket,
        actor=w.dept_handler,
        now=t + timedelta(seconds=3),
        result="solved",
        text="专线已接入",
    )
    ticket = ts.ticket_review_pass(ticket=ticket, actor=w.dispatcher, now=t + timedelta(seconds=4))
    ts.ticket_callback(
        ticket=ticket,
        actor=w.dispatcher,
        now=t + timedelta(seconds=5),
        reached=True,
        resolved=True,
        satisfaction="satisfied",
    )
    lead.reload()
    expect(lead.locator("#blockers")).to_contain_text(ticket.number)
    expect(lead.locator("#blockers")).to_contain_text("已办结")
    expect(lead.locator("#history")).to_contain_text(f"协调事项工单{ticket.number}已办结")
    shot(lead, "projects-journey-project", full_page=True)

    # 5. A contest: the office sets it up on its page (weights must add up to 100), two
    # judges score under their names, the office closes and publishes.
    goto(office, open_as.url("/projects/contests/"))
    office.locator("#contest-new").click()
    office.get_by_label("评比名称").fill("冬看蝶变项目观摩")
    office.get_by_label("主题").fill("冬看蝶变")
    for i, (label, weight) in enumerate((("形象进度", "40"), ("投资完成", "40"), ("质量", "10"))):
        office.locator(f"input[name=criterion_{i}]").fill(label)
        office.locator(f"input[name=weight_{i}]").fill(weight)
    office.locator("input[name=kind][value=projects]").check()
    for code in ("PDS-001", "PDS-002"):
        office.locator("#pick-projects label", has_text=code).locator("input").check()
    for judge in (w.lead, w.lead2):
        office.locator(f"input[name=judges][value='{judge.pk}']").check()
    open_as.console.expect_status_error(open_as.url("/projects/contests/new/"))  # 422: weights
    office.get_by_role("button", name="创建评比").click()
    expect(office.locator(".notice.bad")).to_contain_text("当前合计为90")
    office.locator("input[name=weight_2]").fill("20")
    office.get_by_role("button", name="创建评比").click()
    expect(office.locator("#contest-judges")).to_contain_text("leader2")
    contest = Contest.objects.get(name="冬看蝶变项目观摩")
    for judge_page, values in ((lead, ("90", "80", "85")), (open_as(w.lead2), ("88", "86", "90"))):
        goto(judge_page, open_as.url(f"/projects/contests/{contest.pk}/"))
        for form in judge_page.locator("form.score-form").all():
            for field, value in zip(form.locator("input[type=number]").all(), values, strict=True):
                field.fill(value)
            form.get_by_role("button", name="提交评分").click()
            expect(judge_page.locator(".notice.ok")).to_contain_text("已提交")
        expect(judge_page.locator("#ranking")).to_have_count(0)  # secret while open
    goto(office, open_as.url(f"/projects/contests/{contest.pk}/"))
    office.get_by_role("button", name="截止评分").click()
    expect(office.locator("#contest-state")).to_have_text("已截止")
    office.get_by_role("button", name="发布结果").click()
    expect(office.locator("#contest-state")).to_have_text("已发布")
    goto(lead, open_as.url(f"/projects/contests/{contest.pk}/"))
    expect(lead.locator("#ranking")).to_contain_text("跃新新能源智能制造产业园")
    shot(lead, "projects-journey-contest", full_page=True)

    # The office's overview pages, for the README.
    goto(office, open_as.url("/projects/"))
    expect(office.locator("#ledger")).to_contain_text("PDS-001")
    shot(office, "projects-journey-ledger")
    goto(office, open_as.url("/projects/dashboard/"))
    assert_charts_drawn(office)
    shot(office, "projects-journey-dashboard", full_page=True)
    open_as.console.assert_clean()
