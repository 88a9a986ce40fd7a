"""Journeys of issue 9 in a real Chromium: bulk review, notices, a merged caller's outcome
in the portal, a caller's tickets found by phone, and a return that takes a ticket away
from its old street.

Each test builds its own tickets through the real services (``testing.factories``),
timed just before now because the pages use the real clock, drives the pages as the
personas of the web tests and ends with a clean browser console. With
``DUBAN_SCREENSHOTS=1`` the pages worth showing are saved to docs/screenshots/.

Run: ``pytest src/duban/web -m browser -k issue9``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duban.notifications.models import Notice
from duban.testing import factories
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.models import Ticket, TicketEvent

from .browser import (
    PHONE,
    badge_text,
    card,
    goto,
    htmx_click,
    open_action,
    shot,
    submit_action,
    ticket_page,
    timeline,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def tab(page: Page, label: str):  # type: ignore[no-untyped-def]
    """A desk's tab by its label (the label is followed by its count)."""
    return page.get_by_role("tab", name=label)


def bell(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#notice-bell")


# -- bulk review: several replies passed at once, each with its own outcome ---------------

# (title, content, reply): replies the reply check finds complete (not flagged).
MATTERS = [
    (
        "东留村主街路灯不亮",
        "东留村主街路灯已经坏了一周，晚上出行不便，请尽快维修。",
        "您好，关于您反映的东留村主街路灯不亮的问题，滨湖街道当日派电工到现场查看，"
        "系线路老化所致，已更换线路和灯具，东留村主街路灯现已恢复照明。感谢您的监督。",
    ),
    (
        "西留村垃圾清运不及时",
        "西留村村口垃圾堆放多日无人清运，气味很大，请尽快清运。",
        "您好，关于您反映的西留村村口垃圾堆放多日无人清运的问题，滨湖街道已组织保洁人员"
        "清运村口堆放的垃圾并消杀，并将西留村垃圾清运调整为每日一次。感谢您的监督。",
    ),
    (
        "东留村小区下水道堵塞",
        "东留村小区下水道堵塞，污水外溢，请派人疏通。",
        "您好，关于您反映的东留村小区下水道堵塞、污水外溢的问题，滨湖街道已联系物业"
        "派人疏通东留村小区下水道并清理外溢污水，排水现已恢复正常。感谢您的监督。",
    ),
]


def replied_in_full(p, at, title: str, content: str, reply: str) -> Ticket:  # type: ignore[no-untyped-def]
    """A ticket the street answered in full, through the services."""
    t = factories.accepted(p=p, now=at, title=title, content=content)
    t = s.ticket_record_contact(ticket=t, actor=p.street_handler, now=at + timedelta(hours=1))
    return s.ticket_reply(
        ticket=t, actor=p.street_handler, now=at + timedelta(hours=3), result="solved", text=reply
    )


def test_centre_passes_several_replies_at_once(open_as, p):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    at = timezone.now() - timedelta(days=2)
    first, taken, third = (
        replied_in_full(p, at + timedelta(minutes=i), *matter) for i, matter in enumerate(MATTERS)
    )
    # A reply the check flags (too short) is reviewed on its own: it has no checkbox.
    flagged = factories.replied(p=p, now=at, title="西留村路口占道经营")
    assert flagged.reply_check["weak"] and not first.reply_check["weak"]

    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=review")
    expect(tab(disp, "答复审核").locator(".count")).to_have_text("4")
    expect(card(disp, flagged.number)).to_contain_text("答复质量存疑")
    expect(card(disp, flagged.number).locator("input[name=t]")).to_have_count(0)
    for t in (first, taken, third):
        disp.get_by_label(f"选择 {t.number}").check()
    # Between the page and the click, another dispatcher passes one of them.
    colleague = make_user("dispatcher2", "dispatcher", p.district.centre)
    s.ticket_review_pass(ticket=taken, actor=colleague, now=timezone.now())

    htmx_click(disp.locator("#bulk-form").get_by_role("button", name="批量审核通过"))
    result = disp.locator("section.bulk-result")
    expect(result.locator("h2")).to_have_text("批量审核通过：成功 2 件，未成功 1 件")
    rows = result.locator("tbody tr")
    expect(rows).to_have_count(3)
    for t in (first, third):
        expect(rows.filter(has_text=t.number)).to_contain_text("成功")
    expect(rows.filter(has_text=taken.number)).to_contain_text("已被他人处理")
    # The passed tickets left the tab; the flagged one waits for its own review.
    expect(tab(disp, "答复审核").locator(".count")).to_have_text("1")
    for t in (first, taken, third):
        expect(card(disp, t.number)).to_have_count(0)
    expect(card(disp, flagged.number)).to_be_visible()
    expect(tab(disp, "待回访").locator(".count")).to_have_text("3")
    shot(disp, "bulk_review")

    for t in (first, third):
        t.refresh_from_db()
        assert t.state == "reviewed"
        [event] = TicketEvent.objects.filter(ticket=t, type="review_pass")
        assert event.actor == p.dispatcher
    passed_by = TicketEvent.objects.filter(ticket=taken, type="review_pass").values_list(
        "actor", flat=True
    )
    assert list(passed_by) == [colleague.pk]
    assert Ticket.objects.get(pk=flagged.pk).state == "replied"

    # The result links each ticket to its page.
    rows.filter(has_text=first.number).get_by_role("link", name=first.number).click()
    expect(disp).to_have_url(f"{base}/tickets/{first.number}/")
    assert badge_text(disp) == "待回访"
    assert timeline(disp)[-1] == "审核通过", timeline(disp)
    open_as.console.assert_clean()


# -- notices: an urge lights the clerk's bell; the notice opens the ticket -----------------


def test_an_urge_reaches_the_clerks_bell(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    t = factories.dispatched(p=p, now=recent, title="东留村菜市场门口污水横流")

    # The dispatch told 滨湖街道's clerk: one unread notice on their first page.
    handler = open_as(p.street_handler)
    expect(handler).to_have_url(f"{base}/desk/inbox/")
    expect(bell(handler).locator(".bell-count")).to_have_text("1")

    supervisor = open_as(p.supervisor)
    ticket_page(supervisor, base, t.number)
    panel = supervisor.locator("#panel")
    open_action(panel, "催办")
    panel.locator("textarea[name=note]").fill("群众反映强烈，请今天内派人处理。")
    submit_action(panel, panel=True)
    expect(supervisor.get_by_role("status").first).to_contain_text("催办成功")

    # The clerk's next page shows the urge.
    goto(handler, f"{base}/desk/inbox/")
    expect(bell(handler).locator(".bell-count")).to_have_text("2")
    expect(bell(handler)).to_have_attribute("aria-label", "消息通知：2 条未读")
    bell(handler).click()
    expect(handler).to_have_url(f"{base}/notices/")
    expect(handler.locator("h1")).to_have_text("消息通知")
    rows = handler.locator("ol.notices > li")
    expect(rows).to_have_count(2)
    urge = rows.first  # newest first
    expect(urge.locator(".badge")).to_have_text("催办")
    expect(urge).to_contain_text(f"工单 {t.number}「东留村菜市场门口污水横流」被催办（第 1 次）")
    expect(urge).to_contain_text("请今天内派人处理")
    expect(rows.nth(1).locator(".badge")).to_have_text("新派单")
    expect(handler.locator("ol.notices > li.unread")).to_have_count(2)
    shot(handler, "notices")

    # Opening the notice marks it read and goes to the ticket.
    urge.get_by_role("button", name="被催办").click()
    expect(handler).to_have_url(f"{base}/tickets/{t.number}/")
    expect(bell(handler).locator(".bell-count")).to_have_text("1")
    assert "催办" in timeline(handler)

    # The other one is marked read in place (htmx), and the bell clears out of band.
    goto(handler, f"{base}/notices/?unread=1")
    row = handler.locator("ol.notices > li")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("新派单")
    htmx_click(row.get_by_role("button", name="标为已读"))
    expect(row).not_to_have_class(re.compile(r"\bunread\b"))
    expect(row.get_by_role("button", name="标为已读")).to_have_count(0)
    expect(bell(handler).locator(".bell-count")).to_have_count(0)
    goto(handler, f"{base}/desk/inbox/")
    expect(bell(handler).locator(".bell-count")).to_have_count(0)
    expect(bell(handler)).to_have_attribute("aria-label", "消息通知：0 条未读")

    assert not Notice.objects.filter(recipient=p.street_handler, read_at__isnull=True).exists()
    # Each reads only their own: the unit head's two notices are still unread.
    head = Notice.objects.filter(recipient=p.street_head, read_at__isnull=True)
    assert sorted(head.values_list("kind", flat=True)) == ["dispatch", "urge"]
    open_as.console.assert_clean()


# -- a merged caller hears the outcome in the portal and rates it -------------------------


def test_a_merged_caller_sees_the_reply_and_rates_it(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    matter = "东留村幼儿园门口的路面塌陷了一个大坑，家长接送孩子很危险，请尽快修补。"
    first = factories.dispatched(
        p=p,
        now=recent,
        title="东留村幼儿园门口路面塌陷",
        content=matter,
        caller_name="王建国",
        caller_phone="13700001111",
    )
    phone = "13900002222"
    second = factories.registered(
        actor=p.operator,
        now=recent + timedelta(minutes=30),
        title="东留村幼儿园门口路面有大坑",
        content=matter,
        caller_name="刘芳",
        caller_phone=phone,
    )

    # The centre merges the second call into the first from its 待派单 list.
    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=dispatch")
    item = card(disp, second.number)
    open_action(item, "合并")
    item.locator(f"input[name=candidate][value='{first.number}']").check()
    submit_action(item)
    expect(item.get_by_role("status")).to_contain_text("合并成功")
    expect(item.locator(".badge").first).to_have_text("已合并")

    # The street handles the first ticket; the centre passes its reply.
    now = timezone.now()
    t = s.ticket_accept(ticket=first, actor=p.street_handler, now=now)
    t = s.ticket_record_contact(ticket=t, actor=p.street_handler, now=now)
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=now,
        result="solved",
        text="已组织施工队回填夯实东留村幼儿园门口的塌陷路面并重新铺设沥青，现已恢复通行。",
    )
    s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=now)

    # Both callers wait for their rating in the centre's 待回访 list.
    goto(disp, f"{base}/desk/centre/?tab=callback")
    expect(card(disp, first.number)).to_be_visible()
    expect(card(disp, second.number)).to_be_visible()

    # The second caller tracks their own number and phone in the portal.
    citizen = open_as(None, viewport=PHONE)
    goto(citizen, f"{base}/portal/")
    citizen.get_by_role("link", name="查询办理进度").click()
    citizen.get_by_label("工单编号").fill(second.number)
    citizen.get_by_label("联系电话").fill(phone)
    citizen.get_by_role("button", name="查询").click()
    expect(citizen.locator(".public-head .num")).to_have_text(second.number)
    expect(citizen.locator(".public-head .badge")).to_have_text("已答复，请您评价办理结果")
    outcome = citizen.locator("section.merged-outcome")
    expect(outcome.locator("h2")).to_have_text("合并办理情况")
    expect(outcome).to_contain_text("滨湖街道")
    expect(outcome).to_contain_text("重新铺设沥青，现已恢复通行")
    body = citizen.locator("body")
    expect(body).to_contain_text("刘*")
    for hidden in (first.number, "王", "13700001111", "1111"):  # the other caller's ticket
        expect(body).not_to_contain_text(hidden)
    rate = citizen.locator("form.rate")
    expect(rate).to_be_visible()
    shot(citizen, "portal_merged", full_page=True)
    rate.get_by_label("已解决").check()
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_label("意见建议").fill("坑已经补好了，谢谢。")
    rate.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_role("status")).to_contain_text("感谢您的评价")
    expect(citizen.locator(".public-head .badge")).to_have_text("您已评价，感谢您的反馈")
    expect(citizen.locator("form.rate")).to_have_count(0)

    second.refresh_from_db()
    assert second.state == "merged" and second.rated_at is not None
    assert (second.resolved, second.satisfaction) == (True, "satisfied")
    assert TicketEvent.objects.filter(ticket=second, type="rate_online").count() == 1
    assert Ticket.objects.get(pk=first.pk).state == "reviewed"  # nothing reopened or closed

    # The centre no longer calls the second caller back; the first still waits.
    goto(disp, f"{base}/desk/centre/?tab=callback")
    expect(card(disp, first.number)).to_be_visible()
    expect(card(disp, second.number)).to_have_count(0)
    open_as.console.assert_clean()


