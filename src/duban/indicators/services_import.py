"""The monthly workbook's import: every rule checked before anything is written.

``import_check`` reads the workbook and returns a report of cell-level issues (errors that
stop the import, warnings such as an outlying growth rate that do not); ``import_commit``
runs the same check and, only when it found no error, writes one draft release per month
in one transaction. The page shows the report first and commits a staged copy of the file
(``stage``/``staged``): what is committed is exactly what was checked.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from duban.core.errors import PermissionDenied
from duban.org.models import User
from duban.org.roles import STATS_ROLES
from duban.org.services import audit_log

from .calc import cumulative_label, parse_sheet_period
from .errors import ImportInvalid, StagedImportMissing
from .models import Area, Indicator, Release, ReleaseStatus, Value
from .workbook import Sheet, number, read_workbook

STAGED_FOR_SECONDS = 24 * 3600  # a checked file waits this long for its commit
MIN_HISTORY = 4  # growth rates needed before one is judged an outlier
MIN_SPREAD = 2.0  # points: the spread assumed when the history is nearly flat


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int
    column: str
    value: Any
    message: str
    level: str = "error"  # "error" stops the import; "warning" is shown and kept

    def __str__(self) -> str:
        shown = "" if self.value in (None, "") else f"（{self.value}）"
        return f"工作表“{self.sheet}”第{self.row}行{self.column}列{shown}：{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": "" if self.value is None else str(self.value),
            "message": self.message,
            "level": self.level,
            "text": str(self),
        }


@dataclass
class MonthData:
    period: str
    sheet: str
    # (area id, indicator id) → {"value", "growth", "month_value", "outlier"}
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    correction: bool = False


@dataclass
class Report:
    filename: str
    months: list[MonthData] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def cell_count(self) -> int:
        return sum(len(m.cells) for m in self.months)

    def summary(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "ok": self.ok,
            "periods": [m.period for m in self.months],
            "values": self.cell_count,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.as_dict() for i in self.issues],
        }


def _require_stats(actor: User, district: int) -> None:
    if not actor.has_role(STATS_ROLES) or actor.district_pk != district:
        raise PermissionDenied("只有本区统计局可以导入、审核和发布经济指标数据")


def _lookup(rows: list[Any]) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for row in rows:
        for name in (row.name, row.code, *(row.aliases or [])):
            names[str(name).replace(" ", "")] = row
    return names


def import_check(*, district: int, data: bytes, filename: str = "") -> Report:
    """Read and check a workbook (no write). Raises for a file that is not a usable workbook."""
    sheets = read_workbook(data, filename=filename)
    report = Report(filename=filename)
    areas = _lookup(list(Area.objects.filter(district_id=district)))
    indicators = _lookup(list(Indicator.objects.filter(district_id=district, active=True)))
    seen_periods: dict[str, str] = {}
    for sheet in sheets:
        month = _check_sheet(sheet, report, areas, indicators)
        if month is None:
            continue
        if month.period in seen_periods:
            report.issues.append(
                Issue(
                    sheet.name,
                    1,
                    "A",
                    sheet.name,
                    f"与工作表“{seen_periods[month.period]}”是同一个月",
                )
            )
            continue
        seen_periods[month.period] = sheet.name
        report.months.append(month)
    report.months.sort(key=lambda m: m.period)
    if report.months:
        _check_releases(report, district)
        _check_history(report, district, {i.pk: i for i in indicators.values()})
    return report


def _check_sheet(
    sheet: Sheet, report: Report, areas: dict[str, Area], indicators: dict[str, Indicator]
) -> MonthData | None:
    issues = report.issues
    for row, column, value, message in sheet.problems:
        issues.append(Issue(sheet.name, row, column, value, message))
    parsed = parse_sheet_period(sheet.name)
    if parsed is None:
        issues.append(
            Issue(
                sheet.name,
                1,
                "A",
                sheet.name,
                "工作表名称应为统计月份，如“2023年1-11月”“2023年1-2月”或“2023-11”",
            )
        )
        return None
    year, month_no, _ranged = parsed
    period = f"{year:04d}-{month_no:02d}"
    month = MonthData(period=period, sheet=sheet.name)
    header = sheet.header_row
    columns: dict[str, tuple[Indicator, str]] = {}
    for col in sheet.columns:
        indicator = indicators.get(col.indicator.replace(" ", ""))
        if indicator is None:
            issues.append(
                Issue(sheet.name, header, col.letter, col.indicator, "指标目录中没有这个指标")
            )
            continue
        if month_no == 1 and indicator.merged_jan_feb:
            issues.append(
                Issue(
                    sheet.name,
                    header,
                    col.letter,
                    col.indicator,
                    "该指标1-2月合并发布，1月不单独报送，请填入“1-2月”表",
                )
            )
            continue
        if col.field != "growth" and col.unit and col.unit != indicator.unit:
            issues.append(
                Issue(sheet.name, header + 1, col.letter, col.header, f"单位应为“{indicator.unit}”")
            )
            continue
        columns[col.letter] = (indicator, col.field)
    seen_areas: dict[int, int] = {}
    for row_no, area_name, cells in sheet.rows:
        area = areas.get(area_name.replace(" ", ""))
        if area is None:
            issues.append(Issue(sheet.name, row_no, "A", area_name, "地区名单中没有这个地区"))
            continue
        if area.pk in seen_areas:
            issues.append(
                Issue(sheet.name, row_no, "A", area_name, f"与第{seen_areas[area.pk]}行重复")
            )
            continue
        seen_areas[area.pk] = row_no
        for letter, raw in cells.items():
            if letter not in columns:
                continue
            indicator, kind = columns[letter]
            value, ok = number(raw)
            if not ok:
                issues.append(Issue(sheet.name, row_no, letter, raw, "不是数字"))
                continue
            if value is None:
                continue
            if kind == "value" and value < 0:
                issues.append(Issue(sheet.name, row_no, letter, raw, "累计值不能为负数"))
                continue
            if kind == "growth" and value <= -100:
                issues.append(Issue(sheet.name, row_no, letter, raw, "增速不能低于 -100%"))
                continue
            slot = month.cells.setdefault(
                (area.pk, indicator.pk),
                {
                    "value": None,
                    "growth": None,
                    "month_value": None,
                    "outlier": False,
                    "_where": {},
                },
            )
            slot[kind] = value
            slot["_where"][kind] = (row_no, letter, raw)
    return month


def _check_releases(report: Report, district: int) -> None:
    """A month already approved cannot be re-imported; a published one is a correction."""
    latest: dict[str, str] = {}
    for period, status in (
        Release.objects.filter(district_id=district, period__in=[m.period for m in report.months])
        .exclude(status=ReleaseStatus.SUPERSEDED)
        .order_by("period", "version")
        .values_list("period", "status")
    ):
        latest[period] = status
    for month in report.months:
        found = latest.get(month.period)
        if found == ReleaseStatus.APPROVED:
            report.issues.append(
                Issue(
                    month.sheet,
                    1,
                    "A",
                    month.sheet,
                    f"{cumulative_label(month.period)}数据已审核，不能再导入；如需修改请先退回审核",
                )
            )
        elif found == ReleaseStatus.PUBLISHED:
            month.correction = True


def _check_history(report: Report, district: int, indicators: dict[int, Indicator]) -> None:
    """Cumulative values never fall within a year; growth far from the area's history is flagged."""
    first = min(m.period for m in report.months)
    start = f"{int(first[:4]) - 3:04d}-01"
    current: dict[str, int] = {}
    for pk, period in (
        Release.objects.filter(district_id=district, period__gte=start)
        .exclude(status=ReleaseStatus.SUPERSEDED)
        .order_by("period", "version")
        .values_list("pk", "period")
    ):
        current[period] = pk  # the latest version of each month
    imported = {m.period for m in report.months}
    history: dict[tuple[int, int], list[tuple[str, float | None, float | None]]] = defaultdict(list)
    for area, indicator, period, value, growth in Value.objects.filter(
        release_id__in=[pk for p, pk in current.items() if p not in imported]
    ).values_list("area_id", "indicator_id", "release__period", "value", "growth"):
        history[(area, indicator)].append((period, value, growth))
    for month in report.months:
        for key, cell in month.cells.items():
            past = sorted(history[key])
            history[key].append((month.period, cell["value"], cell["growth"]))
            where = cell.pop("_where")
            earlier = [p for p in past if p[0] < month.period]
            same_year = [
                (p[0], float(p[1]))
                for p in earlier
                if p[0][:4] == month.period[:4] and p[1] is not None
            ]
            if cell["value"] is not None and same_year and cell["value"] < same_year[-1][1] - 1e-9:
                row, letter, raw = where["value"]
                report.issues.append(
                    Issue(
                        month.sheet,
                        row,
                        letter,
                        raw,
                        f"累计值比{cumulative_label(same_year[-1][0])}的{same_year[-1][1]:g}还小",
                    )
                )
            growths = [p[2] for p in earlier if p[2] is not None]
            if cell["growth"] is not None and len(growths) >= MIN_HISTORY:
                mean = sum(growths) / len(growths)
                spread = max(
                    math.sqrt(sum((g - mean) ** 2 for g in growths) / len(growths)), MIN_SPREAD
                )
                sigma = float(indicators[key[1]].outlier_sigma)
                if abs(cell["growth"] - mean) > sigma * spread:
                    cell["outlier"] = True
                    row, letter, raw = where["growth"]
                    report.issues.append(
                        Issue(
                            month.sheet,
                            row,
                            letter,
                            raw,
                            f"增速偏离该地区历史均值{mean:.1f}%较多（异常值，请核实；不影响导入）",
                            level="warning",
                        )
                    )


