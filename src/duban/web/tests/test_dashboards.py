"""Dashboard panels (heat by place, hot-spots), the monthly report and every Excel export."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from duban.core.periods import period_containing
from duban.metrics.selectors_places import place_heat
from duban.testing import factories as f
from duban.tickets import services as s

pytestmark = pytest.mark.django_db

STREET_LIGHT = "东留村主街路灯坏了一周，晚上出行不便，请尽快维修路灯。"
GARBAGE = "建业社区垃圾桶满溢无人清运，气味很大，请尽快清运垃圾。"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Hot-spots are cached per scope and window; each test starts cold."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def month(recent: datetime) -> str:
    return period_containing(recent).label


def _places(p, recent):
    """Four tickets whose places are known by hand (see the assertions)."""
    d = p.district
    # 1: dispatched to 滨湖街道, location names 东留村 → street routed, village named.
    f.dispatched(p=p, now=recent, location="滨湖街道东留村主街")
    # 2: dispatched to 滨湖街道 and sub-dispatched to 东留村 → both routed.
    t = f.accepted(p=p, now=recent, location="主街")
    s.ticket_sub_dispatch(
        ticket=t, actor=p.street_handler, now=recent + timedelta(minutes=40), unit=d.dongliu
    )
    # 3: a department ticket at 建业社区 → 湖滨路街道 and 建业社区 named.
    f.dispatched(p=p, now=recent, unit=d.housing, location="湖滨路街道建业社区门口")
    # 4: a department ticket at 西留村 (one of 滨湖街道's place names, no village unit).
    f.dispatched(p=p, now=recent, unit=d.housing, location="西留村村口")


def _by_name(streets):
    out = {}
    for street in streets:
        out[street.street.name] = street.street
        out.update({v.name: v for v in street.villages})
    return out


# --- access -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "supervisor", "dispatcher"])
def test_pages_render_for_district_roles(p, client_for, month, who):
    client = client_for(getattr(p, who))
    for url in (
        f"/metrics/?period={month}",
        f"/metrics/hotspots/?period={month}",
        f"/metrics/rankings/?period={month}",
        f"/metrics/report/?period={month}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_handler_is_refused_everywhere(p, client_for):
    client = client_for(p.street_handler)
    for url in (
        "/metrics/",
        "/metrics/hotspots/",
        "/metrics/report/",
        "/metrics/export/places.xlsx",
        "/metrics/export/hotspots.xlsx",
    ):
        assert client.get(url).status_code == 403, url


def test_report_is_for_district_wide_roles_only(p, client_for):
    assert client_for(p.street_head).get("/metrics/report/").status_code == 403
    html = client_for(p.street_head).get("/metrics/").content.decode()
    assert "/metrics/report/" not in html  # no link to a page the head may not open


def test_bad_month_is_a_readable_422(p, client_for):
    for url in ("/metrics/report/?period=2025-13", "/metrics/hotspots/?period=x"):
        response = client_for(p.leader).get(url)
        assert response.status_code == 422 and "统计周期" in response.content.decode()


# --- heat by place --------------------------------------------------------------------


def test_heat_by_place_counts_match_hand_built_tickets(p, recent):
    _places(p, recent)
    period = period_containing(recent)
    heat = _by_name(place_heat(user=p.leader, period_start=period.start, period_end=period.end))
    binhu, dongliu = heat["滨湖街道"], heat["东留村"]
    assert (binhu.routed, binhu.named, binhu.volume) == (2, 1, 3)
    assert (dongliu.routed, dongliu.named, dongliu.volume) == (1, 1, 2)
    assert (heat["湖滨路街道"].routed, heat["湖滨路街道"].named) == (0, 1)
    assert (heat["建业社区"].routed, heat["建业社区"].named) == (0, 1)


def test_heat_by_place_follows_the_users_scope(p, recent):
    _places(p, recent)
    period = period_containing(recent)
    streets = place_heat(user=p.street_head, period_start=period.start, period_end=period.end)
    heat = _by_name(streets)
    assert set(heat) == {"滨湖街道", "东留村"}  # only the head's own street
    assert heat["滨湖街道"].volume == 2  # the department ticket at 西留村 is not theirs


def test_heat_by_place_query_count_does_not_grow_with_tickets(p, recent, django_assert_num_queries):
    # Counted live (the month not rolled up: the tree, the rollup's rows, the aggregate).
    period = period_containing(recent)
    f.dispatched(p=p, now=recent)
    with django_assert_num_queries(3):
        place_heat(user=p.leader, period_start=period.start, period_end=period.end)
    for _ in range(4):
        f.dispatched(p=p, now=recent, location="建业社区")
    with django_assert_num_queries(3):
        place_heat(user=p.leader, period_start=period.start, period_end=period.end)


def test_dashboard_shows_the_place_table_and_treemap_data(p, client_for, recent, month):
    _places(p, recent)
    html = client_for(p.leader).get(f"/metrics/?period={month}").content.decode()
    assert 'id="chart-places"' in html and '"places": [' in html
    assert "街道、村（社区）诉求热力" in html and "东留村" in html


# --- hot-spots ------------------------------------------------------------------------


def _cluster(p, recent):
    titles = ["东留村路灯不亮", "东留村主街路灯坏了", "东留村路灯不亮没人修", "路灯不亮东留村主街"]
    for n, title in enumerate(titles):
        f.dispatched(p=p, now=recent - timedelta(hours=n), title=title, content=STREET_LIGHT)
    others = ["建业社区垃圾清运不及时", "建业社区垃圾桶满溢", "垃圾清运不及时建业社区"]
    for n, title in enumerate(others):
        f.dispatched(
            p=p,
            now=recent - timedelta(hours=n),
            unit=p.district.hubin,
            title=title,
            content=GARBAGE,
        )


def test_hotspot_panel_lists_a_cluster_of_similar_tickets(p, client_for, recent, month):
    _cluster(p, recent)
    response = client_for(p.leader).get(f"/metrics/hotspots/?period={month}")
    html = response.content.decode()
    assert response.status_code == 200 and "路灯" in html and "垃圾" in html
    assert html.count('href="/tickets/') >= 4  # example ticket links
    assert "每月一题" in html


def test_hotspot_panel_is_cached_per_scope(
    p, client_for, recent, month, django_assert_max_num_queries
):
    _cluster(p, recent)
    client = client_for(p.leader)
    client.get(f"/metrics/hotspots/?period={month}")
    f.dispatched(p=p, now=recent, title="新来的东留村路灯不亮", content=STREET_LIGHT)
    with django_assert_max_num_queries(4):  # session, user, unit: no ticket query
        html = client.get(f"/metrics/hotspots/?period={month}").content.decode()
    assert "新来的" not in html
    # Another scope (a street head) does not get the leader's entry.
    head = client_for(p.street_head).get(f"/metrics/hotspots/?period={month}").content.decode()
    assert "路灯" in head and "垃圾" not in head  # the garbage tickets went to 湖滨路街道


# --- monthly report -------------------------------------------------------------------


def test_report_shows_figures_rankings_and_sections(p, client_for, recent, month):
    for _ in range(3):
        f.closed(p=p, now=recent - timedelta(days=3) if recent.day > 4 else recent)
    f.dispatched(p=p, now=recent, unit=p.district.housing)
    response = client_for(p.leader).get(f"/metrics/report/?period={month}")
    html = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "一、全区总体情况",
        "二、飞虎榜 / 蜗牛榜",
        "三、诉求分类",
        "四、超期",
        "五、热点诉求",
    ):
        assert heading in html
    assert "月度报告" in html and "@page" in html and "page-break" in html
    assert ">4<" in html  # the month's volume
    assert "滨湖街道" in html and "住建局" in html  # street and department boards
    assert "响应率" in html and "满意率" in html and "+4件" in html  # vs an empty last month


def test_report_query_count_is_bounded(p, client_for, recent, month, django_assert_max_num_queries):
    client = client_for(p.leader)
    f.closed(p=p, now=recent)
    client.get(f"/metrics/report/?period={month}")  # warm the hot-spot cache
    with django_assert_max_num_queries(20):
        client.get(f"/metrics/report/?period={month}")
    for _ in range(5):
        f.dispatched(p=p, now=recent, unit=p.district.hubin)
    cache.clear()
    client.get(f"/metrics/report/?period={month}")
    with django_assert_max_num_queries(20):
        client.get(f"/metrics/report/?period={month}")


def test_dashboard_query_count_is_bounded(
    p, client_for, recent, month, django_assert_max_num_queries
):
    client = client_for(p.leader)
    _places(p, recent)
    # The first view also builds the twelve months' rollup (and their heat by place): a
    # fixed handful of queries, the months' pending changes among them, the two recent
    # months' tickets' parts stored (one insert per 500 on SQLite, one COPY on PostgreSQL;
    # there one more query: the rebuild asks for parallel workers and memory).
    with django_assert_max_num_queries(34):
        client.get(f"/metrics/?period={month}")
    for _ in range(6):
        f.dispatched(p=p, now=recent, unit=p.district.hubin, location="建业社区")
    cache.clear()
    with django_assert_max_num_queries(12):  # rollup fresh: no ticket aggregate but places
        response = client.get(f"/metrics/?period={month}")
    assert "统计截至" in response.content.decode()


# --- Excel ------------------------------------------------------------------------------

EXPORTS = [
    ("figures.xlsx?by=unit", "单位考核数据", "单位"),
    ("figures.xlsx?by=category", "分类统计", "分类"),
    ("figures.xlsx?by=month", "月度趋势", "月份"),
    ("rankings.xlsx?group=streets", "街道镇飞虎榜蜗牛榜", "排名"),
    ("rankings.xlsx?group=departments", "部门飞虎榜蜗牛榜", "排名"),
    ("places.xlsx?", "街道村社诉求热力", "街道/镇"),
    ("hotspots.xlsx?", "热点诉求", "排名"),
]


@pytest.mark.parametrize(("query", "name", "first_header"), EXPORTS)
def test_every_export_is_a_workbook_with_chinese_headers(
    p, client_for, recent, month, query, name, first_header
):
    _places(p, recent)
    _cluster(p, recent)
    response = client_for(p.supervisor).get(f"/metrics/export/{query}&period={month}")
    assert response.status_code == 200
    assert (
        f"filename*=UTF-8''{quote(f'{month} {name}.xlsx', safe='')}"
        in response["Content-Disposition"]
    )
    wb = load_workbook(BytesIO(response.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[0] == first_header
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers if h != "#")
    assert any(sheet.max_row >= 2 for sheet in wb.worksheets)  # data, not only headers


def test_places_export_rows_match_the_counts(p, client_for, recent, month):
    _places(p, recent)
    response = client_for(p.leader).get(f"/metrics/export/places.xlsx?period={month}")
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].values)
    by_place = {r[1]: r[3:] for r in rows[1:]}
    assert by_place["滨湖街道"] == (2, 1, 3)
    assert by_place["东留村"] == (1, 1, 2)


def test_hotspot_export_lists_the_cluster(p, client_for, recent, month):
    _cluster(p, recent)
    response = client_for(p.leader).get(f"/metrics/export/hotspots.xlsx?period={month}")
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].values)
    assert rows[0][:4] == ("排名", "热点", "关键词", "诉求量")
    assert any("路灯" in (r[1] or "") + (r[2] or "") for r in rows[1:])


def test_report_loads_uncached_hot_spots_after_the_page(p, client_for, recent, month):
    _cluster(p, recent)
    client = client_for(p.leader)
    cache.clear()
    html = client.get(f"/metrics/report/?period={month}").content.decode()
    assert f'hx-get="/metrics/report/hotspots/?period={month}"' in html
    assert "路灯" not in html.split('id="hotspots"')[1]  # not clustered inside the page
    rows = client.get(f"/metrics/report/hotspots/?period={month}").content.decode()
    assert rows.startswith("<tbody>") and "路灯" in rows and 'href="/tickets/' in rows
    # Now cached: the report renders the section itself.
    html = client.get(f"/metrics/report/?period={month}").content.decode()
    assert "report/hotspots/" not in html and "路灯" in html.split('id="hotspots"')[1]


def test_report_hot_spots_refuse_a_bad_month_and_other_roles(p, client_for):
    assert client_for(p.leader).get("/metrics/report/hotspots/?period=2025-13").status_code == 422
    assert client_for(p.street_head).get("/metrics/report/hotspots/").status_code in (403, 404)
