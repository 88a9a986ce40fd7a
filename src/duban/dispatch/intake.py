"""What duban works out for every new ticket at intake (pure reads, nothing is written).

- dispatch suggestions: top categories/units with calibrated confidences from the
  trained model (when one is installed), and territorial (属地) routing by place name;
- near-duplicates (same matter and place, recent) and repeat callers (same phone);
- knowledge-base answers for consultations.

``DispatchIntelligence`` (``dispatch.intelligence``) hands these to the ticket engine,
which stores them on the ticket and auto-dispatches (``tickets.services.intake``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q

from duban.org.models import Unit
from duban.tickets.models import Category, DuplicateKey, Ticket, phone_q

from .fingerprint import CANDIDATES, PER_KEY, clean, jaccard, shingles
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
        ranked = [
            (s.label, float(s.confidence))
            for s in model.suggest(ticket.content, title=ticket.title, k=k)
        ]
        out.extend(_resolve_labels(ranked, place))
    elif ticket.category_id:
        category = (
            Category.objects.select_related("default_unit")
            .filter(pk=ticket.category_id, is_active=True)
            .first()
        )
        if category is not None:  # a draft may name a retired or unknown category
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
                "ambiguous": len(place) > 1,
            }
        )
    return out


def preselected(units: list[dict[str, Any]], *, threshold: float) -> dict[str, Any] | None:
    """The top suggestion when it is confident enough to preselect as 主办单位, else None.

    A form shows every suggestion but preselects only this one. Confident means:

    - a model's suggestion (also a territorial one, which applies the model's category
      to the named place) whose calibrated confidence reaches ``threshold``; a category
      chosen by a person carries 1.0;
    - a bare place match (属地, no confidence) when the text names places of one street
      only: territorial routing is the district's own rule (属地管理) and, without an
      installed model, the only suggestion there is; places of two streets make it a guess.
    """
    if not units or not isinstance(units[0], dict) or not units[0].get("unit_id"):
        return None
    top = units[0]
    if top.get("ambiguous"):
        return None
    confidence = top.get("confidence")
    if confidence is None:
        return top if top.get("source") == "place" else None
    return top if float(confidence) >= threshold else None


def preselected_category(units: list[dict[str, Any]], *, threshold: float) -> int | None:
    """The category of the top suggestion when its confidence reaches ``threshold``."""
    top = units[0] if units and isinstance(units[0], dict) else {}
    confidence = top.get("confidence")
    if not top.get("category_id") or confidence is None or float(confidence) < threshold:
        return None
    return int(top["category_id"])


def _resolve_labels(ranked: list[tuple[str, float]], place: list) -> list[dict[str, Any]]:
    """The model's (label, confidence) pairs as suggestions, in their order: a label is a
    unit's code (a model trained on the district's tickets predicts units) or a category's
    full name or level-1 name (a model trained on a catalogue). Two queries at most, for
    any ``k``: the units, then the categories of the labels no unit answered."""
    labels = [label for label, _ in ranked]
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in=labels, is_active=True).only("pk", "code", "name")
    }
    rest = [label for label in labels if label not in units]
    by_full: dict[str, Category] = {}
    by_name: dict[str, Category] = {}
    if rest:
        for c in (
            Category.objects.select_related("default_unit")
            .filter(Q(full_name__in=rest) | Q(name__in=rest, level=1))
            .order_by("full_name")
        ):
            by_full.setdefault(c.full_name, c)
            if c.level == 1:
                by_name.setdefault(c.name, c)
    out: list[dict[str, Any]] = []
    for label, confidence in ranked:
        unit = units.get(label)
        category = None if unit is not None else by_full.get(label) or by_name.get(label)
        if category is not None:
            out.append(_category_entry(category, confidence, place))
        else:
            out.append(
                {
                    "source": "model",
                    "label": label,
                    "unit_id": unit.pk if unit is not None else None,
                    "unit_name": unit.name if unit is not None else "",
                    "confidence": round(confidence, 4),
                }
            )
    return out


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
            ambiguous=len(place) > 1,
        )
    elif category.default_unit is not None:
        entry.update(unit_id=category.default_unit.pk, unit_name=category.default_unit.name)
    else:
        entry.update(unit_id=None, unit_name="")
    return entry


def duplicate_candidates(
    ticket: Ticket,
    *,
    keys: list[int],
    cfg: DispatchSettings,
    now: datetime,
    phone: str = "",
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Possible duplicates of ``ticket`` in its district, most similar first.

    Two sources, each entry saying why (``reasons``):

    - ``text``: recent tickets (``cfg.duplicate_window_days``) sharing band keys, whose
      bigram Jaccard reaches ``cfg.duplicate_threshold`` (at most ``limit``);
    - ``caller``: the open tickets of the same ``phone`` (normalised), whatever the text
      and age (at most ``limit``, newest first) — a caller who rings again about the same
      matter rarely repeats the words, and then the text alone finds nothing.

    ``place`` is added when both name the same place (one location contains the other).
    """
    found: dict[int, tuple[Ticket, set[str]]] = {}
    for other in _text_candidates(ticket, keys=keys, cfg=cfg, now=now):
        found[other.pk] = (other, {"text"})
    if phone:
        for other in _caller_candidates(ticket, phone=phone, limit=limit):
            found.setdefault(other.pk, (other, set()))[1].add("caller")
    if not found:
        return []
    mine = shingles(f"{ticket.title} {ticket.content}")
    text, caller = [], []
    for other, reasons in found.values():
        score = jaccard(mine, shingles(f"{other.title} {other.content}"))
        if "text" in reasons and score < cfg.duplicate_threshold:
            reasons.discard("text")
        if not reasons:
            continue
        if same_place(ticket.location, other.location):
            reasons.add("place")
        entry = {
            "number": other.number,
            "title": other.title,
            "state": other.state,
            "created_at": other.created_at.isoformat(),
            "similarity": round(score, 3),
            "reasons": [r for r in REASONS if r in reasons],
        }
        (text if "text" in reasons else caller).append(entry)
    text.sort(key=lambda d: -d["similarity"])
    out = text[:limit] + caller  # the caller's own tickets are never cut off by the text ones
    out.sort(key=lambda d: -d["similarity"])
    return out


