"""What duban works out for every new ticket at intake (pure reads, nothing is written).

- dispatch suggestions: top categories/units with calibrated confidences from the
  trained model (when one is installed), and territorial (属地) routing by place name;
- near-duplicates (same matter and place, recent) and repeat callers (same phone);
- knowledge-base answers for consultations.

``DispatchIntelligence`` (``dispatch.intelligence``) hands these to the ticket engine,
which stores them on the ticket and auto-dispatches (``tickets.services.intake``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count

from duban.org.models import Unit
from duban.tickets.models import Category, DuplicateKey, Ticket

from .fingerprint import CANDIDATES, jaccard, shingles
from .models import DispatchSettings
from .routing import place_index
from .selectors import current_model

REPEAT_WINDOW_DAYS = 90


def unit_suggestions(ticket: Ticket, *, k: int = 3) -> list[dict[str, Any]]:
    """Ranked units with confidences: model predictions, territorial where the category says so."""
    out: list[dict[str, Any]] = []
    place = place_index().match(f"{ticket.location} {ticket.title} {ticket.content}")
    model = current_model()
    if model is not None:
        for s in model.suggest(ticket.content, title=ticket.title, k=k):
            out.append(_resolve_label(s.label, float(s.confidence), place))
    elif ticket.category_id:
        category = Category.objects.select_related("default_unit").get(pk=ticket.category_id)
        out.append(_category_entry(category, 1.0, place))
    if place and not any(e.get("unit_id") == place[0].street_id for e in out):
        out.append(
            {
                "source": "place",
                "label": place[0].street_name,
                "unit_id": place[0].street_id,
                "unit_name": place[0].street_name,
                "confidence": None,
                "places": list(place[0].matched),
                "sub_unit_id": place[0].unit_id,
                "sub_unit_name": place[0].unit_name,
            }
        )
    return out


def _resolve_label(label: str, confidence: float, place: list) -> dict[str, Any]:
    unit = Unit.objects.filter(code=label, is_active=True).only("pk", "name").first()
    if unit is not None:  # a model trained on the district's tickets predicts units
        return {
            "source": "model",
            "label": label,
            "unit_id": unit.pk,
            "unit_name": unit.name,
            "confidence": round(confidence, 4),
        }
    category = (
        Category.objects.select_related("default_unit").filter(full_name=label).first()
        or Category.objects.select_related("default_unit").filter(name=label, level=1).first()
    )
    if category is None:
        return {
            "source": "model",
            "label": label,
            "unit_id": None,
            "unit_name": "",
            "confidence": round(confidence, 4),
        }
    return _category_entry(category, confidence, place)


def _category_entry(category: Category, confidence: float, place: list) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "source": "model",
        "label": category.full_name,
        "category_id": category.pk,
        "confidence": round(confidence, 4),
    }
    if category.territorial and place:
        entry.update(
            source="territorial",
            unit_id=place[0].street_id,
            unit_name=place[0].street_name,
            places=list(place[0].matched),
        )
    elif category.default_unit is not None:
        entry.update(unit_id=category.default_unit.pk, unit_name=category.default_unit.name)
    else:
        entry.update(unit_id=None, unit_name="")
    return entry


def duplicate_candidates(
    ticket: Ticket, *, keys: list[int], cfg: DispatchSettings, now: datetime, limit: int = 5
) -> list[dict[str, Any]]:
    """Recent open-or-closed tickets sharing band keys, scored by bigram Jaccard."""
    if not keys:
        return []
    since = now - timedelta(days=cfg.duplicate_window_days)
    ranked = (
        DuplicateKey.objects.filter(key__in=keys, created_at__gte=since)
        .exclude(ticket_id=ticket.pk)
        .values("ticket_id")
        .annotate(shared=Count("id"))
        .order_by("-shared")[:CANDIDATES]
    )
    ids = [row["ticket_id"] for row in ranked]
    if not ids:
        return []
    mine = shingles(f"{ticket.title} {ticket.content}")
    out = []
    others = Ticket.objects.filter(pk__in=ids)
    if ticket.district_id is not None:  # never a candidate from another district
        others = others.filter(district_id=ticket.district_id)
    for other in others.only("pk", "number", "title", "content", "state", "created_at"):
        score = jaccard(mine, shingles(f"{other.title} {other.content}"))
        if score >= cfg.duplicate_threshold:
            out.append(
                {
                    "number": other.number,
                    "title": other.title,
                    "state": other.state,
                    "created_at": other.created_at.isoformat(),
                    "similarity": round(score, 3),
                }
            )
    out.sort(key=lambda d: -d["similarity"])
    return out[:limit]


def repeat_caller(ticket: Ticket, *, now: datetime) -> dict[str, Any] | None:
    """Earlier tickets from the same phone within 90 days."""
    if ticket.caller is None or not ticket.caller.phone:
        return None
    earlier = (
        Ticket.objects.filter(
            caller__phone=ticket.caller.phone,
            created_at__gte=now - timedelta(days=REPEAT_WINDOW_DAYS),
            district_id=ticket.district_id,
        )
        .exclude(pk=ticket.pk)
        .order_by("-created_at")
        .values_list("number", flat=True)
    )
    numbers = list(earlier[:10])
    return {"count": len(numbers), "numbers": numbers} if numbers else None


def knowledge_suggestions(ticket: Ticket, *, now: datetime) -> list[dict[str, Any]]:
    if ticket.appeal_type != "consultation":
        return []
    from .knowledge import knowledge_search

    hits = knowledge_search(f"{ticket.title} {ticket.content[:200]}", today=now.date(), limit=3)
    return [{"id": h.id, "question": h.question, "score": h.score} for h in hits]
