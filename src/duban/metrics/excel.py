"""Excel exports of figures and rankings (openpyxl, in memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from duban.core.sheets import mark_text, safe_row, safe_value

from .figures import Figures, Ranking, RankingEntry

PERCENT = "0.0%"
DECIMAL = "0.0"
SCORE = "0.00"
INTEGER = "0"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")


# (header, width, number format, value of a Figures)
Column = tuple[str, int, str | None, Callable[[Any], Any]]

FIGURE_COLUMNS: tuple[Column, ...] = (
    ("派单量", 10, INTEGER, lambda f: f.dispatched),
    ("响应率", 10, PERCENT, lambda f: f.response_rate),
    ("解决率", 10, PERCENT, lambda f: f.resolution_rate),
    ("满意率", 10, PERCENT, lambda f: f.satisfaction_rate),
    ("按期办结率", 12, PERCENT, lambda f: f.on_time_rate),
    ("退单率", 10, PERCENT, lambda f: f.return_rate),
    ("重办率", 10, PERCENT, lambda f: f.reopen_rate),
    ("超期件数", 10, INTEGER, lambda f: f.overdue_count),
    ("平均办理时长(小时)", 20, DECIMAL, lambda f: f.mean_handling_hours),
    ("综合得分", 10, SCORE, lambda f: f.composite),
    ("核减件数", 10, INTEGER, lambda f: f.exempted),  # taken out of every count above
)


def _label_header(figures: Sequence[Figures]) -> str:
    kinds = {type(f).__name__ for f in figures}
    if kinds == {"CategoryFigures"}:
        return "分类"
    if kinds == {"MonthFigures"}:
        return "月份"
    if kinds == {"Figures"}:
        return "范围"
    return "单位"


def _write_sheet(
    ws: Worksheet, columns: Sequence[Column], rows: Iterable[Any], *, title: str
) -> None:
    ws.title = title
    ws.append([header for header, *_ in columns])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for item in rows:
        ws.append(safe_row(value(item) for *_, value in columns))
        mark_text(ws[ws.max_row])  # a name starting with "=", "+", "-", "@": text
    for index, (_, width, number_format, _) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        if number_format is None:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    ws.freeze_panes = "A2"


def _first_sheet(wb: Workbook) -> Worksheet:
    ws = wb.active
    assert isinstance(ws, Worksheet)
    return ws


def _to_bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _safe(ws: Any, value: Any) -> Any:
    return safe_value(ws, value)


def _stream_sheet(
    wb: Workbook, columns: Sequence[Column], rows: Iterable[Any], *, title: str
) -> None:
    """One write-only sheet: a styled header row, then a row per item as it comes."""
    ws = wb.create_sheet(title=title)
    for index, (_, width, _, _) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = []
    for name, *_ in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    ws.append(header)
    for item in rows:
        values: list[Any] = []
        for _, _, number_format, value in columns:
            v = _safe(ws, value(item))
            if number_format is not None and v is not None:
                v = WriteOnlyCell(ws, value=v)
                v.number_format = number_format
            values.append(v)
        ws.append(values)


Sheet = tuple[str, Sequence[Column], Iterable[Any]]  # (title, columns, rows)


def tables_workbook(sheets: Iterable[Sheet], *, doc_title: str = "") -> bytes:
    """A workbook of several streamed sheets (see :func:`table_workbook`)."""
    wb = Workbook(write_only=True)
    if doc_title:
        wb.properties.title = doc_title
    for title, columns, rows in sheets:
        _stream_sheet(wb, columns, rows, title=title)
    return _to_bytes(wb)


def table_workbook(
    columns: Sequence[Column], rows: Iterable[Any], *, title: str, doc_title: str = ""
) -> bytes:
    """One sheet ``title`` with a styled header row and a column per ``Column``.

    Streams rows (openpyxl's write-only mode), so long exports (thousands of
    tickets) take a fraction of the time and memory of a regular workbook. Strings
    are written as text, never as formulas (``core.sheets``).
    """
    return tables_workbook([(title, columns, rows)], doc_title=doc_title)


def figures_workbook(figures: Sequence[Figures], *, title: str = "考核数据") -> bytes:
    """One sheet, one row per record (unit, category, month or the district)."""
    wb = Workbook()
    label: Column = (_label_header(figures), 24, None, lambda f: f.label or "全区")
    _write_sheet(_first_sheet(wb), (label, *FIGURE_COLUMNS), figures, title=title)
    return _to_bytes(wb)


def rank_change_text(entry: RankingEntry) -> str:
    """较上月: ↑2 / ↓1 / 持平 / 新上榜 (not ranked last month) / — (not ranked)."""
    if entry.rank is None:
        return "—"
    if entry.rank_change is None:
        return "新上榜"
    if entry.rank_change > 0:
        return f"↑{entry.rank_change}"
    if entry.rank_change < 0:
        return f"↓{-entry.rank_change}"
    return "持平"


RANKING_COLUMNS: tuple[Column, ...] = (
    ("排名", 8, INTEGER, lambda e: e.rank),
    ("单位", 24, None, lambda e: e.figures.unit_name),
    *(
        (header, width, fmt, (lambda e, get=get: get(e.figures)))
        for header, width, fmt, get in FIGURE_COLUMNS
    ),
    ("上月排名", 10, INTEGER, lambda e: e.previous_rank),
    ("较上月", 10, None, rank_change_text),
    ("得分较上月", 12, SCORE, lambda e: e.composite_change),
)

NOT_RANKED_REASONS = {"min_volume": "派单量不足", "no_rates": "无可计算指标"}


def ranking_workbook(ranking: Ranking) -> bytes:
    """Sheets 排名 (all ranked units), 飞虎榜, 蜗牛榜 and 未参与排名."""
    wb = Workbook()
    wb.properties.title = f"{ranking.period} 考核排名"
    _write_sheet(_first_sheet(wb), RANKING_COLUMNS, ranking.ranked, title="排名")
    _write_sheet(wb.create_sheet(), RANKING_COLUMNS, ranking.top, title="飞虎榜")
    _write_sheet(wb.create_sheet(), RANKING_COLUMNS, ranking.bottom, title="蜗牛榜")
    not_ranked: tuple[Column, ...] = (
        ("单位", 24, None, lambda e: e.figures.unit_name),
        *RANKING_COLUMNS[2:-3],
        ("原因", 16, None, lambda e: NOT_RANKED_REASONS.get(e.not_ranked_reason or "", "")),
    )
    _write_sheet(wb.create_sheet(), not_ranked, ranking.not_ranked, title="未参与排名")
    return _to_bytes(wb)
