"""The monthly circular (月度通报): one overdue count on every surface, the full list on the
page (paged), in print, in Excel and in Word, and who may read it."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import docx
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from duban.core.periods import Period, period_containing
from duban.metrics.models import MetricSettings
from duban.metrics.selectors import district_figures
from duban.metrics.selectors_report import dashboard_data, monthly_report
from duban.metrics.selectors_rollup import rankings_from_rollup
from duban.metrics.tests.conftest import ticket_fields
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing import api
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.choices import State
from duban.tickets.models import Ticket
from duban.tickets.services.sla_tick import sla_tick
from duban.web.selectors_circular import (
    PAGE_SIZE,
    all_overdue,
    circular_data,
    overdue_by_unit,
    overdue_page,
    overdue_tickets,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
URLS = (
    "/desk/circular/",
    "/desk/circular/print/",
    "/desk/circular/export.xlsx",
    "/desk/circular/export.docx",
)


@pytest.fixture
def month() -> Period:
    """Last month (the circular's default): every two-working-day deadline in it has passed."""
    return period_containing(timezone.now()).previous


@pytest.fixture
def base(month: Period) -> datetime:
    return month.start + timedelta(days=1, hours=9)


@pytest.fixture
def other_district(db: None) -> SimpleNamespace:
    d = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="o-centre", name="卫东区12345", kind=UnitKind.CENTRE, parent=d)
    street = unit_create(code="o-street", name="东安路街道", kind=UnitKind.STREET, parent=d)
    return SimpleNamespace(
        district=d,
        street=street,
        operator=make_user("o_operator", "operator", centre),
        handler=make_user("o_handler", "handler", street),
        supervisor=make_user("o_supervisor", "supervisor", centre),
    )


def _late_reply(p: SimpleNamespace, t: Ticket) -> Ticket:
    assert t.handle_due is not None
    t = s.ticket_accept(ticket=t, actor=p.street_handler, now=t.dispatched_at + timedelta(hours=1))
    t = s.ticket_record_contact(ticket=t, actor=p.street_handler, now=t.accepted_at)
    return s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=t.handle_due + timedelta(hours=3),
        result="solved",
        text="已安排电工更换路灯，现已恢复照明，并向来电人说明情况。",
    )


def _month_of_tickets(p, other_district, base) -> dict[str, Ticket]:
    """Tickets dispatched last month through the real services, then the breach scan."""
    quick = {"appeal_type": "consultation"}
    t: dict[str, Ticket] = {}
    t["open"] = f.dispatched(p=p, now=base, **quick)  # never accepted: still running, late
    t["late"] = _late_reply(p, f.dispatched(p=p, now=base, **quick))
    closed = _late_reply(p, f.dispatched(p=p, now=base, **quick))
    closed = s.ticket_review_pass(ticket=closed, actor=p.dispatcher, now=closed.replied_at)
    t["late_closed"] = s.ticket_callback(
        ticket=closed,
        actor=p.dispatcher,
        now=closed.replied_at + timedelta(hours=1),
        reached=True,
        resolved=True,
        satisfaction="satisfied",
    )
    t["in_time"] = f.replied(p=p, now=base, **quick)  # replied the next day: in time
    breached = f.dispatched(p=p, now=base, **quick)
    sla_tick(now=breached.handle_due + timedelta(hours=1))  # flags every late clock so far
    master = f.registered(actor=p.operator, now=base)
    t["merged"] = s.ticket_merge(
        ticket=Ticket.objects.get(pk=breached.pk),
        actor=p.operator,
        now=breached.handle_due + timedelta(hours=2),
        master=master,
    )
    t["department"] = f.dispatched(p=p, now=base, unit=p.district.housing, **quick)
    theirs = s.ticket_register(
        actor=other_district.operator, now=base, **f.TicketInput(**quick, location="东安路")
    )
    t["other_district"] = s.ticket_dispatch(
        ticket=theirs, actor=other_district.operator, now=base, unit=other_district.street
    )
    sla_tick(now=timezone.now())
    return t


