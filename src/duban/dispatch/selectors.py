"""Reads of the dispatch app: settings, the installed model, training pairs from tickets,
hot-spot records and the knowledge-base export."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from django.conf import settings

from .models import DispatchSettings, KnowledgeEntry

log = logging.getLogger("duban.dispatch")
MODEL_FILE = "dispatch.model"
_model_cache: dict[str, Any] = {}
# The knowledge-base workbook's columns (export here, import in services).
KB_HEADERS = ["问题", "答复口径", "分类", "关键词", "有效期至"]


def dispatch_settings() -> DispatchSettings:
    """The settings row (created by the migrations); without one, the defaults (unsaved)."""
    return DispatchSettings.objects.first() or DispatchSettings()


def model_path() -> Path:
    return Path(str(settings.DUBAN["MODEL_DIR"])) / MODEL_FILE


def current_model() -> Any | None:
    """The installed dispatch model, reloaded when its file changes; None when absent or unreadable."""
    from .classifier import ModelFileError, load_model

    path = model_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _model_cache.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        model = load_model(path)
    except ModelFileError as exc:
        log.error("dispatch model not used: %s", exc)
        model = None
    _model_cache[str(path)] = (stamp, model)
    return model


def ticket_training_pairs(*, limit: int | None = None) -> tuple[list[str], list[str]]:
    """(text, unit code) of closed tickets: the unit that finally handled each is the label.

    Returned and invalid tickets are skipped; the newest tickets come first when limited.
    """
    from duban.tickets.models import Ticket

    rows = (
        Ticket.objects.filter(state="closed", primary_unit__isnull=False)
        .order_by("-closed_at")
        .values_list("title", "content", "primary_unit__code")
    )
    if limit:
        rows = rows[:limit]
    from .text import join_title_text

    texts, labels = [], []
    for title, content, code in rows.iterator(chunk_size=5000):
        texts.append(join_title_text(title, content))
        labels.append(code)
    return texts, labels


HOTSPOT_MAX_TICKETS = 20000


def hotspot_records(
    *, user: Any, since: Any, until: Any, limit: int = HOTSPOT_MAX_TICKETS
) -> list[Any]:
    """Tickets visible to ``user`` registered in [since, until] as hot-spot records.

    The caller's phone stands for the user (distinct callers = support); merged
    duplicates count as likes. At most ``limit`` newest tickets are read.
    """
    from django.db.models import Count

    from duban.tickets.models import Ticket

    from .duplicates import Record

    rows = (
        Ticket.objects.visible_to(user)
        .filter(created_at__gte=since, created_at__lte=until)
        .exclude(state__in=["invalid", "merged"])
        .annotate(support=Count("duplicates"))
        .order_by("-created_at")
        .values_list("number", "title", "content", "caller__phone_hash", "created_at", "support")[
            :limit
        ]
    )
    return [
        Record(
            id=number,
            title=title,
            text=content,
            user=phone or number,
            created_at=created,
            likes=support,
        )
        for number, title, content, phone, created, support in rows
    ]


def knowledge_export() -> bytes:
    from openpyxl import Workbook

    from duban.core.sheets import mark_text, safe_row

    wb = Workbook()
    ws = wb.create_sheet("知识库", 0)
    wb.remove(wb.worksheets[1])
    ws.append(KB_HEADERS)
    for e in (
        KnowledgeEntry.objects.select_related("category").filter(is_active=True).order_by("pk")
    ):
        ws.append(
            safe_row(
                [
                    e.question,
                    e.answer,
                    e.category.full_name if e.category else "",
                    e.keywords,
                    e.valid_until,
                ]
            )
        )
        mark_text(ws[ws.max_row])  # a question starting with "=", "+", "-", "@" stays text
    for column, width in zip("ABCDE", (40, 80, 30, 30, 14), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
