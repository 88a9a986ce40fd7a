"""Import of the office's 重点项目台账: row-level Chinese errors, all or nothing."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from duban.projects.excel import ledger_workbook
from duban.projects.models import Project
from duban.projects.services_import import COLUMNS, project_import

from .conftest import at, make_project

HEADERS = list(COLUMNS)


def row(**over):
    values = {
        "项目编号": "IMP-001",
        "项目名称": "智能装备制造产业园",
        "产业链": "",
        "项目性质": "产业",
        "项目级别": "省重点、市重点",
        "业主单位": "示范区城投公司",
        "所在街道": "滨湖街道",
        "建设地点": "滨湖街道东留村",
        "责任单位": "住建局",
        "包联领导": "leader",
        "填报员": "reporter",
        "总投资(万元)": 40000,
        "年度计划投资(万元)": 18000,
        "开工年份": 2024,
        "竣工年份": 2026,
        "项目阶段": "在建",
        "专项债申请额度(万元)": 25000,
        "专项债到位额度(万元)": 20000,
        "入统": "是",
    }
    values.update(over)
    return [values[h] for h in HEADERS]


def sheet(*rows, headers=HEADERS, merge=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(w, content, **kw):
    return project_import(
        actor=w.office, now=at(2025, 1, 5), content=content, district=w.district.district, **kw
    )


def test_a_good_sheet_enters_every_row(w) -> None:
    result = run(w, sheet(row(), row(**{"项目编号": "IMP-002", "项目级别": "区重点"})))
    assert [p.code for p in result.created] == ["IMP-001", "IMP-002"]
    p = Project.objects.get(code="IMP-001")
    assert p.level_list == ["province", "city"] and p.lead == w.lead and p.in_stats
    assert p.street == w.district.binhu and p.unit == w.district.housing


def test_one_bad_row_rejects_the_file_with_row_level_chinese_errors(w) -> None:
    make_project(w, code="OLD-1")
    content = sheet(
        row(),
        row(**{"项目编号": "IMP-001"}),  # duplicate in the file
        row(**{"项目编号": "OLD-1"}),  # already in the ledger
        row(**{"项目编号": "B-1", "总投资(万元)": -5}),
        row(**{"项目编号": "B-2", "年度计划投资(万元)": "一千万"}),
        row(**{"项目编号": "B-3", "所在街道": "火星街道"}),
        row(**{"项目编号": "B-4", "产业链": "不存在的链"}),
        row(**{"项目编号": "B-5", "包联领导": "nobody"}),
        row(**{"项目编号": "B-6", "项目阶段": "完工"}),
    )
    with pytest.raises(Exception) as rejected:
        run(w, content)
    exc = rejected.value
    assert exc.code == "import_rejected" and "未写入" in exc.message
    messages = {e["row"]: e["message"] for e in exc.details["errors"]}
    assert "与第2行重复" in messages[3]
    assert "已在台账中" in messages[4]
    assert "不能为负数" in messages[5]
    assert "不是数字" in messages[6]
    assert "未知的所在街道“火星街道”" in messages[7]
    assert "未知的产业链" in messages[8]
    assert "未知的用户“nobody”" in messages[9]
    assert "未知的项目阶段" in messages[10]
    assert all(m.startswith(f"第{r}行") for r, m in messages.items())
    assert Project.objects.count() == 1


def test_the_good_rows_only_when_asked(w) -> None:
    result = run(
        w, sheet(row(), row(**{"项目编号": "B-1", "总投资(万元)": "abc"})), good_rows_only=True
    )
    assert [p.code for p in result.created] == ["IMP-001"]
    assert [e.row for e in result.errors] == [3]


def test_missing_or_renamed_columns_gbk_text_and_merged_cells_are_refused(w) -> None:
    headers = [h if h != "总投资(万元)" else "总投资" for h in HEADERS]
    with pytest.raises(Exception) as renamed:
        run(w, sheet(row(), headers=headers))
    assert renamed.value.code == "import_rejected" and "总投资(万元)" in renamed.value.message
    gbk = ",".join(HEADERS).encode("gbk") + "\nIMP-1,项目".encode("gbk")
    with pytest.raises(Exception) as csv:
        run(w, gbk)
    assert csv.value.code == "import_rejected" and "xlsx" in csv.value.message
    with pytest.raises(Exception) as merged:
        run(w, sheet(row(), row(**{"项目编号": "IMP-2"}), merge="A2:A3"))
    assert any("合并单元格" in e["message"] for e in merged.value.details["errors"])
    assert not Project.objects.exists()


def test_the_export_never_turns_text_into_a_formula(w) -> None:
    make_project(w, name='=HYPERLINK("http://x")')
    from duban.projects import selectors

    content = ledger_workbook(selectors.ledger(user=w.office, today=at(2025, 3, 1).date()))
    ws = load_workbook(BytesIO(content)).active
    cell = ws.cell(row=2, column=2)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
