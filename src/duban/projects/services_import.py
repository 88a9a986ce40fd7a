"""Import of the office's project list (重点项目台账, .xlsx).

Every row is checked before anything is written; each problem is reported with its row,
column and a Chinese message. By default one bad row rejects the whole file
(``import_rejected``, nothing written); ``good_rows_only=True`` is the explicit choice to
import the good rows and report the others.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Any

from django.db import transaction
from openpyxl import load_workbook

from duban.enterprises.models import Enterprise, IndustryChain
from duban.org.models import Unit, UnitKind, User
from duban.org.roles import Role

from .errors import DuplicateCode, ImportRejected, InvalidProject
from .models import Level, Nature, Project, Stage
from .services import project_create, require_manager

# Column header → field. The first sheet's first row must hold every required header.
COLUMNS: dict[str, str] = {
    "项目编号": "code",
    "项目名称": "name",
    "产业链": "chain",
    "项目性质": "nature",
    "项目级别": "levels",
    "业主单位": "owner_name",
    "所在街道": "street",
    "建设地点": "location",
    "责任单位": "unit",
    "包联领导": "lead",
    "填报员": "reporter",
    "总投资(万元)": "total_investment",
    "年度计划投资(万元)": "annual_plan",
    "开工年份": "start_year",
    "竣工年份": "end_year",
    "项目阶段": "stage",
    "专项债申请额度(万元)": "bond_applied",
    "专项债到位额度(万元)": "bond_received",
    "入统": "in_stats",
}
REQUIRED = (
    "项目编号",
    "项目名称",
    "项目性质",
    "项目级别",
    "业主单位",
    "责任单位",
    "总投资(万元)",
    "年度计划投资(万元)",
    "开工年份",
    "竣工年份",
    "项目阶段",
)
MAX_ROWS = 5000


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    created: list[Project] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _by_label(choices: Any) -> dict[str, str]:
    return {str(label): value for value, label in choices.choices}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read(content: bytes) -> tuple[list[str], list[tuple[int, list[Any]]], set[int]]:
    """Headers, data rows (row number, values) and the rows touched by merged cells."""
    if not zipfile.is_zipfile(BytesIO(content)):
        raise ImportRejected(
            "文件不是有效的 Excel(.xlsx) 文件；GBK 编码的 CSV 或 .xls 请在 Excel 中另存为 .xlsx 后再导入 / "
            "not an .xlsx file",
            errors=[{"row": 0, "column": "", "message": "文件格式无法识别"}],
        )
    try:
        wb = load_workbook(BytesIO(content), data_only=True)
    except Exception:  # a damaged or disguised file
        raise ImportRejected(
            "Excel 文件无法读取 / the workbook cannot be read",
            errors=[{"row": 0, "column": "", "message": "文件已损坏或不是台账格式"}],
        ) from None
    ws = wb.worksheets[0]
    merged: set[int] = set()
    for rng in ws.merged_cells.ranges:
        merged.update(range(rng.min_row, rng.max_row + 1))
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ImportRejected("表格为空 / the sheet is empty", errors=[])
    headers = [_cell(v) for v in rows[0]]
    data = [
        (index, list(values))
        for index, values in enumerate(rows[1:], start=2)
        if any(_cell(v) for v in values)
    ]
    if len(data) > MAX_ROWS:
        raise ImportRejected(f"一次最多导入{MAX_ROWS}行 / too many rows", errors=[])
    return headers, data, merged


def _lookups(district: Unit) -> dict[str, dict[str, Any]]:
    units = Unit.objects.in_district(district.pk).filter(is_active=True)
    users = User.objects.filter(unit__path__startswith=district.path, is_active=True)
    people: dict[str, User] = {}
    for user in users:
        people.setdefault(user.username, user)
        if user.full_name:
            people.setdefault(user.full_name, user)
    return {
        "street": {u.name: u for u in units if u.kind == UnitKind.STREET},
        "unit": {u.name: u for u in units},
        "chain": {c.name: c for c in IndustryChain.objects.filter(is_active=True)},
        "owner": {e.name: e for e in Enterprise.objects.filter(district=district)},
        "user": people,
    }


def _parse_row(
    values: dict[str, str], look: dict[str, dict[str, Any]], add: Any
) -> dict[str, Any] | None:
    out: dict[str, Any] = {"code": values.get("code", ""), "name": values.get("name", "")}
    natures, stages, levels = _by_label(Nature), _by_label(Stage), _by_label(Level)
    if not out["code"]:
        add("项目编号", "项目编号不能为空")
    if not out["name"]:
        add("项目名称", "项目名称不能为空")
    out["nature"] = natures.get(values.get("nature", ""))
    if out["nature"] is None:
        add(
            "项目性质",
            f"未知的项目性质“{values.get('nature', '')}”（应为 产业/基础设施/社会民生/商贸）",
        )
    raw_levels = [
        v.strip()
        for v in values.get("levels", "")
        .replace("，", "、")
        .replace(",", "、")
        .replace("/", "、")
        .split("、")
        if v.strip()
    ]
    out["levels"] = [levels.get(v) for v in raw_levels]
    if not raw_levels or None in out["levels"]:
        add(
            "项目级别",
            f"未知的项目级别“{values.get('levels', '')}”（应为 省重点/市重点/区重点，可多选，用顿号分隔）",
        )
    out["stage"] = stages.get(values.get("stage", ""))
    if out["stage"] is None:
        add(
            "项目阶段",
            f"未知的项目阶段“{values.get('stage', '')}”（应为 谋划/签约/落地/开工/在建/投产/达效）",
        )
    for key, header, required in (
        ("total_investment", "总投资(万元)", True),
        ("annual_plan", "年度计划投资(万元)", True),
        ("bond_applied", "专项债申请额度(万元)", False),
        ("bond_received", "专项债到位额度(万元)", False),
    ):
        text = values.get(key, "").replace(",", "")
        if not text:
            if required:
                add(header, f"{header}不能为空")
            continue
        try:
            amount = float(text)
        except ValueError:
            add(header, f"{header}“{text}”不是数字")
            continue
        if amount < 0:
            add(header, f"{header}不能为负数")
        out[key] = text
    for key, header in (("start_year", "开工年份"), ("end_year", "竣工年份")):
        text = values.get(key, "")
        if not text.isdigit() or not 2000 <= int(text) <= 2100:
            add(header, f"{header}“{text}”不是有效年份")
        else:
            out[key] = int(text)
    if "start_year" in out and "end_year" in out and out["start_year"] > out["end_year"]:
        add("竣工年份", "竣工年份早于开工年份")
    for key, header, table in (
        ("street", "所在街道", "street"),
        ("unit", "责任单位", "unit"),
        ("chain", "产业链", "chain"),
    ):
        name = values.get(key, "")
        if not name:
            if key == "unit":
                add(header, "责任单位不能为空")
            continue
        found = look[table].get(name)
        if found is None:
            add(header, f"未知的{header}“{name}”")
        out[key] = found
    for key, header, role in (("lead", "包联领导", Role.LEADER), ("reporter", "填报员", None)):
        name = values.get(key, "")
        if not name:
            continue
        user = look["user"].get(name)
        if user is None:
            add(header, f"未知的用户“{name}”")
        elif role is not None and not user.has_role(role):
            add(header, f"“{name}”不是区领导，不能任包联领导")
        out[key] = user
    out["owner_name"] = values.get("owner_name", "")
    if not out["owner_name"]:
        add("业主单位", "业主单位不能为空")
    out["owner"] = look["owner"].get(out["owner_name"])
    out["location"] = values.get("location", "")[:200]
    out["in_stats"] = values.get("in_stats", "") in {"是", "已入统", "Y", "y", "1"}
    return out


def project_import(
    *,
    actor: User,
    now: datetime,
    content: bytes,
    district: Unit,
    good_rows_only: bool = False,
) -> ImportResult:
    """Validate the whole sheet, then write it in one transaction (or nothing)."""
    require_manager(actor)
    headers, data, merged = _read(content)
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise ImportRejected(
            f"缺少必需的列：{'、'.join(missing)}（列名须与模板一致）/ missing columns",
            errors=[{"row": 1, "column": h, "message": f"缺少列“{h}”"} for h in missing],
        )
    position = {COLUMNS[h]: i for i, h in enumerate(headers) if h in COLUMNS}
    look = _lookups(district)
    existing = set(
        Project.objects.filter(
            code__in=[_cell(v[position["code"]]) for _, v in data if position["code"] < len(v)]
        ).values_list("code", flat=True)
    )
    seen: dict[str, int] = {}
    result = ImportResult()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row_number, raw in data:
        errors: list[RowError] = []

        def add(column: str, message: str, row: int = row_number, bucket: list = errors) -> None:
            bucket.append(RowError(row=row, column=column, message=f"第{row}行：{message}"))

        if row_number in merged:
            add("", "含合并单元格，请取消合并后再导入")
        values = {key: _cell(raw[i]) if i < len(raw) else "" for key, i in position.items()}
        out = _parse_row(values, look, add)
        code = values.get("code", "")
        if code in existing:
            add("项目编号", f"项目编号“{code}”已在台账中")
        elif code in seen:
            add("项目编号", f"项目编号“{code}”与第{seen[code]}行重复")
        elif code:
            seen[code] = row_number
        if errors:
            result.errors.extend(errors)
        else:
            parsed.append((row_number, out or {}))
    if result.errors and not good_rows_only:
        raise ImportRejected(
            f"导入失败：共{len(result.errors)}处错误，未写入任何数据 / the import was rejected",
            errors=[e.as_dict() for e in result.errors],
        )
    with transaction.atomic():
        for row_number, fields in parsed:
            try:
                result.created.append(
                    project_create(
                        actor=actor, now=now, district=district, plan_year=now.year, **fields
                    )
                )
            except (InvalidProject, DuplicateCode) as exc:
                if not good_rows_only:
                    raise ImportRejected(
                        f"第{row_number}行：{exc.message.split(' / ')[0]}",
                        errors=[{"row": row_number, "column": "", "message": exc.message}],
                    ) from None
                result.errors.append(
                    RowError(
                        row=row_number,
                        column="",
                        message=f"第{row_number}行：{exc.message.split(' / ')[0]}",
                    )
                )
    return result


def template_headers() -> list[str]:
    return list(COLUMNS)
