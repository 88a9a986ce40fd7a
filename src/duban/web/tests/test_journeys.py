"""Whole journeys in a real Chromium: several personas, each in its own browser context.

Each test drives the pages against pytest-django's ``live_server`` (a transactional
database; the ``migration_data`` fixture re-seeds the SLA rules and calendar that
each test's flush removes) and ends with a clean browser console. Tickets that a journey
does not build through the pages come from the real services (``testing.factories``),
timed just before now, because the pages use the real clock.

Run: ``pytest src/duban/web -m browser``.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core import signing
from django.utils import timezone
from playwright.sync_api import expect

from duban.portal import challenge
from duban.portal.conf import portal_setting
from duban.testing import factories
from duban.tickets import services as s
from duban.tickets.models import Ticket

from .browser import (
    ActionCounter,
    assert_cjk_renders,
    badge_text,
    card,
    deadline_cell,
    goto,
    htmx_click,
    open_action,
    shot,
    submit_action,
    ticket_page,
    timeline,
    tiny_png,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

INTAKE_ACTION_BOUND = 12


def suggestion_for(content: str):  # type: ignore[no-untyped-def]
    """Matches the intake desk's suggestion response for the draft with this content."""

    def match(response) -> bool:  # type: ignore[no-untyped-def]
        if "/desk/intake/suggest/" not in response.url:
            return False
        data = parse_qs(response.request.post_data or "")
        return data.get("content", [""])[0] == content

    return match


# -- 1. intake → handling → review → call-back → closed ------------------------------------


