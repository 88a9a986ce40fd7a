"""A checklist as an Excel sheet: export (formula-safe, through ``metrics.excel``) and import
(every row validated, row-level Chinese errors, nothing written on any error)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from duban.metrics.excel import table_workbook

from .errors import ChecklistInvalid
from .models import SiteType, Standard
from .services import StandardRow

HEADERS = (
    "板块编号",
    "板块名称",
    "内容编号",
    "内容名称",
    "标准编号",
    "测评标准",
    "适用点位类型",
    "分值",
    "须附照片",
    "每个问题扣分",
    "未按期整改加扣",
    "重复问题加扣",
    "上级督查发现加扣",
)
TYPE_BY_LABEL = {str(label): value for value, label in SiteType.choices}
LABEL_BY_TYPE = {value: str(label) for value, label in SiteType.choices}
MAX_ROWS = 2000


def checklist_workbook(standards: Any) -> bytes:
    def col(name: str, width: int, getter: Any) -> tuple[str, int, None, Any]:
        return (name, width, None, getter)

    columns = [
        col("板块编号", 10, lambda s: s.item.board.code),
        col("板块名称", 18, lambda s: s.item.board.name),
        col("内容编号", 10, lambda s: s.item.code),
        col("内容名称", 24, lambda s: s.item.name),
        col("标准编号", 10, lambda s: s.code),
        col("测评标准", 50, lambda s: s.text),
        col("适用点位类型", 30, lambda s: "、".join(LABEL_BY_TYPE.get(t, t) for t in s.site_types)),
        col("分值", 8, lambda s: float(s.score)),
        col("须附照片", 8, lambda s: "是" if s.photo_required else "否"),
        col("每个问题扣分", 10, lambda s: float(s.deduct_finding)),
        col("未按期整改加扣", 10, lambda s: float(s.deduct_overdue)),
        col("重复问题加扣", 10, lambda s: float(s.deduct_repeat)),
        col("上级督查发现加扣", 10, lambda s: float(s.deduct_higher)),
    ]
    return table_workbook(columns, standards, title="测评体系", doc_title="测评体系")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _amount(value: Any, default: Decimal, where: str, label: str, errors: list[str]) -> Decimal:
    if value is None or _text(value) == "":
        return default
    try:
        amount = Decimal(_text(value))
    except InvalidOperation:
        errors.append(f"{where}：「{label}」不是数字")
        return default
    if not amount.is_finite():
        errors.append(f"{where}：「{label}」不是数字")
        return default
    return amount.quantize(Decimal("0.01"))


def read_checklist(content: bytes) -> list[StandardRow]:
    """The sheet's rows, or ``ChecklistInvalid`` listing every problem by row."""
    try:
        wb = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ChecklistInvalid("无法读取文件，请上传 Excel（.xlsx）/ not an xlsx file") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = tuple(_text(v) for v in next(rows, ()) or ())
    missing = [h for h in HEADERS[:6] if h not in header]
    if missing:
        raise ChecklistInvalid(f"表头缺少：{'、'.join(missing)} / missing columns", errors=missing)
    index = {h: header.index(h) for h in HEADERS if h in header}
    errors: list[str] = []
    result: list[StandardRow] = []
    for line, values in enumerate(rows, start=2):
        if line > MAX_ROWS + 1:
            errors.append(f"最多 {MAX_ROWS} 行")
            break
        cell = {h: (values[i] if i < len(values) else None) for h, i in index.items()}
        if all(_text(v) == "" for v in cell.values()):
            continue
        where = f"第 {line} 行"
        types = []
        for label in (
            _text(cell.get("适用点位类型")).replace(",", "、").replace("，", "、").split("、")
        ):
            label = label.strip()
            if label:
                types.append(TYPE_BY_LABEL.get(label, label))
        default = Standard()
        result.append(
            StandardRow(
                board_code=_text(cell["板块编号"]),
                board_name=_text(cell["板块名称"]),
                item_code=_text(cell["内容编号"]),
                item_name=_text(cell["内容名称"]),
                code=_text(cell["标准编号"]),
                text=_text(cell["测评标准"]),
                site_types=tuple(types),
                score=_amount(cell.get("分值"), Decimal("1"), where, "分值", errors),
                photo_required=_text(cell.get("须附照片")) not in ("否", "0", "false", "no"),
                deduct_finding=_amount(
                    cell.get("每个问题扣分"), default.deduct_finding, where, "每个问题扣分", errors
                ),
                deduct_overdue=_amount(
                    cell.get("未按期整改加扣"),
                    default.deduct_overdue,
                    where,
                    "未按期整改加扣",
                    errors,
                ),
                deduct_repeat=_amount(
                    cell.get("重复问题加扣"), default.deduct_repeat, where, "重复问题加扣", errors
                ),
                deduct_higher=_amount(
                    cell.get("上级督查发现加扣"),
                    default.deduct_higher,
                    where,
                    "上级督查发现加扣",
                    errors,
                ),
                line=line,
            )
        )
    if errors:
        raise ChecklistInvalid(
            "测评体系表格有误，未导入任何内容：" + "；".join(errors[:20]), errors=errors
        )
    return result
