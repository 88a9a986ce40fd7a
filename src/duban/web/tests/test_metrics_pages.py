"""Dashboards, rankings and the Excel exports (file names in Chinese, RFC 5987)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from duban.testing import factories as f

pytestmark = pytest.mark.django_db


def test_dashboard_renders_charts_from_local_echarts(p, client_for, recent):
    f.accepted(p=p, now=recent)
    label = f"{recent:%Y-%m}"
    html = client_for(p.leader).get(f"/metrics/?period={label}").content.decode()
    assert "/static/vendor/echarts.min.js" in html and "cdn" not in html.lower()
    assert 'id="chart-data"' in html and "滨湖街道" in html


def test_unit_head_sees_own_unit_only(p, client_for, recent):
    html = client_for(p.street_head).get("/metrics/").content.decode()
    assert "数据看板 · 滨湖街道" in html and "湖滨路街道" not in html


def test_dashboard_bad_period_is_a_readable_422(p, client_for):
    response = client_for(p.leader).get("/metrics/?period=2025-13")
    assert response.status_code == 422 and "统计周期不存在" in response.content.decode()


def test_rankings_page_has_both_boards_per_group(p, client_for):
    html = client_for(p.supervisor).get("/metrics/rankings/?period=2025-03").content.decode()
    assert html.count("飞虎榜") >= 2 and html.count("蜗牛榜") >= 2
    assert "街道/镇" in html and "部门" in html


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/metrics/export/figures.xlsx?period=2025-03&by=unit", "2025-03 单位考核数据.xlsx"),
        ("/metrics/export/figures.xlsx?period=2025-03&by=category", "2025-03 分类统计.xlsx"),
        (
            "/metrics/export/rankings.xlsx?period=2025-03&group=streets",
            "2025-03 街道镇飞虎榜蜗牛榜.xlsx",
        ),
    ],
)
def test_excel_exports_with_chinese_file_names(p, client_for, url, name):
    response = client_for(p.leader).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition


def test_exports_need_a_dashboard_role(p, client_for):
    assert client_for(p.street_handler).get("/metrics/export/figures.xlsx").status_code == 403
    bad = client_for(p.leader).get("/metrics/export/rankings.xlsx?group=nope")
    assert bad.status_code == 422