def test_appeal_from_call_to_closed(open_as, p, capsys):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    binhu = p.district.binhu

    # Operator: one keyboard pass over the intake desk, Ctrl+Enter registers and dispatches.
    op = open_as(p.operator)
    expect(op).to_have_url(f"{base}/desk/intake/")
    expect(op.locator("h1")).to_have_text("受理台")
    assert_cjk_renders(op)
    expect(op.locator("#id_caller_phone")).to_be_focused()
    keys = ActionCounter(op)
    keys.type("13812345678")
    keys.press("Tab")  # 来电人
    keys.press("Tab")  # 诉求类型
    keys.press("ArrowDown", 3)  # 请选择 → 咨询 → 求助 → 投诉
    keys.press("Tab")  # 紧急
    keys.press("Tab")  # 标题
    keys.type("东留村主街路灯不亮")
    keys.press("Tab")  # 内容
    content = "东留村主街的路灯已经坏了一周，晚上老人孩子出行不便，请尽快维修。"
    with op.expect_response(suggestion_for(content)):
        keys.type(content)
    # The desk's suggestion (territorial: 东留村 → 滨湖街道) preselects the primary unit.
    expect(op.locator("#suggestions .pick.chosen")).to_contain_text("滨湖街道")
    expect(op.locator("#id_unit")).to_have_value(str(binhu.pk))
    expect(op.locator("#id_appeal_type")).to_have_value("complaint")
    shot(op, "intake_desk")
    keys.press("Control+Enter")
    done = op.locator("#done")
    expect(done).to_contain_text("已登记并派单")
    expect(done).to_contain_text("滨湖街道")
    number = done.locator("strong").inner_text().strip()
    with capsys.disabled():
        print(f"\nintake desk: {keys.count} keystrokes/clicks besides typed text: {keys.log}")
    assert keys.count <= INTAKE_ACTION_BOUND, keys.log
    expect(op.locator("#id_caller_phone")).to_be_focused()  # ready for the next call

    # Street handler (滨湖街道): accept, record contact, reply with a photo.
    handler = open_as(p.street_handler)
    expect(handler).to_have_url(f"{base}/desk/inbox/")
    item = card(handler, number)
    expect(item).to_contain_text("东留村主街路灯不亮")
    expect(item.locator(".badge").first).to_have_text("已派单")
    htmx_click(item.get_by_role("button", name="签收"))
    expect(item.locator(".badge").first).to_have_text("办理中")
    open_action(item, "记录联系")
    item.locator("textarea[name=note]").fill("已电话联系张先生，约定今天下午现场查看。")
    submit_action(item)
    expect(item.get_by_role("status")).to_contain_text("记录联系成功")
    open_action(item, "答复")
    item.locator("select[name=result]").select_option("solved")
    item.locator("textarea[name=text]").fill(
        "经现场查看，东留村主街路灯线路老化，已安排电工更换线路和灯具，路灯已恢复照明。"
    )
    item.locator("input[name=evidence]").set_input_files(
        {"name": "路灯修复.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    submit_action(item)
    expect(item.get_by_role("status")).to_contain_text("答复成功")
    expect(item.locator(".badge").first).to_have_text("已答复")

    # Dispatcher: review the reply, then the call-back with the rating.
    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=review")
    item = card(disp, number)
    expect(item.locator(".reply")).to_contain_text("路灯已恢复照明")
    open_action(item, "审核通过")
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("待回访")
    goto(disp, f"{base}/desk/centre/?tab=callback")
    item = card(disp, number)
    open_action(item, "回访")
    expect(item.locator("input[name=reached][value='1']")).to_be_checked()
    item.locator("select[name=resolved]").select_option("1")
    item.locator("select[name=satisfaction]").select_option(label="满意")
    item.locator("textarea[name=note]").fill("群众表示路灯已修好，满意。")
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("已办结")

    ticket_page(disp, base, number)
    assert badge_text(disp) == "已办结"
    expect(disp.locator(".card", has_text="评价：")).to_contain_text("已解决 · 满意")
    expect(disp.locator("ul.files")).to_contain_text("路灯修复.png")
    events = timeline(disp)
    assert events[0] == "登记", events
    for label in ("签收", "联系诉求人", "答复", "审核通过", "回访"):
        assert label in events, (label, events)
    assert events.index("签收") < events.index("答复") < events.index("审核通过")
    assert events.index("审核通过") < events.index("回访")
    open_as.console.assert_clean()


# -- 2. return → approved → re-dispatch to a department ------------------------------------


def test_return_and_redispatch(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    t = factories.dispatched(
        p=p,
        now=recent,
        title="东留村小区楼道墙皮脱落",
        content="东留村小区3号楼楼道墙皮大面积脱落，存在安全隐患。",
    )

    handler = open_as(p.street_handler)
    ticket_page(handler, base, t.number)
    panel = handler.locator("#panel")
    open_action(panel, "申请退单")
    panel.locator("textarea[name=reason]").fill("属住建部门职责：楼道维修由物业和住建局负责。")
    submit_action(panel, panel=True)
    expect(handler.get_by_role("status").first).to_contain_text("申请退单成功")
    assert badge_text(handler) == "退单待审"

    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=returns")
    item = card(disp, t.number)
    expect(item.locator(".badge").first).to_have_text("退单待审")
    open_action(item, "同意退单")
    item.locator("textarea[name=note]").fill("同意，改派住建局。")
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("已登记")
    open_action(item, "派单")
    item.locator("select[name=unit]").select_option(label="住建局")
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("已派单")
    expect(item.locator(".meta").first).to_contain_text("主办 住建局")

    housing = open_as(p.dept_handler)
    expect(housing).to_have_url(f"{base}/desk/inbox/")
    expect(card(housing, t.number)).to_contain_text("东留村小区楼道墙皮脱落")
    ticket_page(housing, base, t.number)
    events = timeline(housing)
    for label in ("申请退单", "同意退单"):
        assert label in events, events
    assert events.count("派单") == 2, events
    open_as.console.assert_clean()


# -- 3. extension: requested by the unit, approved by the centre ---------------------------


def test_extension_moves_the_deadline(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    t = factories.accepted(p=p, now=recent)

    handler = open_as(p.street_handler)
    ticket_page(handler, base, t.number)
    before = deadline_cell(handler, "办理答复")
    panel = handler.locator("#panel")
    open_action(panel, "申请延期")
    panel.locator("input[name=days]").fill("3")
    panel.locator("textarea[name=reason]").fill("需协调供电公司更换变压器，3 个工作日内完成。")
    submit_action(panel, panel=True)
    expect(handler.get_by_role("status").first).to_contain_text("申请延期成功")
    assert deadline_cell(handler, "办理答复") == before  # not moved until approved

    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=extensions")
    item = card(disp, t.number)
    expect(item).to_contain_text("申请延期 3 个工作日")
    open_action(item, "批准延期")
    submit_action(item)
    expect(item.get_by_role("status")).to_contain_text("批准延期成功")

    ticket_page(handler, base, t.number)
    after = deadline_cell(handler, "办理答复")
    assert after > before, (before, after)
    expect(handler.locator("table.deadlines")).to_contain_text("已延期 3 个工作日")
    t.refresh_from_db()
    assert timezone.localtime(t.handle_due).strftime("%Y-%m-%d %H:%M") == after
    open_as.console.assert_clean()


# -- 4. unsatisfied call-back → reopened → the unit's 重办 tab -----------------------------


def test_unsatisfied_callback_reopens(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    t = factories.reviewed(p=p, now=recent - timedelta(days=3))

    disp = open_as(p.dispatcher)
    goto(disp, f"{base}/desk/centre/?tab=callback")
    item = card(disp, t.number)
    open_action(item, "回访")
    item.locator("select[name=resolved]").select_option("0")
    item.locator("select[name=satisfaction]").select_option(label="不满意")
    item.locator("textarea[name=note]").fill("群众反映路灯晚上仍然不亮。")
    item.locator("input[name=reopen]").check()
    submit_action(item)
    expect(item.locator(".badge").first).to_have_text("重办")

    handler = open_as(p.street_handler)
    goto(handler, f"{base}/desk/inbox/")
    tab = handler.get_by_role("tab", name="重办")
    expect(tab.locator(".count")).to_have_text("1")
    htmx_click(tab)
    expect(handler).to_have_url(f"{base}/desk/inbox/?tab=reopened")
    expect(handler.locator("[role=tab].active")).to_contain_text("重办")
    item = card(handler, t.number)
    expect(item.locator(".badge").first).to_have_text("重办")
    htmx_click(item.get_by_role("button", name="签收"))
    expect(item.locator(".badge").first).to_have_text("办理中")
    open_as.console.assert_clean()


# -- 5. merge a duplicate into its master --------------------------------------------------


def test_merge_duplicate_into_master(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    master = factories.dispatched(p=p, now=recent, title="东留村垃圾清运不及时")
    dup = factories.registered(
        actor=p.operator,
        now=recent + timedelta(minutes=20),
        title="东留村垃圾堆放多日无人清运",
        content="东留村村口垃圾堆放多日无人清运，气味很大。",
    )

    disp = open_as(p.dispatcher)
    ticket_page(disp, base, dup.number)
    panel = disp.locator("#panel")
    open_action(panel, "合并")
    panel.locator("input[name=master]").fill(master.number)
    submit_action(panel, panel=True)
    expect(disp.get_by_role("status").first).to_contain_text("合并成功")
    expect(disp.locator(".ticket-head .badges .badge").first).to_have_text("已合并")
    dup_section = disp.locator("section.card", has_text="已合并至主工单")
    link = dup_section.get_by_role("link", name=master.number)
    expect(link).to_have_attribute("href", f"/tickets/{master.number}/")
    link.click()
    expect(disp).to_have_url(f"{base}/tickets/{master.number}/")
    expect(disp.locator("section.card", has_text="重复件")).to_contain_text(dup.number)
    assert Ticket.objects.get(pk=dup.pk).master_id == master.pk
    open_as.console.assert_clean()


# -- 6. citizen: portal submit → track → rate ----------------------------------------------

CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}


def solve_challenge(question: str) -> int:
    """「三加五等于几？」→ 8."""
    a, op, b = question[0], question[1], question[2]
    x, y = CN_DIGITS[a], CN_DIGITS[b]
    return {"加": x + y, "减": x - y, "乘": x * y}[op]


def test_citizen_submits_tracks_and_rates(open_as, p):  # type: ignore[no-untyped-def]
    from .browser import PHONE

    base = open_as.base_url
    phone = "13912345678"
    citizen = open_as(None, viewport=PHONE)
    goto(citizen, f"{base}/portal/submit/")
    expect(citizen.locator("h1")).to_have_text("我要反映")
    citizen.get_by_label("诉求类型").select_option("complaint")
    citizen.get_by_label("发生地点").fill("滨湖街道东留村村委会东侧")
    citizen.get_by_label("问题描述").fill(
        "东留村村委会东侧的下水道井盖缺失，夜间路过很危险，请尽快处理。"
    )
    citizen.get_by_label("联系人姓名").fill("李秀英")
    citizen.get_by_label("联系电话").fill(phone)
    label = citizen.locator(".field.challenge label").inner_text()
    question = label.split("：", 1)[1].strip()
    citizen.locator("input[name=answer]").fill(str(solve_challenge(question)))
    shot(citizen, "portal_submit")
    # The portal refuses a form sent sooner than MIN_FILL_SECONDS after its challenge was
    # issued (a human's pace): wait for that moment, read from the signed challenge.
    token = citizen.locator("input[name=challenge]").input_value()
    issued = signing.loads(token, salt=challenge.SALT)["t"]
    ready_ms = (issued + int(portal_setting("MIN_FILL_SECONDS"))) * 1000 + 100
    citizen.wait_for_function("ms => Date.now() >= ms", arg=ready_ms, polling=100)
    citizen.get_by_role("button", name="提交诉求").click()
    expect(citizen.locator("h1")).to_have_text("提交成功")
    number = citizen.locator("#ticket-number").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "web" and ticket.state in ("registered", "dispatched")

    def track() -> None:
        citizen.get_by_label("联系电话").fill(phone)
        citizen.get_by_role("button", name="查询").click()
        expect(citizen.locator(".public-head .num")).to_have_text(number)

    citizen.get_by_role("link", name="查询办理进度").click()
    expect(citizen.get_by_label("工单编号")).to_have_value(number)
    track()
    details = citizen.locator(".public-ticket dl")
    expect(details).to_contain_text("李**")
    expect(details).to_contain_text("139****5678")
    expect(details).not_to_contain_text(phone)
    expect(citizen.locator("form.rate")).to_have_count(0)

    # The centre and the street work the ticket (services), then the citizen rates.
    now = timezone.now()
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.state == "registered":
        ticket = s.ticket_dispatch(
            ticket=ticket, actor=p.dispatcher, now=now, unit=p.district.binhu
        )
    ticket = s.ticket_accept(ticket=ticket, actor=p.street_handler, now=now)
    ticket = s.ticket_record_contact(ticket=ticket, actor=p.street_handler, now=now)
    ticket = s.ticket_reply(
        ticket=ticket,
        actor=p.street_handler,
        now=now,
        result="solved",
        text="已安排村委会补装东留村村委会东侧的下水道井盖，并设置警示标志。",
    )
    s.ticket_review_pass(ticket=ticket, actor=p.dispatcher, now=now)

    goto(citizen, f"{base}/portal/track/?number={number}")
    track()
    expect(citizen.locator(".public-timeline")).to_contain_text("补装")
    rate = citizen.locator("form.rate")
    expect(rate).to_be_visible()
    shot(citizen, "portal_track")
    rate.get_by_label("已解决").check()
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_label("意见建议").fill("处理很及时，谢谢！")
    rate.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_role("status")).to_contain_text("工单已办结")
    expect(citizen.locator(".public-head .badge")).to_have_text("已办结")
    assert Ticket.objects.get(pk=ticket.pk).state == "closed"
    open_as.console.assert_clean()


# -- 7. visibility: another street's clerk sees neither the ticket nor it in the inbox -----


def test_other_street_cannot_see_ticket(open_as, p, recent):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    t = factories.dispatched(p=p, now=recent, title="东留村路面塌陷")
    own = factories.dispatched(
        p=p, now=recent, unit=p.district.hubin, title="建业社区路灯不亮", location="建业社区"
    )

    other = open_as(p.other_street_handler)
    expect(other).to_have_url(f"{base}/desk/inbox/")
    expect(card(other, own.number)).to_be_visible()
    expect(card(other, t.number)).to_have_count(0)
    expect(other.locator(".cards")).not_to_contain_text("东留村路面塌陷")

    url = f"{base}/tickets/{t.number}/"
    open_as.console.expect_status_error(url)
    response = other.goto(url)
    assert response is not None and response.status == 404
    expect(other.locator("body")).not_to_contain_text("东留村路面塌陷")

    # Their own street's ticket opens normally.
    goto(other, f"{base}/tickets/{own.number}/")
    expect(other.locator(".ticket-head h1")).to_contain_text("建业社区路灯不亮")
    open_as.console.assert_clean()


# -- the ticket timeline speaks Chinese for every event type --------------------------------


def test_timeline_labels_are_chinese(open_as, p, recent):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = factories.accepted(p=p, now=recent)
    upload = SimpleUploadedFile("现场.png", tiny_png(), content_type="image/png")
    s.ticket_attach(ticket=t, actor=p.street_handler, now=timezone.now(), upload=upload)

    handler = open_as(p.street_handler)
    ticket_page(handler, open_as.base_url, t.number)
    events = timeline(handler)
    assert len(events) >= 3, events
    assert [e for e in events if e.isascii()] == [], events
    open_as.console.assert_clean()