# -- caller search: the centre finds a repeat caller's tickets from the top bar -----------


def test_centre_finds_a_callers_tickets_by_phone(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    caller = {"caller_name": "陈美华", "caller_phone": "13812340000"}
    older = factories.closed(
        p=p, now=recent - timedelta(days=20), title="东留村主街路灯不亮", **caller
    )
    running = factories.accepted(
        p=p, now=recent - timedelta(days=1), title="东留村主街路灯又不亮了", **caller
    )
    fresh = factories.registered(
        actor=p.operator,
        now=recent,
        title="东留村路灯维修后仍然闪烁",
        content="东留村主街路灯维修后晚上一直闪烁，影响休息。",
        **caller,
    )
    other = factories.dispatched(
        p=p, now=recent, title="西留村路灯不亮", caller_phone="13900001234"
    )

    # The operator types the caller's number into the top bar's box.
    op = open_as(p.operator)
    expect(op).to_have_url(f"{base}/desk/intake/")
    box = op.locator("form.find input[name=number]")
    expect(box).to_have_attribute("placeholder", "工单编号或来电号码")
    box.fill("138 1234 0000")
    box.press("Enter")
    op.wait_for_url(f"{base}/search/?phone=13812340000", wait_until="load")
    expect(op.locator("h1")).to_have_text("工单查询")
    expect(op.locator("#id_phone")).to_have_value("13812340000")
    rows = op.locator("table.tickets tbody tr")
    expect(rows).to_have_count(3)
    expect(op.locator("p.muted").first).to_contain_text("共 3 件")
    for t in (fresh, running, older):
        expect(rows.filter(has_text=t.number)).to_contain_text("陈美华 13812340000")
    expect(rows.filter(has_text=older.number)).to_contain_text("已办结")
    expect(op.locator("table.tickets")).not_to_contain_text(other.number)
    shot(op, "caller_search")

    # Narrowed by what was said: the caller's tickets about flickering lights.
    op.locator("#id_content").fill("闪烁")
    op.get_by_role("button", name="查询").click()
    op.wait_for_url(lambda url: "content=" in url, wait_until="load")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=fresh.number).click()
    expect(op).to_have_url(f"{base}/tickets/{fresh.number}/")

    # A street clerk's box takes ticket numbers only: a phone is not for them.
    handler = open_as(p.street_handler)
    box = handler.locator("form.find input[name=number]")
    expect(box).to_have_attribute("placeholder", "工单编号")
    box.fill("13812340000")
    box.press("Enter")
    expect(handler.get_by_role("status").first).to_contain_text(
        "按来电号码查询工单仅限受理员、派单员使用"
    )
    open_as.console.assert_clean()


