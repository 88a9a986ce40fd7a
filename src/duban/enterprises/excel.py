"""The ledger's Excel: reading an import sheet into rows, writing the export (formula-safe,
through ``metrics.excel``)."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from duban.core.errors import InvalidInput
from duban.metrics.excel import table_workbook

from .models import Enterprise

IMPORT_COLUMNS = (
    "企业名称",
    "统一社会信用代码",
    "产业链",
    "园区",
    "街道/镇",
    "企业规模",
    "规上企业",
    "专精特新",
    "高新技术企业",
    "科技型中小企业",
    "联系人",
    "联系人手机",
    "首席服务员账号",
)
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The sheet's rows as (row number, {column: text}); the first row names the columns."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("文件不能超过 10MB", field="file")
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput("无法读取该文件，请上传 .xlsx 格式的 Excel 表格", field="file") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, ())]
    if "企业名称" not in header or "统一社会信用代码" not in header:
        raise InvalidInput("表头须包含“企业名称”和“统一社会信用代码”列", field="file")
    out: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows, start=2):
        if all(v in (None, "") for v in values):
            continue
        if len(out) >= MAX_ROWS:
            raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行", field="file")
        out.append(
            (
                number,
                {
                    h: "" if v is None else str(v).strip()
                    for h, v in zip(header, values, strict=False)
                    if h
                },
            )
        )
    return out


def _yes(value: bool) -> str:
    return "是" if value else ""


def _contact(e: Enterprise, masked: Any) -> tuple[str, str]:
    c = masked(e)
    return c["name"], c["phone"]


def export_workbook(rows: Iterable[Enterprise], *, contact: Any) -> bytes:
    """The ledger as Excel; every text cell is text (never a formula)."""
    columns = [
        ("企业名称", 36, None, lambda e: e.name),
        ("统一社会信用代码", 22, None, lambda e: e.credit_code),
        ("产业链", 16, None, lambda e: e.chain.name if e.chain else ""),
        ("园区", 18, None, lambda e: e.park.name if e.park else ""),
        ("街道/镇", 12, None, lambda e: e.street.name if e.street else ""),
        ("企业规模", 8, None, lambda e: e.get_size_display()),
        ("规上企业", 8, None, lambda e: _yes(e.above_scale)),
        ("专精特新", 8, None, lambda e: _yes(e.specialized)),
        ("高新技术企业", 10, None, lambda e: _yes(e.high_tech)),
        ("科技型中小企业", 12, None, lambda e: _yes(e.tech_sme)),
        ("联系人", 10, None, lambda e: contact(e)["name"]),
        ("联系人手机", 14, None, lambda e: contact(e)["phone"]),
        ("首席服务员", 12, None, lambda e: e.officer.full_name if e.officer else ""),
        ("服务组", 14, None, lambda e: e.group.name if e.group else ""),
        (
            "最近走访",
            12,
            None,
            lambda e: e.last_visited_on.isoformat() if e.last_visited_on else "",
        ),
    ]
    return table_workbook(columns, rows, title="企业台账", doc_title="企业台账")
