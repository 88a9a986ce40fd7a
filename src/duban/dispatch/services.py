"""Writes of the dispatch app: catalogue import and edits, the knowledge base (import and
entries), the smart-dispatch settings, the nightly purge of duplicate keys past the window.
The admin calls these; each write by a person is audited (``org.services.audit_log``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from duban.core.errors import InvalidInput
from duban.org.models import Unit, User
from duban.org.services import audit_log, field_labels
from duban.tickets.models import Category, DuplicateKey

from .csvio import read_rows
from .models import DispatchSettings, KnowledgeEntry
from .selectors import KB_HEADERS, dispatch_settings


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


# -- the admin's edits: settings, knowledge entries, the catalogue ---------------------------

_SETTINGS_LIMITS = {
    "auto_threshold": (0.5, 1.0),
    "preselect_threshold": (0.0, 1.0),
    "duplicate_threshold": (0.05, 1.0),
    "duplicate_window_days": (1, 365),
}


def dispatch_settings_refusal(changes: dict[str, Any]) -> tuple[str, str] | None:
    """(field, reason) of the first setting out of its range, or None."""
    for field, (low, high) in _SETTINGS_LIMITS.items():
        value = changes.get(field)
        if value is not None and not low <= value <= high:
            return field, f"{field_labels(DispatchSettings, [field])}应在 {low} 到 {high} 之间"
    return None


@transaction.atomic
def dispatch_settings_update(
    *, actor: User | None, now: datetime, **changes: Any
) -> DispatchSettings:
    """Change the smart-dispatch switches (the one settings row, created if missing)."""
    fields = {f.name for f in DispatchSettings._meta.fields} - {"id"}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise InvalidInput(f"未知设置 / unknown settings: {', '.join(unknown)}")
    refusal = dispatch_settings_refusal(changes)
    if refusal:
        raise InvalidInput(refusal[1], field=refusal[0])
    row = DispatchSettings.objects.select_for_update().first() or DispatchSettings()
    for field, value in changes.items():
        setattr(row, field, value)
    row.save()
    labels = field_labels(DispatchSettings, changes)
    audit_log(actor=actor, obj=row, message=f"修改{labels}" if changes else "保存")
    return row


def knowledge_refusal(*, entry: KnowledgeEntry | None, question: str, answer: str) -> str | None:
    """Why ``entry`` (None: a new one) may not have this question and answer, or None."""
    if not question.strip() or not answer.strip():
        return "问题和答复口径都必须填写"
    same = KnowledgeEntry.objects.filter(question=question.strip())
    if entry is not None:
        same = same.exclude(pk=entry.pk)
    if same.exists():
        return "知识库中已有相同的问题，请直接修改那一条"
    return None


@transaction.atomic
def knowledge_save(
    *,
    entry: KnowledgeEntry | None,
    question: str,
    answer: str,
    category: Category | None = None,
    keywords: str = "",
    valid_until: date | None = None,
    is_active: bool = True,
    actor: User | None,
    now: datetime,
) -> KnowledgeEntry:
    """Create (``entry`` None) or change a knowledge entry; the search index reloads.

    Saving stamps ``updated_at``, which the knowledge search (``knowledge.py``) reads to
    rebuild its index.
    """
    refusal = knowledge_refusal(entry=entry, question=question, answer=answer)
    if refusal:
        raise InvalidInput(refusal, field="question")
    created = entry is None
    entry = entry or KnowledgeEntry()
    entry.question, entry.answer = question.strip(), answer.strip()
    entry.category, entry.keywords = category, keywords.strip()[:300]
    entry.valid_until, entry.is_active, entry.updated_at = valid_until, is_active, now
    entry.save()
    audit_log(
        actor=actor,
        obj=entry,
        message="新增知识库条目" if created else "修改知识库条目",
        action="add" if created else "change",
    )
    return entry


@transaction.atomic
def knowledge_delete(*, entry: KnowledgeEntry, actor: User | None, now: datetime) -> None:
    audit_log(actor=actor, obj=entry, message="删除知识库条目", action="delete")
    entry.delete()


def category_refusal(
    *, category: Category | None, name: str, parent: Category | None
) -> str | None:
    """Why a category may not be named ``name`` under ``parent``, or None."""
    if not name.strip() or "/" in name:
        return "分类名称不能为空，也不能含「/」"
    if parent is not None and parent.level >= 3:
        return "分类目录最多三级"
    if category is not None and parent is not None:
        if parent.pk == category.pk or parent.full_name.startswith(category.full_name + "/"):
            return "不能把分类移到它自己或它的下级之下"
        below = Category.objects.filter(full_name__startswith=category.full_name + "/")
        deepest = max([c.level for c in below.only("level")], default=category.level)
        if parent.level + 1 + deepest - category.level > 3:
            return "移动后分类目录超过三级"
    full_name = f"{parent.full_name}/{name.strip()}" if parent else name.strip()
    same = Category.objects.filter(full_name=full_name)
    if category is not None:
        same = same.exclude(pk=category.pk)
    if same.exists():
        return f"已有分类「{full_name}」"
    return None


@transaction.atomic
def category_save(
    *,
    category: Category | None,
    name: str,
    parent: Category | None,
    default_unit: Unit | None,
    territorial: bool,
    is_active: bool,
    actor: User | None,
    now: datetime,
) -> Category:
    """Add a category, or rename, re-route or retire one.

    A rename rewrites the full name of every category below it; retiring a category
    retires its subcategories too (tickets keep theirs); a new child inherits its
    parent's unit when none is given.
    """
    refusal = category_refusal(category=category, name=name, parent=parent)
    if refusal:
        raise InvalidInput(refusal, field="name")
    name = name.strip()
    full_name = f"{parent.full_name}/{name}" if parent else name
    level = parent.level + 1 if parent else 1
    if category is None:
        category = Category.objects.create(
            name=name,
            parent=parent,
            level=level,
            full_name=full_name,
            default_unit=default_unit or (parent.default_unit if parent else None),
            territorial=territorial,
            is_active=is_active,
        )
        audit_log(actor=actor, obj=category, message="新增分类", action="add")
        return category
    locked = Category.objects.select_for_update().get(pk=category.pk)
    old_full, messages = locked.full_name, []
    if full_name != old_full:
        for child in Category.objects.select_for_update().filter(
            full_name__startswith=old_full + "/"
        ):
            child.full_name = full_name + child.full_name[len(old_full) :]
            child.level = level + child.full_name.count("/") - full_name.count("/")
            child.save(update_fields=["full_name", "level"])
        messages.append(f"名称由「{old_full}」改为「{full_name}」")
    if locked.is_active and not is_active:
        retired = Category.objects.filter(
            full_name__startswith=full_name + "/", is_active=True
        ).update(is_active=False)
        messages.append(f"停用（连同 {retired} 个下级分类）")
    elif is_active and not locked.is_active:
        messages.append("重新启用")
    if (locked.default_unit_id, locked.territorial) != (
        default_unit.pk if default_unit else None,
        territorial,
    ):
        messages.append("修改默认承办单位或属地派单")
    locked.name, locked.parent, locked.level, locked.full_name = name, parent, level, full_name
    locked.default_unit, locked.territorial, locked.is_active = default_unit, territorial, is_active
    locked.save()
    audit_log(actor=actor, obj=locked, message="；".join(messages) or "保存")
    return locked


# -- duplicate keys past the window ------------------------------------------------------------

DEFAULT_DUPLICATE_KEY_DAYS = 90
PURGE_BATCH = 50_000  # rows deleted per transaction: short locks, bounded WAL per commit


def duplicate_key_days() -> int:
    """How long duplicate keys are kept: ``DUBAN["DUPLICATE_KEY_DAYS"]``, and never fewer
    days than the duplicate window (重复件比对天数), so the look-up always finds its window."""
    days = int(getattr(settings, "DUBAN", {}).get("DUPLICATE_KEY_DAYS", DEFAULT_DUPLICATE_KEY_DAYS))
    return max(days, dispatch_settings().duplicate_window_days)


def duplicate_keys_purge(
    *,
    now: datetime,
    days: int | None = None,
    batch: int = PURGE_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Delete the duplicate keys stored more than ``days`` (:func:`duplicate_key_days` by
    default) before ``now``; how many were deleted.

    The look-up (``intake.duplicate_candidates``) reads only the keys of its window, so
    older keys are dead weight: 13 rows a ticket, ≈ 24 % of the bytes of a year of tickets
    (docs/scale.md). Deleted ``batch`` rows per transaction through the ``created_at``
    index, so a first purge of years of keys never holds one long transaction;
    ``progress`` is told the running total after each batch. A ticket keeps its text; only
    its fingerprint for the look-up goes.
    """
    days = duplicate_key_days() if days is None else days
    cutoff = now - timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                DuplicateKey.objects.filter(created_at__lt=cutoff)
                .order_by()
                .values_list("pk", flat=True)[:batch]
            )
            if ids:
                DuplicateKey.objects.filter(pk__any=ids).delete()
        total += len(ids)
        if progress is not None and ids:
            progress(total)
        if len(ids) < batch:
            return total