@transaction.atomic
def import_commit(
    *, district: int, data: bytes, filename: str, actor: User, now: datetime, reason: str = ""
) -> tuple[Report, list[Release]]:
    """Check, then write one draft release per month (replacing a draft, or correcting a
    published month as a new version that keeps the old one). Nothing is written on error."""
    _require_stats(actor, district)
    report = import_check(district=district, data=data, filename=filename)
    if report.ok and any(m.correction for m in report.months) and not reason.strip():
        report.issues.append(
            Issue(
                next(m.sheet for m in report.months if m.correction),
                1,
                "A",
                "",
                "该月数据已发布，导入即为更正：请填写更正原因",
            )
        )
    if not report.ok:
        raise ImportInvalid(
            f"导入数据有 {len(report.errors)} 处错误，未写入任何数据",
            issues=[i.as_dict() for i in report.issues],
        )
    releases = [_write_month(m, district, filename, actor, now, reason) for m in report.months]
    return report, releases


def _write_month(
    month: MonthData, district: int, filename: str, actor: User, now: datetime, reason: str
) -> Release:
    latest = (
        Release.objects.select_for_update()
        .filter(district_id=district, period=month.period)
        .order_by("-version")
        .first()
    )
    if latest is not None and latest.status == ReleaseStatus.DRAFT:
        release = latest
        release.values.all().delete()
        release.source_name, release.imported_by, release.imported_at = filename[:200], actor, now
        release.save(update_fields=["source_name", "imported_by", "imported_at"])
        message = f"重新导入{cumulative_label(month.period)}数据（待审核）"
    else:
        release = Release.objects.create(
            district_id=district,
            period=month.period,
            version=(latest.version + 1) if latest else 1,
            source_name=filename[:200],
            reason=reason[:500] if latest else "",
            imported_by=actor,
            imported_at=now,
        )
        message = f"导入{cumulative_label(month.period)}数据（第{release.version}版，待审核）"
        if latest is not None:
            message += f"，更正原因：{reason}"
    Value.objects.bulk_create(
        [
            Value(
                release=release,
                area_id=area,
                indicator_id=indicator,
                value=cell["value"],
                growth=cell["growth"],
                month_value=cell["month_value"],
                outlier=cell["outlier"],
            )
            for (area, indicator), cell in month.cells.items()
        ]
    )
    audit_log(actor=actor, obj=release, message=f"{message}，{len(month.cells)} 项", action="add")
    return release


# -- the staged copy between the report and the commit -----------------------------------------


def _staging_dir() -> Path:
    path = Path(settings.VAR_DIR) / "indicator-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stage(*, data: bytes, actor: User) -> str:
    """Keep the checked file for the commit; returns its token (the file is not data yet)."""
    token = secrets.token_hex(16)
    folder = _staging_dir()
    stale = time.time() - STAGED_FOR_SECONDS
    for old in folder.glob("*.xlsx"):  # files checked but never committed
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    (folder / f"{actor.pk}-{token}.xlsx").write_bytes(data)
    return token


def staged(*, token: str, actor: User) -> bytes:
    if not token.isalnum() or len(token) != 32:
        raise StagedImportMissing("待导入的文件已失效，请重新上传")
    path = _staging_dir() / f"{actor.pk}-{token}.xlsx"
    if not path.is_file():
        raise StagedImportMissing("待导入的文件已失效，请重新上传")
    return path.read_bytes()


def unstage(*, token: str, actor: User) -> None:
    if token.isalnum():
        (_staging_dir() / f"{actor.pk}-{token}.xlsx").unlink(missing_ok=True)
