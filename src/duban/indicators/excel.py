"""The monthly table as an Excel workbook (formula-safe, through ``metrics.excel``)."""

from __future__ import annotations

from typing import Any

from duban.metrics.excel import DECIMAL, INTEGER, Column, tables_workbook

from .calc import cumulative_label
from .selectors import Cell, Table


def change_text(cell: Cell) -> str:
    if cell.rank is None:
        return "—"
    if cell.rank_change is None:
        return "—" if cell.previous_rank is None else "持平"
    if cell.rank_change > 0:
        return f"↑{cell.rank_change}"
    if cell.rank_change < 0:
        return f"↓{-cell.rank_change}"
    return "持平"


def _columns(table: Table) -> list[Column]:
    columns: list[Column] = [("地区", 18, None, lambda line: line[0].area.name)]
    for j, ind in enumerate(table.indicators):

        def get(field: str, j: int = j) -> Any:
            return lambda line: getattr(line[j], field)

        if ind.reported != "growth":
            columns.append((f"{ind.name}累计({ind.unit})", 14, "0.00", get("value")))
        columns += [
            (f"{ind.name}增长(%)", 12, DECIMAL, get("growth")),
            (f"{ind.name}名次", 8, INTEGER, get("rank")),
            (f"{ind.name}较上期", 8, None, lambda line, j=j: change_text(line[j])),
            (f"{ind.name}比全市(百分点)", 12, DECIMAL, get("gap")),
        ]
    return columns


def table_xlsx(table: Table) -> bytes:
    title = f"{table.group.name}{cumulative_label(table.shown, with_year=False)}"
    return tables_workbook(
        [(title[:31], _columns(table), table.grid)],
        doc_title=f"{cumulative_label(table.shown)} 主要经济指标 {table.group.name}",
    )
