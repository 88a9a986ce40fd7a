"""Writes of the dispatch app: catalogue import, knowledge-base import."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.db import transaction

from duban.core.errors import InvalidInput
from duban.org.models import Unit
from duban.tickets.models import Category

from .csvio import read_rows
from .models import KnowledgeEntry
from .selectors import KB_HEADERS


@dataclass(frozen=True)
class ImportResult:
    created: int
    existing: int


@transaction.atomic
def catalogue_import(
    *,
    path: str | Path,
    default_units: dict[str, str] | None = None,
    territorial: set[str] | None = None,
) -> ImportResult:
    """Import a three-level catalogue from a CSV with columns level1, level2, level3.

    ``default_units`` maps a category name (any level) to a unit code; a child without
    its own mapping inherits its parent's unit. ``territorial`` names categories routed
    by place. Re-importing is harmless: existing categories are kept.
    """
    rows = read_rows(path, required=["level1"], optional=["level2", "level3"])
    units = {u.code: u for u in Unit.objects.filter(code__in=set((default_units or {}).values()))}
    unknown = set((default_units or {}).values()) - set(units)
    if unknown:
        raise InvalidInput(
            f"未知单位编码 / unknown unit codes: {', '.join(sorted(unknown))}",
            field="default_units",
        )
    existing = {c.full_name: c for c in Category.objects.all()}
    created = kept = 0
    for row in rows:
        parent: Category | None = None
        parts = [row[k].strip() for k in ("level1", "level2", "level3") if row.get(k, "").strip()]
        for level, name in enumerate(parts, start=1):
            full_name = "/".join(parts[:level])
            if len(full_name) > 320 or len(name) > 100:
                raise InvalidInput(
                    f"分类名称过长 / category name too long: {full_name[:50]}…", field="csv"
                )
            category = existing.get(full_name)
            if category is None:
                code = (default_units or {}).get(name)
                category = Category.objects.create(
                    name=name,
                    parent=parent,
                    level=level,
                    full_name=full_name,
                    default_unit=units[code] if code else (parent.default_unit if parent else None),
                    territorial=name in (territorial or set())
                    or bool(parent and parent.territorial),
                )
                existing[full_name] = category
                created += 1
            elif level == len(parts):
                kept += 1
            parent = category
    return ImportResult(created=created, existing=kept)


@transaction.atomic
def knowledge_import(*, data: bytes, now: datetime) -> ImportResult:
    """Import entries from an Excel file laid out like ``selectors.knowledge_export``.

    Rows are matched by question: an existing question gets the new answer. Any bad
    row rejects the whole file (nothing is half-imported) with the row number.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-Excel file
        raise InvalidInput("无法读取 Excel 文件 / not a readable .xlsx file", field="file") from exc
    rows = list(wb.worksheets[0].iter_rows(values_only=True)) if wb.worksheets else []
    if not rows or [str(c or "").strip() for c in rows[0][:2]] != KB_HEADERS[:2]:
        raise InvalidInput(
            f"表头应为 {'、'.join(KB_HEADERS)} / header must be {KB_HEADERS}", field="file"
        )
    categories = {c.full_name: c for c in Category.objects.all()}
    created = updated = 0
    for number, row in enumerate(rows[1:], start=2):
        cells = [*row, *[None] * 5][:5]
        question, answer = (str(cells[0] or "").strip(), str(cells[1] or "").strip())
        if not question and not answer:
            continue
        if not question or not answer or len(question) > 300:
            raise InvalidInput(
                f"第 {number} 行：问题和答复口径必填，问题不超过300字 / row {number}: question and answer required",
                field="file",
            )
        category = categories.get(str(cells[2] or "").strip()) if cells[2] else None
        if cells[2] and category is None:
            raise InvalidInput(
                f"第 {number} 行：未知分类 {cells[2]} / row {number}: unknown category",
                field="file",
            )
        valid_until = _cell_date(cells[4], number)
        _, was_created = KnowledgeEntry.objects.update_or_create(
            question=question,
            defaults={
                "answer": answer,
                "category": category,
                "keywords": str(cells[3] or "").strip()[:300],
                "valid_until": valid_until,
                "updated_at": now,
                "is_active": True,
            },
        )
        created += was_created
        updated += not was_created
    return ImportResult(created=created, existing=updated)


def _cell_date(value: object, row: int) -> date | None:
    """A spreadsheet cell as a date: Excel dates, datetimes or YYYY-MM-DD text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidInput(
            f"第 {row} 行：有效期格式应为 YYYY-MM-DD / row {row}: bad date", field="file"
        ) from exc
