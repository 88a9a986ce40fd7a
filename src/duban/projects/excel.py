"""Excel exports of the ledger and of a contest's ranking (formula-safe, via metrics.excel)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from duban.metrics.excel import DECIMAL, PERCENT, SCORE, table_workbook, tables_workbook

from .models import LagStatus

LEDGER_COLUMNS = (
    ("项目编号", 16, None, lambda p: p.code),
    ("项目名称", 30, None, lambda p: p.name),
    ("项目级别", 14, None, lambda p: "、".join(p.level_labels)),
    ("产业链", 14, None, lambda p: p.chain.name if p.chain_id else ""),
    ("项目性质", 10, None, lambda p: p.get_nature_display()),
    ("业主单位", 24, None, lambda p: p.owner_name),
    ("所在街道", 12, None, lambda p: p.street.name if p.street_id else ""),
    ("责任单位", 12, None, lambda p: p.unit.name),
    ("包联领导", 10, None, lambda p: str(p.lead) if p.lead_id else ""),
    ("项目阶段", 8, None, lambda p: p.get_stage_display()),
    ("总投资(万元)", 14, DECIMAL, lambda p: float(p.total_investment)),
    ("年度计划投资(万元)", 16, DECIMAL, lambda p: float(p.annual_plan)),
    ("本年累计完成(万元)", 16, DECIMAL, lambda p: float(p.completed_this_year)),
    ("年度计划完成率", 14, PERCENT, lambda p: p.completion_rate),
    ("序时进度", 10, PERCENT, lambda p: p.time_elapsed_rate),
    ("进度状态", 10, None, lambda p: str(LagStatus(p.lag_status).label)),
    ("专项债申请(万元)", 14, DECIMAL, lambda p: float(p.bond_applied)),
    ("专项债到位(万元)", 14, DECIMAL, lambda p: float(p.bond_received)),
    ("专项债支出(万元)", 14, DECIMAL, lambda p: float(p.bond_spent)),
    ("入统", 6, None, lambda p: "是" if p.in_stats else "否"),
)


def ledger_workbook(projects: Iterable[Any]) -> bytes:
    return table_workbook(LEDGER_COLUMNS, projects, title="重点项目台账", doc_title="重点项目台账")


def ranking_workbook(name: str, groups: dict[str, list[Any]]) -> bytes:
    columns = (
        ("名次", 8, None, lambda r: r.rank),
        ("参评对象", 30, None, lambda r: r.name),
        ("评委人数", 10, None, lambda r: r.judges),
        ("去掉的最高/最低分", 20, None, lambda r: "、".join(f"{v:.2f}" for v in r.dropped)),
        ("得分", 10, SCORE, lambda r: float(r.score) if r.score is not None else None),
        ("说明", 40, None, lambda r: r.tie_note),
    )
    return tables_workbook(
        [(group[:30] or "全部", columns, rows) for group, rows in groups.items()], doc_title=name
    )
