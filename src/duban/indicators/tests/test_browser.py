"""The statistics office's month in a real browser: a workbook with one bad cell is refused
with its cell named, the fixed one is committed, approved and published, then the leader
sees the new ranks, the trend chart and the report written from the data.
With ``DUBAN_SCREENSHOTS=1`` the pages are saved as docs/screenshots/indicators-*.png."""

from __future__ import annotations

from io import BytesIO
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from duban.demo.modules.indicators import build, generate, workbook_bytes
from duban.web.tests.browser import assert_charts_drawn, assert_cjk_renders, goto, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def december(bad: bool) -> dict[str, Any]:
    """The demo's 2023年1-11月 carried on to 1-12月; 示范区's retail sales speed up."""
    november = generate()["2023-11"]
    figures = {
        key: (None if v is None else round(v * 1.09, 2), g) for key, (v, g) in november.items()
    }
    figures[("sfq", "shxf")] = (25.1, 7.9)
    data = workbook_bytes({"2023-12": figures}, periods=["2023-12"])
    if bad:
        book = load_workbook(BytesIO(data))
        book.active["G9"] = "约12"  # 高新区 (row 9), 一般公共预算收入 累计 (column G)
        out = BytesIO()
        book.save(out)
        data = out.getvalue()
    return {"name": "2023年12月数据.xlsx", "mimeType": XLSX, "buffer": data}


def test_import_fix_approve_publish_then_the_leader_reads(
    open_as: Any, cat: Any, now: Any, stats: Any, leader: Any
) -> None:
    build(SimpleNamespace(district=cat.district), now=now)  # the demo's 24 months
    desk = open_as(stats)
    goto(desk, open_as.url("/indicators/import/"))
    open_as.console.expect_status_error(open_as.url("/indicators/import/"))  # the refusal: 422
    desk.locator("#upload-form input[type=file]").set_input_files(december(bad=True))
    desk.get_by_role("button", name="校验").click()
    report = desk.locator("#import-report")
    expect(report).to_contain_text("存在错误，未写入任何数据")
    expect(report.locator("tr.error")).to_contain_text("约12")
    expect(report.locator("tr.error")).to_contain_text("不是数字")
    expect(desk.locator("#commit-form")).to_have_count(0)
    shot(desk, "indicators-import-report")

    desk.locator("#upload-form input[type=file]").set_input_files(december(bad=False))
    desk.get_by_role("button", name="校验").click()
    expect(desk.locator("#import-report")).to_contain_text("校验通过")
    desk.get_by_role("button", name="确认导入").click()
    row = desk.locator("#releases tr[data-period='2023-12']")
    expect(row).to_contain_text("待审核")
    row.get_by_role("button", name="审核通过").click()
    expect(desk.locator("#releases tr[data-period='2023-12']")).to_contain_text("已审核")
    desk.locator("#releases tr[data-period='2023-12']").get_by_role("button", name="发布").click()
    expect(desk.locator("#releases tr[data-period='2023-12']")).to_contain_text("已发布")
    shot(desk, "indicators-releases")

    boss = open_as(leader)
    goto(boss, open_as.url("/indicators/?period=2023-12&group=all"))
    home = boss.locator("#ind-table tr.home")
    expect(home).to_contain_text("城乡一体化示范区")
    expect(home.locator("td").nth(1)).to_contain_text("65.7")
    expect(home.locator(".r1 .rk").first).to_have_text("1")
    expect(home.locator(".up").first).to_be_visible()  # moved up since 1-2月
    assert_cjk_renders(boss, "主要经济指标")
    shot(boss, "indicators-table")
    with boss.expect_download() as download:
        boss.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    goto(boss, open_as.url("/indicators/report/?period=2023-12"))
    expect(boss.locator("#report")).to_contain_text("规上工业增加值累计增速65.7%，居全市各县区第一")
    expect(boss.locator("#report")).to_contain_text("同比增长7.9%，居全市各县区第一")
    shot(boss, "indicators-report", full_page=True)

    goto(boss, open_as.url("/indicators/indicator/gyzjz/"))
    assert_charts_drawn(boss, ".ind-chart")
    shot(boss, "indicators-trend")
    open_as.console.assert_clean()
