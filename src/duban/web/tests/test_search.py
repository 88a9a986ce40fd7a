"""工单查询: filters, scope, paging, bad input and the Excel export."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from duban.core.periods import period_containing
from duban.testing import factories as f
from duban.tickets.models import Category

pytestmark = pytest.mark.django_db


def _root(name: str) -> Category:
    return Category.objects.create(name=name, level=1, full_name=name)


@pytest.fixture
def tickets(p, recent: datetime):
    road = _root("城乡建设")
    leaf = Category.objects.create(name="路灯", parent=road, level=2, full_name="城乡建设 › 路灯")
    return {
        "light": f.dispatched(p=p, now=recent, title="东留村路灯不亮", category_id=leaf.pk),
        "noise": f.dispatched(p=p, now=recent, title="工地夜间施工噪音"),
        "hubin": f.dispatched(p=p, now=recent, unit=p.district.hubin, title="湖滨路垃圾清运"),
        "road": road,
    }


def _numbers(response) -> set[str]:
    return {t.number for t in response.context["tickets"]}


def test_a_leader_finds_every_ticket_and_filters_by_title(p, client_for, tickets):
    client = client_for(p.leader)
    everything = client.get("/search/")
    assert everything.status_code == 200 and everything.context["count"] == 3
    assert "工单查询" in everything.content.decode()
    found = client.get("/search/?q=路灯")
    assert _numbers(found) == {tickets["light"].number}


def test_filters_by_unit_category_and_dispatch_month(p, client_for, tickets, recent):
    client = client_for(p.leader)
    month = period_containing(recent).label
    by_unit = client.get(f"/search/?unit={p.district.hubin.code}&period={month}&by=dispatched_at")
    assert _numbers(by_unit) == {tickets["hubin"].number}
    # A level-1 category matches the tickets of the categories below it.
    by_category = client.get(f"/search/?category={tickets['road'].pk}")
    assert _numbers(by_category) == {tickets["light"].number}
    other_month = client.get("/search/?period=2001-01")
    assert (
        other_month.context["count"] == 0 and "没有符合条件的工单" in other_month.content.decode()
    )


def test_another_streets_clerk_sees_only_their_own_tickets(p, client_for, tickets):
    response = client_for(p.other_street_handler).get("/search/")
    assert _numbers(response) == {tickets["hubin"].number}
    assert tickets["light"].number not in response.content.decode()
    # A unit outside the clerk's scope is not even a choice.
    refused = client_for(p.other_street_handler).get(f"/search/?unit={p.district.binhu.code}")
    assert refused.status_code == 422 and "承办单位" in refused.content.decode()


def test_bad_input_is_a_readable_422(p, client_for):
    client = client_for(p.leader)
    bad_month = client.get("/search/?period=2026-13")
    assert bad_month.status_code == 422
    assert "月份格式应为 YYYY-MM" in bad_month.content.decode()
    assert client.get("/search/?state=nonsense").status_code == 422
    assert client.get("/search/?q=" + "长" * 101).status_code == 422
    assert client.get("/search/?page=abc").status_code == 200  # a bad page is page 1


def test_pages_run_a_fixed_number_of_queries(p, client_for, recent, django_assert_max_num_queries):
    client = client_for(p.leader)
    for n in range(3):
        f.dispatched(p=p, now=recent, title=f"路灯{n}")
    client.get("/search/")
    with django_assert_max_num_queries(9) as few:  # the page: its ids, then their rows
        client.get("/search/?q=路灯")
    for n in range(20):
        f.dispatched(p=p, now=recent, title=f"更多路灯{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/search/?q=路灯")
    assert response.context["count"] == 23


def test_the_export_is_a_workbook_of_the_filtered_tickets(p, client_for, tickets):
    response = client_for(p.leader).get("/search/?q=路灯&export=xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单编号", "标题", "状态")
    assert [r[0] for r in rows[1:]] == [tickets["light"].number]
    assert rows[1][4] == "城乡建设 › 路灯" and rows[1][5] == "滨湖街道"
    # No caller's personal data leaves in the export.
    assert not any("电话" in (h or "") or "姓名" in (h or "") for h in rows[0])


def test_the_dashboard_links_a_units_figures_to_its_tickets(p, client_for, tickets, recent):
    month = period_containing(recent).label
    html = client_for(p.leader).get(f"/metrics/?period={month}").content.decode()
    assert f"/search/?unit={p.district.hubin.code}&period={month}&by=dispatched_at" in html


def test_a_place_lists_exactly_the_tickets_its_heat_counts(p, client_for, recent):
    from duban.metrics.selectors_places import place_heat, place_rows
    from duban.tickets import services as s

    d = p.district
    f.dispatched(p=p, now=recent, location="滨湖街道东留村主街")
    sub = f.accepted(p=p, now=recent, location="主街")
    s.ticket_sub_dispatch(ticket=sub, actor=p.street_handler, now=recent, unit=d.dongliu)
    f.dispatched(p=p, now=recent, unit=d.housing, location="湖滨路街道建业社区门口")
    f.dispatched(p=p, now=recent, unit=d.housing, location="西留村村口")
    period = period_containing(recent)
    heat = place_heat(user=p.leader, period_start=period.start, period_end=period.end)
    client = client_for(p.leader)
    checked = 0
    for _street, place in place_rows(heat):
        url = f"/search/?place={place.unit_id}&period={period.label}&by=dispatched_at"
        assert client.get(url).context["count"] == place.volume, place.name
        checked += place.volume > 0
    assert checked >= 3  # 滨湖街道, 东留村, 湖滨路街道, 建业社区 have tickets


def test_the_place_table_and_treemap_link_to_the_search(p, client_for, recent):
    f.dispatched(p=p, now=recent, location="滨湖街道东留村主街")
    month = period_containing(recent).label
    response = client_for(p.leader).get(f"/metrics/?period={month}")
    html = response.content.decode()
    assert f"/search/?place={p.district.binhu.pk}&period={month}&by=dispatched_at" in html
    tree = response.context["chart"]["places"]
    leaves = [c for node in tree for c in node["children"]]
    assert leaves and all(c["href"].startswith("/search/?place=") for c in leaves)
