"""A tour of the main pages over two months of tickets: desks, dashboard, rankings.

The history is built through the real services (a few dozen tickets across the
previous and the current month, in every stage), then each persona opens its pages
in its own browser context: the ECharts canvases must be drawn, the rankings must
show 飞虎榜 and 蜗牛榜, Chinese must render with a CJK font and the console must stay
clean. With ``DUBAN_SCREENSHOTS=1`` the pages are saved to docs/screenshots/.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duban.core.periods import period_containing
from duban.dispatch.services import catalogue_import
from duban.tickets import services as s
from duban.tickets.models import Category, Ticket

from .browser import (
    assert_charts_drawn,
    assert_cjk_renders,
    card,
    goto,
    shot,
    wait_htmx_idle,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

# (title, content, appeal type, category path in the catalogue)
MATTERS = [
    (
        "{place}路灯不亮",
        "{place}主街路灯坏了一周，夜间出行不便，请尽快维修。",
        "complaint",
        "城乡建设/市政设施/路灯",
    ),
    (
        "{place}垃圾清运不及时",
        "{place}村口垃圾堆放多日无人清运，气味很大。",
        "complaint",
        "城市管理/环境卫生/垃圾清运",
    ),
    (
        "{place}下水道堵塞",
        "{place}小区下水道堵塞，污水外溢，请派人疏通。",
        "help",
        "城乡建设/市政设施/排水",
    ),
    (
        "咨询{place}低保申请条件",
        "想咨询{place}居民申请最低生活保障需要哪些材料。",
        "consultation",
        "社会保障/社会救助/低保",
    ),
    (
        "{place}占道经营",
        "{place}路口早市占道经营，影响车辆通行。",
        "report",
        "城市管理/市容秩序/占道经营",
    ),
    (
        "建议{place}增设健身器材",
        "建议在{place}文化广场增设一批健身器材。",
        "suggestion",
        "文体旅游/公共文体/健身设施",
    ),
]
# (satisfaction, resolved) of closed tickets, cycled: mostly satisfied, some not.
RATINGS = [("satisfied", True), ("satisfied", True), ("basic", True), ("unsatisfied", False)]


def import_catalogue(tmp_path: Path) -> dict[str, int]:
    """A small three-level catalogue through the real import; full name → id."""
    csv = tmp_path / "catalogue.csv"
    lines = ["level1,level2,level3", *(m[3].replace("/", ",") for m in MATTERS)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue_import(path=csv)
    return dict(Category.objects.values_list("full_name", "pk"))


def _lifecycle(  # type: ignore[no-untyped-def]
    p: SimpleNamespace,
    i: int,
    unit,
    handler,
    place: str,
    at: datetime,
    now: datetime,
    categories: dict[str, int],
):
    """One ticket from registration to the stage its index gives, never past ``now``."""
    title, content, appeal_type, category = MATTERS[i % len(MATTERS)]
    t = s.ticket_register(
        category_id=categories.get(category),
        actor=p.operator,
        now=at,
        channel="phone",
        title=title.format(place=place),
        content=content.format(place=place),
        appeal_type=appeal_type,
        location=place,
        caller_name="市民" + "赵钱孙李周吴郑王"[i % 8],
        caller_phone=f"1370000{i:04d}",
    )
    stage = i % 7  # 0-3 closed, 4 accepted, 5 replied, 6 dispatched
    steps = [
        (
            timedelta(minutes=5),
            lambda t, w: s.ticket_dispatch(ticket=t, actor=p.dispatcher, now=w, unit=unit),
        ),
        (timedelta(hours=1), lambda t, w: s.ticket_accept(ticket=t, actor=handler, now=w)),
        (timedelta(hours=2), lambda t, w: s.ticket_record_contact(ticket=t, actor=handler, now=w)),
        (
            timedelta(days=2),
            lambda t, w: s.ticket_reply(
                ticket=t,
                actor=handler,
                now=w,
                result="solved",
                text=f"已处理：{t.title}，现已解决。",
            ),
        ),
        (
            timedelta(days=2, hours=3),
            lambda t, w: s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=w),
        ),
        (
            timedelta(days=3),
            lambda t, w: s.ticket_callback(
                ticket=t,
                actor=p.dispatcher,
                now=w,
                reached=True,
                resolved=RATINGS[i % len(RATINGS)][1],
                satisfaction=RATINGS[i % len(RATINGS)][0],
            ),
        ),
    ]
    last = {0: 6, 1: 6, 2: 6, 3: 6, 4: 3, 5: 4, 6: 1}[stage]
    for offset, step in steps[:last]:
        when = at + offset
        if when > now:
            break
        t = step(t, when)
    return t


def build_history(p: SimpleNamespace, categories: dict[str, int]) -> list[Ticket]:
    """About 70 tickets over the two previous months and this one, at three units."""
    now = timezone.now()
    this = period_containing(now)
    last = this.previous
    before = last.previous
    units = [
        (p.district.binhu, p.street_handler, ["东留村", "西留村"], 12),
        (p.district.hubin, p.other_street_handler, ["建业社区"], 11),
        (p.district.housing, p.dept_handler, ["蓝湾社区"], 10),
    ]
    tickets = []
    i = 0
    months = ((before.start, before.end, 0.8), (last.start, last.end, 1.0), (this.start, now, 0.35))
    for start, end, share in months:
        span = (end - start).total_seconds()
        for unit, handler, places, n in units:
            for k in range(max(2, round(n * share))):
                at = start + timedelta(seconds=span * (k + 0.5) / (n + 1))
                at = at.replace(hour=9, minute=30 + k % 20)
                if at >= now - timedelta(hours=1):
                    continue
                tickets.append(
                    _lifecycle(p, i, unit, handler, places[k % len(places)], at, now, categories)
                )
                i += 1
    return tickets


def test_tour_of_main_pages(open_as, p, tmp_path):  # type: ignore[no-untyped-def]
    base = open_as.base_url
    tickets = build_history(p, import_catalogue(tmp_path))
    assert len(tickets) >= 30
    now = timezone.now()
    running = [t for t in tickets if t.state in ("accepted", "dispatched")]
    s.ticket_supervise(ticket=running[0], actor=p.supervisor, now=now, level=2, note="限期办结")
    s.ticket_urge(ticket=running[1], actor=p.supervisor, now=now, note="请加快办理")

    # Sign-in page (anonymous).
    anon = open_as(None)
    goto(anon, f"{base}/login/")
    expect(anon.locator("h1")).to_have_text("督办平台")
    assert_cjk_renders(anon)
    anon.fill("#id_username", "leader")
    shot(anon, "login")

    # Leader: the dashboard's charts are drawn, the rankings list both boards.
    leader = open_as(p.leader)
    expect(leader).to_have_url(f"{base}/metrics/")
    expect(leader.locator("h1")).to_have_text("数据看板")
    kinds = leader.locator(".chart[data-chart]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.chart)"
    )
    assert {"trend", "category", "units"} <= set(kinds), kinds
    assert assert_charts_drawn(leader, ".chart[data-chart]") == len(kinds)
    assert leader.evaluate(
        "[...document.querySelectorAll('.chart')].every(c => echarts.getInstanceByDom(c))"
    )
    expect(leader.locator(".kpis")).to_contain_text("满意率")
    figures = leader.locator("section.card", has=leader.locator("h2", has_text="单位指标"))
    expect(figures.locator("table")).to_contain_text("滨湖街道")
    assert_cjk_renders(leader, "数据看板")
    expect(leader.locator(".as-of")).to_contain_text("统计截至")
    # The hot-spots panel loads after the page (htmx, a second of clustering when cold):
    # let it finish before leaving, so its request does not race the next page's.
    wait_htmx_idle(leader)
    shot(leader, "dashboard")
    # A unit's row opens the tickets it counts (工单查询), and they export to Excel.
    figures.get_by_role("link", name="滨湖街道").click()
    expect(leader.locator("h1")).to_have_text("工单查询")
    assert "by=dispatched_at" in leader.url and "unit=" in leader.url
    listed = leader.locator("table.tickets tbody tr")
    expect(listed.first.locator("a")).to_be_visible()
    expect(leader.locator("#id_unit")).to_have_value(p.district.binhu.code)
    with leader.expect_download() as download:
        leader.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(leader, "ticket_search")
    goto(leader, f"{base}/metrics/")
    leader.get_by_role("link", name="飞虎榜/蜗牛榜").click()
    expect(leader).to_have_url(f"{base}/metrics/rankings/")
    expect(leader.locator("h1")).to_contain_text("飞虎榜 / 蜗牛榜")
    streets = leader.locator("section.card", has=leader.locator("h2", has_text="街道/镇"))
    expect(streets.locator(".board.red-list h3")).to_contain_text("飞虎榜")
    expect(streets.locator(".board.black-list h3")).to_contain_text("蜗牛榜")
    expect(streets.locator(".board.red-list tbody")).to_contain_text("街道")
    shot(leader, "rankings")

    # Supervisor: overdue and supervised tickets.
    supervisor = open_as(p.supervisor)
    expect(supervisor).to_have_url(f"{base}/desk/supervision/")
    expect(supervisor.locator("h1")).to_have_text("督办台")
    expect(supervisor.locator(".cards article").first).to_be_visible()
    shot(supervisor, "supervision_desk")
    # Last month's circular (月度通报), as the supervisor issues it.
    supervisor.get_by_role("link", name="月度通报").click()
    expect(supervisor).to_have_url(f"{base}/desk/circular/")
    circular = supervisor.locator("article.circular")
    expect(circular.locator("h1")).to_contain_text("通报")
    expect(circular.locator(".board, table").first).to_be_visible()
    expect(circular).to_contain_text("滨湖街道")
    shot(supervisor, "circular")

    # Street handler: the unit's inbox.
    handler = open_as(p.street_handler)
    goto(handler, f"{base}/desk/inbox/?tab=handling")
    expect(handler.locator("h1")).to_have_text("本单位待办")
    expect(handler.locator(".cards article").first).to_be_visible()
    shot(handler, "unit_inbox")

    # Dispatcher: the centre desk (replies waiting for review).
    disp = open_as(p.dispatcher)
    expect(disp).to_have_url(f"{base}/desk/centre/")
    goto(disp, f"{base}/desk/centre/?tab=review")
    expect(disp.locator(".cards article").first).to_be_visible()
    shot(disp, "centre_desk")

    # A closed ticket's page, with its whole history.
    closed = next(t for t in reversed(tickets) if t.state == "closed")
    goto(disp, f"{base}/tickets/{closed.number}/")
    expect(disp.locator(".ticket-head .badge").first).to_have_text("已办结")
    expect(disp.locator(".timeline li").first).to_be_visible()
    shot(disp, "ticket_page")
    # Its 办理单, printable on one A4 sheet, opens in a new tab.
    with disp.context.expect_page() as opened:
        disp.get_by_role("link", name="打印办理单").click()
    sheet = opened.value
    open_as.console.watch(sheet, "dispatcher")
    sheet.wait_for_load_state("load")
    expect(sheet).to_have_url(f"{base}/tickets/{closed.number}/print/")
    expect(sheet.locator("article.sheet h1")).to_contain_text("办理单")
    expect(sheet.locator("article.sheet")).to_contain_text(closed.title)
    shot(sheet, "ticket_print", full_page=True)
    sheet.close()
    expect(card(disp, closed.number)).to_have_count(0)
    open_as.console.assert_clean()


def test_rankings_red_list_is_legible(open_as, p):  # type: ignore[no-untyped-def]
    leader = open_as(p.leader)
    goto(leader, f"{open_as.base_url}/metrics/rankings/")
    top = leader.locator(".board.red-list").first
    bottom = leader.locator(".board.black-list").first
    expect(top.locator("table")).to_be_visible()
    style = "el => { const s = getComputedStyle(el); return [s.color, s.backgroundColor]; }"
    top_cell = top.locator("tbody td").first.evaluate(style)
    bottom_cell = bottom.locator("tbody td").first.evaluate(style)
    board_bg = top.evaluate("el => getComputedStyle(el).backgroundColor")
    assert top_cell[0] != "rgb(255, 255, 255)", top_cell  # white text on a white table
    assert top_cell == bottom_cell, (top_cell, bottom_cell)
    assert board_bg == bottom.evaluate("el => getComputedStyle(el).backgroundColor")
    open_as.console.assert_clean()