# -- a return taken to another street: the old street no longer sees the ticket -----------


def test_a_returned_ticket_leaves_the_old_street(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    t = factories.dispatched(
        p=p,
        now=recent,
        title="建业社区自来水管爆裂",
        content="建业社区5号楼前自来水管爆裂，路面积水严重，请尽快抢修。",
        location="建业社区5号楼前",
        caller_name="欧阳娜娜",
        caller_phone="13912345670",
    )

    # 滨湖街道's clerk asks to return it from the inbox.
    handler = open_as(p.street_handler)
    item = card(handler, t.number)
    expect(item.locator(".badge").first).to_have_text("已派单")
    open_action(item, "申请退单")
    item.locator("textarea[name=reason]").fill("经现场核实，爆管点不在本街道辖区。")
    submit_action(item)
    expect(item.get_by_role("status")).to_contain_text("申请退单成功")
    expect(item.locator(".badge").first).to_have_text("退单待审")

    # The centre approves and dispatches it to 湖滨路街道.
    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=returns")
    item = card(disp, t.number)
    expect(item).to_contain_text("建业社区自来水管爆裂")
    open_action(item, "同意退单")
    item.locator("textarea[name=note]").fill("同意退单，重新派单。")
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("已登记")
    open_action(item, "派单")
    item.locator("select[name=unit]").select_option(label="湖滨路街道")
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("已派单")
    expect(item.locator(".meta").first).to_contain_text("主办 湖滨路街道")

    other = open_as(p.other_street_handler)
    expect(card(other, t.number)).to_contain_text("建业社区自来水管爆裂")

    # The old street: gone from every tab of the inbox and from the search.
    goto(handler, f"{base}/desk/inbox/")
    expect(card(handler, t.number)).to_have_count(0)
    for label in ("待签收", "退单中"):
        expect(tab(handler, label).locator(".count")).to_have_text("0")
    goto(handler, f"{base}/search/")
    expect(handler.locator("table.tickets")).not_to_contain_text(t.number)

    # Its ticket page is the street's own record, read-only, without the caller.
    ticket_page(handler, base, t.number)
    expect(handler.get_by_role("status").first).to_have_text("本工单已退回，以下为本单位办理记录")
    expect(handler.locator("#panel")).to_have_count(0)
    expect(handler.locator(".timeline")).to_contain_text("申请退单")
    expect(handler.locator(".timeline")).to_contain_text("经现场核实")
    body = handler.locator("body")
    expect(body).to_contain_text("诉求人信息不予显示")
    for hidden in ("欧阳", "5670", "湖滨路街道"):  # the caller, and where it went
        expect(body).not_to_contain_text(hidden)
    expect(handler.get_by_role("link", name="打印办理单")).to_have_count(0)

    # The notice of the approved return no longer names the ticket either.
    goto(handler, f"{base}/notices/")
    approved = handler.locator("ol.notices > li").filter(has_text="退单已同意")
    expect(approved).to_have_count(1)
    expect(approved).not_to_contain_text(t.number)
    expect(approved.locator("a, button.text")).to_have_count(0)
    open_as.console.assert_clean()