def test_every_surface_counts_the_same_overdue_tickets(p, other_district, month, base):
    """Dashboard, monthly report, circular, rankings and GET /api/v1/metrics: one number."""
    t = _month_of_tickets(p, other_district, base)
    now = timezone.now()
    ours = {t[k].number for k in ("open", "late", "late_closed", "merged", "department")}
    assert Ticket.objects.get(pk=t["merged"].pk).state == State.MERGED

    circular = circular_data(user=p.supervisor, period=month.label, now=now)
    listed = {r.number for r in all_overdue(user=p.supervisor, circular=circular)}
    assert listed == ours
    assert circular.overdue_total == circular.current.overdue_count == 5

    district = p.district.district.pk
    dashboard = dashboard_data(user=p.leader, period=month, now=now)
    report = monthly_report(user=p.leader, period=month, now=now)
    live = district_figures(
        period_start=month.start, period_end=month.end, now=now, district=district
    )
    response = api.client_for(p.leader).get("/metrics", {"period": month.label})
    assert response.status_code == 200, response.json()
    assert (
        dashboard.series[-1].overdue_count,
        report.district.overdue_count,
        sum(u.overdue_count for u in report.overdue),
        response.json()["overdue_count"],
        live.overdue_count,
    ) == (5, 5, 5, 5, 5)

    # One unit: its head's dashboard, the API, the rankings (the circular's boards).
    head = dashboard_data(user=p.street_head, period=month, now=now)
    api_unit = api.client_for(p.dispatcher).get(
        "/metrics", {"period": month.label, "unit": "t-binhu"}
    )
    ranking = rankings_from_rollup(period=month.label, group="streets", now=now, district=district)
    binhu = next(
        e for e in (*ranking.ranked, *ranking.not_ranked) if e.unit_id == p.district.binhu.pk
    )
    board = next(
        e
        for e in (*circular.streets.ranked, *circular.streets.not_ranked)
        if e.unit_id == p.district.binhu.pk
    )
    assert (
        head.by_unit[0].overdue_count,
        api_unit.json()["overdue_count"],
        binhu.figures.overdue_count,
        board.figures.overdue_count,
    ) == (4, 4, 4, 4)
    assert "东安路街道" not in {e.unit_name for e in ranking.ranked + ranking.not_ranked}

    # The other district counts its own ticket only, on every surface.
    theirs = circular_data(user=other_district.supervisor, period=month.label, now=now)
    their_api = api.client_for(other_district.supervisor).get("/metrics", {"period": month.label})
    assert theirs.overdue_total == their_api.json()["overdue_count"] == 1


def _bulk_overdue(p, base: datetime, n: int, **fields) -> list[str]:
    """``n`` tickets of 滨湖街道 dispatched last month, handled past their flagged deadline."""
    rows = [
        Ticket(
            **ticket_fields(
                p.district.binhu,
                base + timedelta(minutes=i),
                state=State.ACCEPTED,
                accepted_at=base + timedelta(hours=1),
                handle_breached_at=base + timedelta(days=6),
                **fields,
            )
        )
        for i in range(n)
    ]
    Ticket.objects.bulk_create(rows)
    return [r.number for r in rows]


