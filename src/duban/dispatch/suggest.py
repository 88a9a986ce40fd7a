"""Suggestions for a draft appeal, while the operator is still typing (nothing is written).

The same helpers that analyse a registered ticket (``dispatch.intake``) run here on an
unsaved ``Ticket`` built from the draft: unit suggestions (model or territorial
routing), near-duplicates among recent tickets, the caller's earlier tickets and
knowledge-base answers (with the answer text, so the operator can copy it). Duplicates
include the typed phone's open tickets, so a caller ringing again shows their earlier
matter as soon as the phone is typed, however they word it this time.

Queries are bounded whatever the data: units (place index) 1, category 1, model labels
≤ 2 per suggestion, settings 1, duplicates 2 (+1 with a phone), caller history 1,
knowledge 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from duban.tickets.models import Ticket, phone_q

from .fingerprint import band_keys
from .intake import (
    REPEAT_WINDOW_DAYS,
    duplicate_candidates,
    preselected,
    preselected_category,
    unit_suggestions,
)
from .knowledge import knowledge_search
from .selectors import dispatch_settings

MIN_TEXT = 4  # characters of title + content before suggestions are worth computing
KNOWLEDGE_TYPES = frozenset({"consultation"})


@dataclass(frozen=True)
class CallerTicket:
    number: str
    title: str
    state: str
    created_at: datetime
    # The ticket and its caller: the 重复来电 panel's read is audited (tickets.services.privacy).
    pk: int
    caller_id: int | None


@dataclass
class DraftSuggestions:
    units: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    knowledge: list[dict[str, Any]] = field(default_factory=list)
    # What the form may preselect (confident enough, ``DispatchSettings.preselect_threshold``).
    preselect_unit_id: int | None = None
    preselect_category_id: int | None = None
    preselect_threshold: float = 0.0

    @property
    def empty(self) -> bool:
        return not (self.units or self.duplicates or self.knowledge)


def _draft(
    *,
    title: str,
    content: str,
    location: str,
    appeal_type: str,
    district_id: int | None,
    category_id: int | None,
) -> Ticket:
    return Ticket(
        district_id=district_id,
        title=(title or "").strip()[:200],
        content=(content or "").strip()[:5000],
        location=(location or "").strip()[:200],
        appeal_type=appeal_type or "",
        category_id=category_id,
    )


def draft_suggestions(
    *,
    title: str,
    content: str,
    location: str = "",
    appeal_type: str = "",
    phone: str = "",
    category_id: int | None = None,
    now: datetime,
    district_id: int | None,
    knowledge_limit: int = 3,
) -> DraftSuggestions:
    """Units, duplicates (of ``district_id``) and knowledge answers for a draft.

    ``phone`` must already be normalised; ``category_id`` is the category the operator
    chose (an unknown id is ignored). Empty for too little text and no phone or place.
    """
    draft = _draft(
        title=title,
        content=content,
        location=location,
        appeal_type=appeal_type,
        district_id=district_id,
        category_id=category_id,
    )
    text = f"{draft.title}{draft.content}"
    if len(text) < MIN_TEXT and not draft.location and not phone:
        return DraftSuggestions()
    cfg = dispatch_settings()
    units = unit_suggestions(draft) if len(text) >= MIN_TEXT or draft.location else []
    top = preselected(units, threshold=cfg.preselect_threshold)
    out = DraftSuggestions(
        units=units,
        preselect_unit_id=top["unit_id"] if top else None,
        preselect_category_id=preselected_category(units, threshold=cfg.preselect_threshold),
        preselect_threshold=cfg.preselect_threshold,
    )
    keys = [k for _, k in band_keys(draft.title, draft.content)] if len(text) >= MIN_TEXT else []
    out.duplicates = duplicate_candidates(draft, keys=keys, cfg=cfg, now=now, phone=phone)
    if draft.appeal_type in KNOWLEDGE_TYPES and len(text) >= MIN_TEXT:
        hits = knowledge_search(
            f"{draft.title} {draft.content[:200]}", today=now.date(), limit=knowledge_limit
        )
        out.knowledge = [
            {
                "id": h.id,
                "question": h.question,
                "answer": h.answer,
                "category": h.category,
                "score": h.score,
            }
            for h in hits
        ]
    return out


def caller_history(
    *, phone: str, now: datetime, district_id: int | None, limit: int = 10
) -> list[CallerTicket]:
    """Earlier tickets of this phone in the district within the repeat window (one query).

    ``phone`` must already be normalised (``tickets.services.intake.normalise_phone``).
    """
    if not phone:
        return []
    rows = (
        Ticket.objects.filter(
            phone_q(phone),
            created_at__gte=now - timedelta(days=REPEAT_WINDOW_DAYS),
            district_id=district_id,
        )
        .order_by("-created_at")
        .values_list("number", "title", "state", "created_at", "pk", "caller_id")[:limit]
    )
    return [CallerTicket(*row) for row in rows]