REASONS = ("text", "caller", "place")  # the order a page lists them in


def _text_candidates(
    ticket: Ticket, *, keys: list[int], cfg: DispatchSettings, now: datetime
) -> list[Ticket]:
    """The recent tickets of the district sharing most band keys (two queries).

    Each key reads only its newest ``PER_KEY`` tickets in the window: in a mass event (a
    blackout, a burst pipe: thousands of near-identical calls within hours) every band key
    is shared by every one of them, and ranking them all would make each new call's
    look-up grow with the event. The newest are as good candidates as any, and the work
    per call stays bounded (docs/scale.md, intake).
    """
    if not keys:
        return []
    since = now - timedelta(days=cfg.duplicate_window_days)
    unique = list(dict.fromkeys(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            _newest_per_key_sql(len(unique), exclude=ticket.pk is not None),
            _newest_per_key_params(unique, since=since, exclude=ticket.pk),
        )
        shared = Counter(ticket_id for (ticket_id,) in cursor.fetchall())
    # Most keys shared first; among equals the newer ticket (the larger id).
    ids = sorted(shared, key=lambda pk: (-shared[pk], -pk))[:CANDIDATES]
    if not ids:
        return []
    # Never a candidate from another district (a draft without one finds none).
    others = Ticket.objects.filter(pk__in=ids, district_id=ticket.district_id)
    return list(others.only(*_CANDIDATE_FIELDS))


def _newest_per_key_sql(n: int, *, exclude: bool) -> str:
    """One statement on both backends: each key's newest ``PER_KEY`` rows as a subquery of a
    UNION ALL (SQLite refuses ORDER BY … LIMIT in a bare member of a compound query), read
    through the (key, created_at) index. Written once here rather than compiled from 13
    querysets: compiling them cost ≈ 5 ms of Python per intake."""
    q = connection.ops.quote_name
    table = q(DuplicateKey._meta.db_table)
    other = f" AND {q('ticket_id')} <> %s" if exclude else ""
    one = (
        f"SELECT {q('ticket_id')} FROM {table} WHERE {q('key')} = %s"
        f" AND {q('created_at')} >= %s AND {q('ticket_id')} IS NOT NULL{other}"
        f" ORDER BY {q('created_at')} DESC, {q('id')} DESC LIMIT %s"
    )
    return " UNION ALL ".join(f"SELECT * FROM ({one}) AS k{i}" for i in range(n))


def _newest_per_key_params(
    keys: list[int], *, since: datetime, exclude: int | None
) -> list[object]:
    at = connection.ops.adapt_datetimefield_value(since)
    tail = [exclude] if exclude is not None else []
    return [v for key in keys for v in (key, at, *tail, PER_KEY)]


def _caller_candidates(ticket: Ticket, *, phone: str, limit: int) -> list[Ticket]:
    """The same phone's open tickets in the ticket's district, newest first (one query)."""
    return list(
        Ticket.objects.open()
        .filter(phone_q(phone), district_id=ticket.district_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at")
        .only(*_CANDIDATE_FIELDS)[:limit]
    )


_CANDIDATE_FIELDS = ("pk", "number", "title", "content", "location", "state", "created_at")


def same_place(a: str, b: str) -> bool:
    """Whether two locations name the same place: one contains the other (东留村 / 滨湖街道东留村)."""
    a, b = clean(a), clean(b)
    if len(a) < 2 or len(b) < 2:
        return False
    return a in b or b in a


def repeat_caller(ticket: Ticket, *, now: datetime) -> dict[str, Any] | None:
    """Earlier tickets from the same phone within 90 days."""
    if ticket.caller is None or not ticket.caller.phone:
        return None
    earlier = (
        Ticket.objects.filter(
            phone_q(ticket.caller.phone),
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