def test_the_circular_lists_every_overdue_ticket_beyond_200(p, client_for, month, base):
    numbers = _bulk_overdue(p, base, 210)
    client = client_for(p.supervisor)
    page = client.get(f"/desk/circular/?period={month.label}").content.decode()
    assert "四、超期工单（共 210 件）" in page and "第 1 / 5 页，共 210 件" in page
    seen = {n for n in numbers if n in page}
    assert len(seen) == PAGE_SIZE
    for number in range(2, 6):
        fragment = client.get(
            f"/desk/circular/?period={month.label}&page={number}", **HX
        ).content.decode()
        assert "<html" not in fragment
        seen |= {n for n in numbers if n in fragment}
    assert seen == set(numbers)

    printed = client.get(f"/desk/circular/print/?period={month.label}").content.decode()
    assert all(n in printed for n in numbers) and "下一页" not in printed

    response = client.get(f"/desk/circular/export.xlsx?period={month.label}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content))["超期工单"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(range(1, 211))
    assert {r[1] for r in rows} == set(numbers)


def test_a_page_of_the_overdue_list_is_read_from_the_units_it_spans(
    p, month, base, django_assert_num_queries
):
    """The circular's pages come from the few units each spans (the rollup's counts by
    unit), the same rows as slicing the whole sorted list; a page boundary inside a unit
    and a unit spanning two pages included."""
    units = [p.district.binhu, p.district.hubin, p.district.jgw, p.district.housing]
    for unit, n in zip(units, (7, 61, 1, 45), strict=True):
        _bulk_overdue(p, base, n, primary_unit=unit, handling_unit=unit)
    now = timezone.now()
    circular = circular_data(user=p.supervisor, period=month.label, now=now)
    assert circular.overdue_total == 114
    whole = overdue_tickets(user=p.supervisor, period=circular.period, as_of=circular.as_of)
    assert [n for _, n in overdue_by_unit(user=p.supervisor, period=circular.period)] == [
        whole.filter(primary_unit=u).count() for u in sorted(units, key=lambda u: u.path)
    ]
    for number in (1, 2, 3):
        with django_assert_num_queries(2):  # the counts by unit, the page's rows
            page = overdue_page(
                user=p.supervisor,
                period=circular.period,
                as_of=circular.as_of,
                page=number,
                count=circular.overdue_total,
            )
        start = (number - 1) * PAGE_SIZE
        expected = [t.number for t in whole[start : start + PAGE_SIZE]]
        assert [t.number for t in page.tickets] == expected
        assert page.pages == 3 and page.first == start + 1
    assert len(page.tickets) == 14


def test_the_word_circular_has_the_title_number_boards_and_every_overdue_ticket(
    p, client_for, month, base
):
    settings = MetricSettings.objects.order_by("pk").first() or MetricSettings()
    settings.circular_number_prefix = "示范区督"
    settings.min_volume = 1
    settings.save()
    numbers = _bulk_overdue(p, base, 30)
    response = client_for(p.leader).get(f"/desk/circular/export.docx?period={month.label}")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = docx.Document(BytesIO(response.content))
    text = "\n".join(par.text for par in document.paragraphs)
    year, mon = month.start.year, month.start.month
    assert f"关于{year}年{mon}月12345热线工单办理情况的通报" in text
    assert f"示范区督〔{year}〕{mon}号" in text
    assert "测试示范区12345热线服务中心" in text  # the default issuer, from the district
    assert "二、飞虎榜" in text and "三、蜗牛榜" in text and "四、超期工单（共30件）" in text
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert set(numbers) <= cells and "滨湖街道" in cells  # 滨湖街道 tops its (one-unit) board
    # The body font is 仿宋 for Chinese text, the headings 黑体.
    xml = document.element.xml + document.styles.element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="黑体"' in xml
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


def test_citizen_text_stays_text_in_the_circular_workbook(p, client_for, month, base):
    (number,) = _bulk_overdue(p, base, 1, title='=HYPERLINK("http://evil.example","点我")')
    response = client_for(p.supervisor).get(f"/desk/circular/export.xlsx?period={month.label}")
    sheet = load_workbook(BytesIO(response.content))["超期工单"]
    (row,) = sheet.iter_rows(min_row=2)
    assert row[1].value == number
    assert row[3].value.startswith("=HYPERLINK") and row[3].data_type == "s"


@pytest.mark.parametrize("url", URLS)
def test_circular_and_exports_are_for_supervision_and_admin_only(p, client_for, month, url):
    admin = make_user("circ_admin", "admin", p.district.district)
    allowed = {"supervisor": p.supervisor, "leader": p.leader, "admin": admin}
    refused = {
        "operator": p.operator,
        "dispatcher": p.dispatcher,
        "street_handler": p.street_handler,
        "street_head": p.street_head,
    }
    for who, user in allowed.items():
        assert client_for(user).get(f"{url}?period={month.label}").status_code == 200, who
    for who, user in refused.items():
        assert client_for(user).get(f"{url}?period={month.label}").status_code == 403, who
    bad = client_for(p.supervisor).get(f"{url}?period=2025-13")
    assert bad.status_code == 422 and "统计周期不存在" in bad.content.decode()


def test_exports_are_scoped_to_the_readers_district(p, client_for, other_district, month, base):
    numbers = _bulk_overdue(p, base, 3)
    client = client_for(other_district.supervisor)
    for url in URLS[:2]:
        body = client.get(f"{url}?period={month.label}").content.decode()
        assert not any(n in body for n in numbers) and "滨湖街道" not in body
    xlsx = load_workbook(BytesIO(client.get(f"{URLS[2]}?period={month.label}").content))
    assert xlsx["超期工单"].max_row == 1
    document = docx.Document(BytesIO(client.get(f"{URLS[3]}?period={month.label}").content))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert not set(numbers) & cells and "滨湖街道" not in cells


@pytest.mark.parametrize("rows", [1, 120])
def test_circular_page_query_count_is_fixed(
    p, client_for, month, base, rows, django_assert_max_num_queries
):
    _bulk_overdue(p, base, rows)
    client = client_for(p.supervisor)
    client.get(f"/desk/circular/?period={month.label}")  # builds the rollup of both months
    with django_assert_max_num_queries(20):
        client.get(f"/desk/circular/?period={month.label}")
    # A page change: the session, the month's figure, its overdue by unit, the page's rows.
    with django_assert_max_num_queries(9):
        client.get(f"/desk/circular/?period={month.label}&page=2", **HX)


def test_a_page_change_counts_the_list_as_the_circular_does(p, client_for, month, base):
    """The htmx page change takes the list's length from the rolled-up figure, as the whole
    page does: the pager and the heading agree, and page 2 starts after the first page."""
    _bulk_overdue(p, base, PAGE_SIZE + 15)
    client = client_for(p.supervisor)
    whole = client.get(f"/desk/circular/?period={month.label}").content.decode()
    total = PAGE_SIZE + 15
    assert f"共 {total} 件" in whole
    second = client.get(f"/desk/circular/?period={month.label}&page=2", **HX).content.decode()
    assert f"第 2 / 2 页，共 {total} 件" in second
    assert f"<td>{PAGE_SIZE + 1}</td>" in second and f"<td>{total}</td>" in second
    assert f"<td>{PAGE_SIZE}</td>" not in second
