"""Other tickets a ticket names, as a reader may see them.

A ticket's stored data names other tickets: the possible duplicates and the caller's earlier
tickets intake found (``suggestions``, also carried by the ``suggest`` event), the master it
was merged into (``master``, the ``merge`` and ``close_with_master`` events) and the tickets
merged into it. Intake looks across the whole district for the registering centre; a reader
learns of those tickets only what they may see themselves (``Ticket.objects.visible_to``):
a street's clerk reading its own ticket learns nothing of another street's — not its number,
title, state or time, nor that it exists. Each function reads the referenced tickets once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .events import EventType
from .models import Ticket, TicketEvent

if TYPE_CHECKING:
    from duban.org.models import User

# What a master the reader may not see reads as in an event.
HIDDEN = ""
MASTER_EVENTS = frozenset({EventType.MERGE, EventType.CLOSE_WITH_MASTER})


def visible_numbers(reader: User, numbers: Iterable[str]) -> set[str]:
    """Those of ``numbers`` naming tickets ``reader`` may see (one query; none without numbers)."""
    wanted = {n for n in numbers if isinstance(n, str) and n}
    if not wanted:
        return set()
    return set(
        Ticket.objects.visible_to(reader)
        .filter(number__in=sorted(wanted))
        .values_list("number", flat=True)
    )


def referenced_numbers(suggestions: Any) -> set[str]:
    """The ticket numbers intake's suggestions name (duplicates, the caller's earlier tickets)."""
    if not isinstance(suggestions, dict):
        return set()
    numbers = {d.get("number") for d in suggestions.get("duplicates") or [] if isinstance(d, dict)}
    repeat = suggestions.get("repeat_caller")
    if isinstance(repeat, dict):
        numbers |= set(repeat.get("numbers") or [])
    return {n for n in numbers if isinstance(n, str)}


def redacted_suggestions(suggestions: Any, visible: set[str]) -> dict[str, Any]:
    """``suggestions`` with the other tickets cut to ``visible``: duplicates the reader may not
    see are left out, and the caller's earlier tickets are counted and listed among the
    visible ones only (None when there are none). Units and knowledge answers stay."""
    if not isinstance(suggestions, dict):
        return {}
    out = dict(suggestions)
    if "duplicates" in out:
        out["duplicates"] = [
            d for d in out["duplicates"] or [] if isinstance(d, dict) and d.get("number") in visible
        ]
    if "repeat_caller" in out:
        repeat = out["repeat_caller"]
        numbers = [n for n in (repeat or {}).get("numbers") or [] if n in visible]
        out["repeat_caller"] = {"count": len(numbers), "numbers": numbers} if numbers else None
    return out


def suggestions_for(ticket: Ticket, reader: User) -> dict[str, Any]:
    """The ticket's stored suggestions as ``reader`` may read them (one query at most)."""
    return redacted_suggestions(ticket.suggestions, related_visible(ticket, reader))


def related_visible(ticket: Ticket, reader: User) -> set[str]:
    """The numbers of the tickets ``ticket`` names (suggestions, master) that ``reader`` may
    see; read once per ticket and reader (the master must be loaded with the ticket)."""
    cached = getattr(ticket, "_related_visible", None)
    if cached is not None and cached[0] == reader.pk:
        return cached[1]
    numbers = referenced_numbers(ticket.suggestions)
    master = ticket.master if ticket.master_id is not None else None
    if master is not None:
        numbers.add(master.number)
    visible = visible_numbers(reader, numbers)
    ticket._related_visible = (reader.pk, visible)  # type: ignore[attr-defined]
    return visible


def master_number_for(ticket: Ticket, reader: User) -> str | None:
    """The number of the master ``ticket`` was merged into, if ``reader`` may see it."""
    master = ticket.master if ticket.master_id is not None else None
    if master is None:
        return None
    return master.number if master.number in related_visible(ticket, reader) else None


def events_for(events: list[TicketEvent], reader: User) -> list[TicketEvent]:
    """``events`` with what they say about other tickets cut to what ``reader`` may see: the
    ``suggest`` event's suggestions redacted, a hidden master's number blanked in ``merge``
    and ``close_with_master``. Payloads are replaced in memory only (events are never saved
    again); one query at most."""
    refs: set[str] = set()
    for e in events:
        if e.type == EventType.SUGGEST:
            refs |= referenced_numbers(e.payload.get("suggestions"))
        elif e.type in MASTER_EVENTS:
            refs.add(e.payload.get("master") or "")
    visible = visible_numbers(reader, refs)
    for e in events:
        if e.type == EventType.SUGGEST:
            e.payload = {
                **e.payload,
                "suggestions": redacted_suggestions(e.payload.get("suggestions"), visible),
            }
        elif e.type in MASTER_EVENTS and e.payload.get("master") not in visible:
            e.payload = {**e.payload, "master": HIDDEN}
    return events


def visible_duplicates(ticket: Ticket, reader: User) -> list[Ticket]:
    """The tickets merged into ``ticket`` that ``reader`` may see, by number (one query)."""
    return list(Ticket.objects.visible_to(reader).filter(master=ticket).order_by("number"))
