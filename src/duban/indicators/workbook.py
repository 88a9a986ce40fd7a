"""Reading the statistics office's monthly workbook into cells, before any rule is checked.

The layout (the office's usual table, one sheet per month):

- the sheet is named after the month: ``2023年1-11月`` (or ``2023年11月``, ``2023-11``;
  January and February together: ``2023年1-2月``);
- an optional title row, then the header row whose first cell is 地区 (or 县区 …): one
  indicator name per group of columns (a merged cell over them);
- the second header row names each column and its unit: ``累计(亿元)``, ``增长(%)``,
  ``当月(亿元)``;
- one row per area (全市 included), the area's name in column A.

Nothing here reads the database: ``services_import`` checks names, numbers and history.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .errors import EmptyFile, EmptyWorkbook, FileTooLarge, NotExcel, TooManySheets

MAX_BYTES = 10 * 1024 * 1024
MAX_SHEETS = 60
MAX_ROWS = 200
MAX_COLUMNS = 120
AREA_HEADERS = {"地区", "县区", "县(市、区)", "县（市、区）", "县市区", "区域", "单位", "地 区"}
EMPTY_MARKS = {"", "-", "—", "--", "/", "…"}
_UNIT_RE = re.compile(r"[（(]\s*([^()（）]*?)\s*[)）]")


@dataclass(frozen=True)
class Column:
    """A data column: which indicator header it sits under and what it holds."""

    letter: str
    index: int  # 1-based
    indicator: str  # the header text as written
    field: str  # "value", "growth", "month_value"
    unit: str  # the unit written in its header ("" if none)
    header: str  # the second header row's text


@dataclass
class Sheet:
    name: str
    header_row: int
    columns: list[Column] = field(default_factory=list)
    # (row number, area name as written, {column letter: raw cell value})
    rows: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[int, str, Any, str]] = field(default_factory=list)


def field_of(header: str) -> str | None:
    text = header.replace(" ", "")
    if "当月" in text or "本月" in text:
        return "month_value"
    if any(word in text for word in ("增长", "增速", "同比", "±%", "比上年")):
        return "growth"
    if any(word in text for word in ("累计", "绝对值", "总量", "完成", "数值")):
        return "value"
    return None


def unit_of(header: str) -> str:
    match = _UNIT_RE.search(header)
    return match.group(1) if match else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_workbook(data: bytes, *, filename: str = "") -> list[Sheet]:
    """The sheets of an .xlsx file; raises ``InvalidInput`` for what is not a workbook."""
    if not data:
        raise EmptyFile("文件为空，请选择统计局的月度数据表（Excel 工作簿）")
    if len(data) > MAX_BYTES:
        raise FileTooLarge(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限为 {MAX_BYTES // 1024 // 1024} MB",
        )
    if not zipfile.is_zipfile(BytesIO(data)):
        raise NotExcel(
            "文件不是 Excel 工作簿，请在 Excel 中另存为“Excel 工作簿”后再导入",
        )
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise NotExcel(
            "文件不是 Excel 工作簿，请在 Excel 中另存为“Excel 工作簿”后再导入",
        ) from exc
    try:
        if len(wb.sheetnames) > MAX_SHEETS:
            raise TooManySheets(
                f"工作表过多（{len(wb.sheetnames)} 个），一次最多导入 {MAX_SHEETS} 个月",
            )
        sheets = [_read_sheet(wb[name], name) for name in wb.sheetnames]
    finally:
        wb.close()
    sheets = [s for s in sheets if s.rows or s.columns or s.problems]
    if not sheets:
        raise EmptyWorkbook("工作簿是空的：没有任何带“地区”表头的数据表")
    return sheets


def _read_sheet(ws: Any, name: str) -> Sheet:
    grid = [
        list(row)
        for row in ws.iter_rows(
            min_row=1, max_row=MAX_ROWS + 10, max_col=MAX_COLUMNS, values_only=True
        )
    ]
    header_row = next(
        (
            i
            for i, row in enumerate(grid[:10])
            if row and _text(row[0]).replace(" ", "") in {h.replace(" ", "") for h in AREA_HEADERS}
        ),
        None,
    )
    if header_row is None:
        sheet = Sheet(name=name, header_row=0)
        if any(_text(v) for row in grid for v in row):
            sheet.problems.append(
                (
                    1,
                    "A",
                    _text(grid[0][0]) if grid and grid[0] else "",
                    "找不到表头：A列应有“地区”表头行",
                )
            )
        return sheet
    sheet = Sheet(name=name, header_row=header_row + 1)
    top = grid[header_row]
    sub = grid[header_row + 1] if header_row + 1 < len(grid) else []
    current = ""
    for index in range(1, len(top)):
        head = _text(top[index])
        if head:
            current = head
        subhead = _text(sub[index]) if index < len(sub) else ""
        if not subhead and not head:
            continue  # outside the table (or the second half of a merged header left blank)
        letter = get_column_letter(index + 1)
        kind = field_of(subhead) if subhead else None
        if kind is None:
            sheet.problems.append(
                (
                    header_row + 2,
                    letter,
                    subhead,
                    "第二行表头应为“累计(单位)”“增长(%)”或“当月(单位)”",
                )
            )
            continue
        sheet.columns.append(
            Column(
                letter,
                index + 1,
                current,
                kind,
                unit_of(subhead) if kind != "growth" else "%",
                subhead,
            )
        )
    for offset, row in enumerate(grid[header_row + 2 :], start=header_row + 3):
        if not row or not any(_text(v) for v in row):
            continue
        area = _text(row[0])
        cells = {
            c.letter: (row[c.index - 1] if c.index - 1 < len(row) else None) for c in sheet.columns
        }
        if not area:
            sheet.problems.append((offset, "A", "", "地区名称为空"))
            continue
        if area.startswith(("注", "说明", "资料来源")):
            continue
        sheet.rows.append((offset, area, cells))
    if len(sheet.rows) > MAX_ROWS:
        sheet.problems.append((sheet.header_row, "A", len(sheet.rows), f"数据行超过 {MAX_ROWS} 行"))
    return sheet


def number(raw: Any) -> tuple[float | None, bool]:
    """(value, ok): a number, a numeric text ("6.9%", "1,234"), or empty ("", "-", "—")."""
    if raw is None:
        return None, True
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, int | float):
        return (float(raw), True) if raw == raw and abs(raw) != float("inf") else (None, False)
    text = str(raw).strip().replace(",", "").replace("，", "").rstrip("%％").strip()
    if text in EMPTY_MARKS:
        return None, True
    try:
        value = float(text)
    except ValueError:
        return None, False
    return (value, True) if value == value and abs(value) != float("inf") else (None, False)
