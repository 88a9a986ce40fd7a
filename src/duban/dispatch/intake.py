"""What duban works out for every new ticket at intake.

- dispatch suggestions: top categories/units with calibrated confidences from the
  trained model (when one is installed), and territorial (属地) routing by place name;
- near-duplicates (same matter and place, recent) and repeat callers (same phone);
- knowledge-base answers for consultations.

The result is stored on the ticket (``suggestions``) and in a ``suggest`` event; with
auto-dispatch on and a confident unit, the ticket is dispatched at once (``auto``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count

from duban.org.models import Role, Unit, UnitKind, User
from duban.tickets.events import event_append
from duban.tickets.models import Ticket

from .fingerprint import CANDIDATES, band_keys, jaccard, shingles
from .models import Category, DispatchSettings, DuplicateKey
from .routing import place_index
from .selectors import current_model, dispatch_settings

log = logging.getLogger("duban.dispatch")
REPEAT_WINDOW_DAYS = 90


def analyse_new_ticket(*, ticket: Ticket, actor: User | None, now: datetime) -> Ticket:
    """Store suggestions for a freshly registered ticket; dispatch it when confident."""
    cfg = dispatch_settings()
    keys = band_keys(ticket.title, ticket.content)
    DuplicateKey.objects.bulk_create(
        [DuplicateKey(ticket=ticket, key=k, created_at=now) for _, k in keys]
    )
    suggestions: dict[str, Any] = {
        "units": unit_suggestions(ticket),
        "duplicates": duplicate_candidates(ticket, keys=[k for _, k in keys], cfg=cfg, now=now),
        "repeat_caller": repeat_caller(ticket, now=now),
        "knowledge": knowledge_suggestions(ticket, now=now),
    }
    ticket.suggestions = suggestions
    ticket.version += 1
    ticket.save(update_fields=["suggestions", "version"])
    event_append(
        ticket=ticket,
        type="suggest",
        actor=None,
        at=now,
        from_state=ticket.state,
        payload={"suggestions": suggestions},
    )
    top = suggestions["units"][0] if suggestions["units"] else None
    if cfg.auto_dispatch and top and top.get("unit_id") and top["confidence"] >= cfg.auto_threshold:
        auto_dispatch(ticket=ticket, unit_id=top["unit_id"], now=now)
    return ticket


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
    for other in Ticket.objects.filter(pk__in=ids).only(
        "pk", "number", "title", "content", "state", "created_at"
    ):
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


def auto_dispatch(*, ticket: Ticket, unit_id: int, now: datetime) -> Ticket | None:
    """Dispatch in the name of the district centre's auto-dispatch account."""
    from duban.core.errors import DomainError
    from duban.tickets.services import ticket_dispatch

    unit = Unit.objects.get(pk=unit_id)
    robot = _auto_dispatcher(unit)
    if robot is None:
        log.warning("auto-dispatch skipped for %s: no service centre unit", ticket.number)
        return None
    try:
        return ticket_dispatch(
            ticket=ticket,
            actor=robot,
            now=now,
            unit=unit,
            auto=True,
            note="智能派单（置信度达到阈值） / auto-dispatched above the confidence threshold",
        )
    except DomainError as exc:
        log.info("auto-dispatch of %s refused: %s", ticket.number, exc.message)
        return None


def _auto_dispatcher(unit: Unit) -> User | None:
    centre = Unit.objects.filter(kind=UnitKind.CENTRE, path__startswith=unit.district_path).first()
    if centre is None:
        return None
    robot, _ = User.objects.get_or_create(
        username="auto_dispatch",
        defaults={
            "role": Role.DISPATCHER,
            "unit": centre,
            "full_name": "智能派单",
            "is_active": True,
        },
    )
    return robot
