"""The pages: the import desk's report before commit, the table, its Excel, the report
written from the data; and the demo's figures agree with the reports it quotes."""

from __future__ import annotations

from io import BytesIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from duban.indicators.models import Release, Value
from duban.indicators.selectors import monthly_table
from duban.indicators.selectors_series import monthly_report

from .conftest import sheet_rows, uniform, workbook

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_import_desk_shows_the_report_then_commits(stats: Any) -> None:
    c = client(stats)
    rows = sheet_rows(uniform())
    rows[4][2] = "十二"
    bad = SimpleUploadedFile("m.xlsx", workbook({"2023年1-3月": rows}))
    page = c.post("/indicators/import/", {"file": bad})
    assert page.status_code == 422
    html = page.content.decode()
    assert "<td>2023年1-3月</td><td>5</td><td>C</td><td>十二</td><td>不是数字</td>" in html
    assert "未写入任何数据" in html
    assert "commit-form" not in html
    assert Release.objects.count() == 0
    good = SimpleUploadedFile("m.xlsx", workbook({"2023年1-3月": sheet_rows(uniform())}))
    page = c.post("/indicators/import/", {"file": good})
    assert page.status_code == 200 and "校验通过" in page.content.decode()
    assert Release.objects.count() == 0  # the report writes nothing
    token = page.context["token"]
    done = c.post("/indicators/import/commit/", {"token": token, "filename": "m.xlsx"})
    assert done.status_code == 302 and Release.objects.get().status == "draft"
    again = c.post("/indicators/import/commit/", {"token": token, "filename": "m.xlsx"})
    assert again.status_code == 404 and "重新上传" in again.content.decode()
    for step in ("approve", "publish"):
        assert c.post(f"/indicators/releases/2023-03/{step}/").status_code == 302
    assert Release.objects.get().status == "published"


def test_not_excel_on_the_page_is_a_clear_error(stats: Any) -> None:
    page = client(stats).post(
        "/indicators/import/", {"file": SimpleUploadedFile("a.xlsx", b"hello")}
    )
    assert page.status_code == 422 and "不是 Excel" in page.content.decode()


def test_table_excel_and_report_pages(stats: Any, leader: Any, publish: Any) -> None:
    publish({"2023年1-3月": sheet_rows(uniform())})
    c = client(leader)
    html = c.get("/indicators/?period=2023-03&group=districts").content.decode()
    assert "城乡一体化示范区" in html and "r-top" in html and "舞钢市" not in html
    xlsx = c.get("/indicators/export/table.xlsx?period=2023-03&group=all")
    assert xlsx.status_code == 200
    ws = load_workbook(BytesIO(xlsx.content)).active
    assert ws["A1"].value == "地区" and ws.max_row == 13
    report = c.get("/indicators/report/?period=2023-03").content.decode()
    assert "居全市各县区第" in report and "居六区第" in report
    for url in ("/indicators/indicator/shxf/", "/indicators/area/sfq/"):
        assert c.get(url).status_code == 200
    assert c.get("/indicators/area/nowhere/").status_code == 404


def test_the_demo_agrees_with_the_reports(cat: Any, now: Any, leader: Any) -> None:
    from duban.demo.modules.indicators import build

    summary = build(SimpleNamespace(district=cat.district), now=now)
    assert "stats1" in summary
    assert Release.objects.filter(status="published").count() == 22
    assert Value.objects.filter(outlier=True).exists()

    def row(period: str, group: str, area: str, indicator: str) -> dict[str, Any]:
        table = monthly_table(user=leader, period=period, group=group)
        return next(r for r in table.rows if r["area"] == area and r["indicator"] == indicator)

    sfq = "城乡一体化示范区"
    assert (row("2023-11", "all", sfq, "规上工业增加值") | {})["growth"] == 65.7
    assert row("2023-11", "all", sfq, "规上工业增加值")["rank"] == 1
    assert (
        row("2023-11", "all", sfq, "工业投资")["growth"],
        row("2023-11", "all", sfq, "工业投资")["rank"],
    ) == (125.0, 2)
    retail = row("2023-11", "districts", sfq, "社会消费品零售总额")
    assert (retail["value"], retail["growth"], retail["rank"], retail["gap_to_city"]) == (
        23.0,
        6.9,
        3,
        0.5,
    )
    assert row("2021-12", "all", "高新区", "固定资产投资")["growth"] == 16.4
    assert row("2021-12", "all", "高新区", "工业投资")["growth"] == 31.9
    text = "".join(monthly_report(user=leader, period="2023-11").sentences)
    assert "规上工业增加值累计增速65.7%，居全市各县区第一" in text
    assert "工业投资累计增速125%，居全市各县区第二" in text
    assert "完成社会消费品零售总额23亿元，同比增长6.9%" in text and "居六区第三" in text
    assert "增速比全市高0.5个百分点" in text


def test_a_peer_group_tab_swaps_the_board_only(stats: Any, leader: Any, publish: Any) -> None:
    publish({"2023年1-3月": sheet_rows(uniform())})
    board = client(leader).get("/indicators/?period=2023-03&group=counties", HTTP_HX_REQUEST="true")
    html = board.content.decode()
    assert board.status_code == 200 and html.startswith('<div id="ind-board">')
    assert "舞钢市" in html and "新华区" not in html and "<html" not in html
