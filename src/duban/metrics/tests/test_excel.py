from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from duban.core.periods import parse_period
from duban.metrics.excel import figures_workbook, ranking_workbook
from duban.metrics.selectors import monthly_series, rankings, unit_figures

from .conftest import MARCH, NOW, done
from .test_rankings import add

pytestmark = pytest.mark.django_db

FIGURE_HEADERS = [
    "派单量",
    "响应率",
    "解决率",
    "满意率",
    "按期办结率",
    "退单率",
    "重办率",
    "超期件数",
    "平均办理时长(小时)",
    "综合得分",
    "核减件数",
]


def test_figures_workbook(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1", name="东城街道")
    make_unit("s2", name="西城街道")
    make_ticket(unit, **done())
    make_ticket(unit, **done(resolved=False, satisfaction="unsatisfied"))
    p = parse_period("2025-03")
    data = figures_workbook(unit_figures(period_start=p.start, period_end=p.end, now=NOW))

    ws = load_workbook(BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["单位", *FIGURE_HEADERS]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["J"].width == 20
    row = [c.value for c in ws[2]]
    assert row[:5] == ["东城街道", 2, 1, 0.5, 0.5]
    assert ws["C2"].number_format == "0.0%"
    assert ws["J2"].value == pytest.approx(48.0)
    assert ws["K2"].value == pytest.approx(30 + 35 * 0.5 + 35 * 0.5)
    # No tickets: empty rate cells.
    assert [c.value for c in ws[3]][:4] == ["西城街道", 0, None, None]


def test_monthly_figures_workbook_labels_months(make_unit, make_ticket, metric_settings):
    make_ticket(make_unit("s1"), MARCH)
    ws = load_workbook(BytesIO(figures_workbook(monthly_series(months=2, now=NOW)))).active
    assert ws["A1"].value == "月份"
    assert [ws["A2"].value, ws["A3"].value] == ["2025-03", "2025-04"]


def test_ranking_workbook(make_unit, metric_settings):
    metric_settings.min_volume = 2
    metric_settings.top_n = 1
    metric_settings.save()
    add(make_unit("a", name="甲街道"), MARCH, good=2)
    add(make_unit("b", name="乙街道"), MARCH, good=1, bad=1)
    add(make_unit("c", name="丙街道"), MARCH, good=1)
    wb = load_workbook(
        BytesIO(ranking_workbook(rankings(period="2025-03", group="streets", now=NOW)))
    )
    assert wb.sheetnames == ["排名", "飞虎榜", "蜗牛榜", "未参与排名"]
    ws = wb["排名"]
    assert [c.value for c in ws[1]] == [
        "排名",
        "单位",
        *FIGURE_HEADERS,
        "上月排名",
        "较上月",
        "得分较上月",
    ]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws["B"]][1:] == ["甲街道", "乙街道"]
    assert ws["A2"].value == 1 and ws["O2"].value == "新上榜"
    assert wb["飞虎榜"]["B2"].value == "甲街道"
    assert wb["蜗牛榜"]["B2"].value == "乙街道"
    not_ranked = wb["未参与排名"]
    assert not_ranked["A2"].value == "丙街道"
    assert not_ranked.cell(row=2, column=not_ranked.max_column).value == "派单量不足"
