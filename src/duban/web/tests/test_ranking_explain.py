"""「为何如此」 on every ranking surface (rankings page, report, circular, API), the circular's
overdue list without exempted tickets, and the exemption on the ticket page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.core.periods import Period, period_containing
from duban.metrics.models import MetricSettings
from duban.metrics.selectors_rollup import rankings_from_rollup
from duban.metrics.tests.conftest import done, ticket_fields
from duban.testing import api
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.choices import State
from duban.tickets.models import Ticket
from duban.web.selectors_circular import all_overdue, circular_data

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def month() -> Period:
    return period_containing(timezone.now()).previous


@pytest.fixture
def base(month: Period) -> datetime:
    return month.start + timedelta(days=1, hours=9)


@pytest.fixture
def board(p, base):
    """Last month: 滨湖街道 four tickets (one exempted, one overdue), 湖滨路街道 two."""
    MetricSettings.objects.update(min_volume=1)
    binhu, hubin = p.district.binhu, p.district.hubin
    make = lambda unit, **fields: Ticket.objects.create(  # noqa: E731
        **ticket_fields(unit, base, **fields)
    )
    tickets = [make(binhu, **done(base)) for _ in range(2)]
    late = make(binhu, state=State.ACCEPTED, accepted_at=base + timedelta(hours=1))
    late.handle_due = base + timedelta(days=1)
    late.save(update_fields=["handle_due"])
    tickets.append(late)
    tickets.append(make(binhu, **done(base, satisfaction="basic")))
    for _ in range(2):
        make(hubin, **done(base))
    exempted = exempt(p, tickets[0], base + timedelta(days=5))
    return {"exempted": exempted, "late": late, "tickets": tickets}


def exempt(p, ticket: Ticket, at: datetime, *, approve: bool = True) -> Ticket:
    ticket = s.ticket_request_exemption(
        ticket=ticket,
        actor=p.street_handler,
        now=at,
        reason_kind="out_of_scope",
        reason="属供电公司职责，已告知来电人",
    )
    if approve:
        return s.ticket_approve_exemption(
            ticket=ticket, actor=p.dispatcher, now=at + timedelta(hours=2), note="情况属实"
        )
    return ticket


def explain_url(month: Period, unit, group: str = "streets") -> str:
    return f"/metrics/rankings/explain/?period={month.label}&group={group}&unit={unit.code}"


def test_every_row_of_the_rankings_page_links_its_explanation(p, client_for, month, board):
    html = client_for(p.leader).get(f"/metrics/rankings/?period={month.label}").content.decode()
    for unit in (p.district.binhu, p.district.hubin):
        url = explain_url(month, unit).replace("&", "&amp;")
        assert f'hx-get="{url}"' in html
    assert 'id="explain-streets"' in html and 'hx-target="#explain-streets"' in html
    assert html.count("为何如此") >= 3  # two streets ranked, departments not ranked


def test_the_panel_explains_the_row_with_its_figures(p, client_for, month, board):
    client = client_for(p.dispatcher)
    fragment = client.get(explain_url(month, p.district.binhu), **HX).content.decode()
    assert "<html" not in fragment and 'id="explain-panel"' in fragment
    ranking = rankings_from_rollup(
        period=month.label, group="streets", now=timezone.now(), district=p.district.district.pk
    )
    (entry,) = [e for e in ranking.ranked if e.unit_id == p.district.binhu.pk]
    figures = entry.figures
    assert (figures.dispatched, figures.exempted, figures.overdue_count) == (3, 1, 1)
    text = re.sub(r"<[^>]+>", "", fragment)
    assert f"在参与排名的 2 个街道/镇单位中列第 {entry.rank} 名" in text
    assert "3 件（参与排名至少 1 件）；另有 1 件经考核申诉核减" in text
    assert f"按时签收并联系 {figures.responded_in_time} ÷ 应响应 {figures.due_for_response}" in text
    assert f"满意 {figures.satisfied} + 基本满意 {figures.basic_satisfied} ÷ 已评价 2" in text
    assert "0.30" in text and "0.35" in text  # the composite's weights
    assert f"{figures.composite:.2f}" in text
    assert board["exempted"].number in text and "不属于本单位职责" in text
    page = client.get(explain_url(month, p.district.binhu)).content.decode()
    assert "<html" in page and "排名说明" in page and board["exempted"].number in page


def test_the_list_of_exempted_tickets_is_for_those_who_may_see_them(p, client_for, month, board):
    number = board["exempted"].number
    own = client_for(p.street_head).get(explain_url(month, p.district.binhu), **HX)
    assert number in own.content.decode()
    other = client_for(p.street_head).get(explain_url(month, p.district.hubin), **HX)
    assert other.status_code == 200 and number not in other.content.decode()
    assert client_for(p.street_handler).get(explain_url(month, p.district.binhu)).status_code == 403
    missing = client_for(p.leader).get(explain_url(month, p.district.housing, "streets"), **HX)
    assert missing.status_code == 404
    bad = client_for(p.leader).get(
        "/metrics/rankings/explain/?period=2025-13&group=streets&unit=t-binhu", **HX
    )
    assert bad.status_code == 422 and "统计周期不存在" in bad.content.decode()


def test_the_panel_runs_a_fixed_number_of_queries(p, client_for, month, board, base):
    client = client_for(p.dispatcher)
    url = explain_url(month, p.district.binhu)
    client.get(url, **HX)  # the months' rollup built

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **HX)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for ticket in board["tickets"][1:3]:
        exempt(p, Ticket.objects.get(pk=ticket.pk), base + timedelta(days=6))
    client.get(url, **HX)  # the month marked stale: rebuilt once
    assert queries() == one <= 10
    assert client.get(url, **HX).content.decode().count("不属于本单位职责") == 3


def test_the_report_and_the_circular_link_their_rows(p, client_for, month, board):
    report = client_for(p.leader).get(f"/metrics/report/?period={month.label}").content.decode()
    assert explain_url(month, p.district.binhu).replace("&", "&amp;") in report
    circular = client_for(p.supervisor).get(f"/desk/circular/?period={month.label}")
    html = circular.content.decode()
    assert explain_url(month, p.district.binhu).replace("&", "&amp;") in html
    assert 'id="explain-streets"' in html
    printed = client_for(p.supervisor).get(f"/desk/circular/print/?period={month.label}")
    assert "为何如此" not in printed.content.decode()


def test_the_circular_lists_what_it_counts_without_exempted_tickets(p, month, board, base):
    late = Ticket.objects.get(pk=board["late"].pk)
    circular = circular_data(user=p.supervisor, period=month.label, now=timezone.now())
    assert [t.number for t in all_overdue(user=p.supervisor, circular=circular)] == [late.number]
    exempt(p, late, base + timedelta(days=7))
    circular = circular_data(user=p.supervisor, period=month.label, now=timezone.now())
    assert list(all_overdue(user=p.supervisor, circular=circular)) == []
    assert circular.overdue_total == circular.current.overdue_count == 0
    assert circular.current.exempted == 2


def test_the_api_explains_a_ranking_row(p, month, board):
    params = {"period": month.label, "group": "streets", "unit": "t-binhu"}
    body = api.client_for(p.dispatcher).get("/rankings/explain", params).json()
    ranking = api.client_for(p.dispatcher).get(
        "/rankings", {"period": month.label, "group": "streets"}
    )
    (row,) = [e for e in ranking.json()["ranked"] if e["figures"]["unit_code"] == "t-binhu"]
    assert body["rank"] == row["rank"] and body["composite"] == row["figures"]["composite"]
    assert body["exempted"] == row["figures"]["exempted"] == 1
    assert body["dispatched"] == row["figures"]["dispatched"] == 3
    response = {r["key"]: r for r in body["rates"]}["response_rate"]
    assert response["numerator"][0]["count"] == row["figures"]["responded_in_time"]
    assert response["denominator"]["count"] == row["figures"]["due_for_response"]
    assert response["weight"] == 0.3
    assert body["exemptions"] == [
        {
            "ticket_number": board["exempted"].number,
            "reason_kind": "out_of_scope",
            "reason_label": "不属于本单位职责",
            "ruled_at": body["exemptions"][0]["ruled_at"],
        }
    ]
    hubin_head = make_user("hubin_head", "unit_head", p.district.hubin)
    theirs = api.client_for(hubin_head).get("/rankings/explain", params).json()
    assert theirs["exemptions"] is None and theirs["exempted"] == 1
    wrong = api.client_for(p.dispatcher).get("/rankings/explain", {**params, "unit": "t-housing"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "not_found"


def test_the_ticket_page_shows_the_exemption_to_the_unit_and_the_centre(p, client_for, recent):
    ticket = f.accepted(p=p, now=recent)
    pending = exempt(p, ticket, recent + timedelta(minutes=40), approve=False)
    html = client_for(p.street_handler).get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="exemptions"' in html and "待审核" in html and "不属于本单位职责" in html
    s.ticket_reject_exemption(
        ticket=pending, actor=p.dispatcher, now=recent + timedelta(minutes=50), reason="属本单位"
    )
    again = s.ticket_request_exemption(
        ticket=Ticket.objects.get(pk=ticket.pk),
        actor=p.street_head,
        now=recent + timedelta(minutes=55),
        reason_kind="unreasonable",
        reason="诉求超出政策范围",
    )
    s.ticket_approve_exemption(
        ticket=again, actor=p.dispatcher, now=recent + timedelta(minutes=58), note="核减"
    )
    for user in (p.street_handler, p.dispatcher):
        html = client_for(user).get(f"/tickets/{ticket.number}/").content.decode()
        text = re.sub(r"<[^>]+>", "", html)
        assert "已核减" in text and "已驳回" in text
        assert "驳回理由：" not in text and "驳回理由属本单位" in re.sub(r"\s", "", text)
        assert "诉求不合理" in text and "诉求超出政策范围" in text
        assert "不计入滨湖街道的考核数据" in text
