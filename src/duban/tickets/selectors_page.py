"""Reads behind the ticket page beyond the ticket itself: its timeline, files, duplicates and
exemption requests (考核申诉).

The caller has already read the ticket through ``selectors.ticket_detail`` (visibility
checked); each list is one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import Attachment, Ticket, TicketEvent, TicketExemption
from .selectors_related import events_for, master_number_for, visible_duplicates

if TYPE_CHECKING:
    from duban.org.models import User


@dataclass(frozen=True)
class TicketPageLists:
    events: list[TicketEvent]
    attachments: list[Attachment]
    duplicates: list[Ticket]
    master: Ticket | None = None  # the master it was merged into, if the reader may see it


def ticket_page_lists(ticket: Ticket, *, reader: User) -> TicketPageLists:
    """The timeline (oldest first, with actors), the files, the merged duplicates and the
    master (5 queries at most). Other tickets only as far as ``reader`` may see them
    (``selectors_related``): duplicates and master of another unit's scope are left out, and
    the timeline's suggestions and master numbers are cut to the visible ones."""
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor", "actor_unit")
        .order_by("seq")
    )
    master = None
    if ticket.master_id is not None and master_number_for(ticket, reader) is not None:
        master = ticket.master
    return TicketPageLists(
        events=events_for(list(events), reader),
        attachments=list(ticket.attachments.order_by("uploaded_at")),
        duplicates=visible_duplicates(ticket, reader),
        master=master,
    )


def ticket_exemptions(ticket: Ticket) -> list[TicketExemption]:
    """The ticket's exemption requests (考核申诉), newest first, with the unit and the
    people who asked and ruled (one query).

    Shown to whoever may see the ticket page: the unit sees how its request was ruled, the
    centre what it ruled, and an approved one says why the ticket is out of the figures.
    """
    return list(
        TicketExemption.objects.filter(ticket=ticket)
        .select_related("unit", "requested_by", "ruled_by")
        .order_by("-requested_at", "-pk")
    )


def ticket_attachment(*, ticket: Ticket, pk: int) -> Attachment | None:
    """One file of a ticket the caller may see (one query)."""
    return ticket.attachments.filter(pk=pk).first()


@dataclass(frozen=True)
class DuplicateCandidate:
    """A possible duplicate found at intake, read afresh (its state may have moved on)."""

    ticket: Ticket
    similarity: float | None  # from the intake analysis
    reasons: tuple[str, ...]  # text / caller / place (``dispatch.intake.duplicate_candidates``)


def intake_duplicates(*, ticket: Ticket, user: User) -> list[DuplicateCandidate]:
    """The ticket's intake duplicate candidates (``suggestions["duplicates"]``) that ``user``
    may see, in the analysis' order, with their current state (one query; none without
    candidates)."""
    entries = [
        d
        for d in (ticket.suggestions or {}).get("duplicates") or []
        if isinstance(d, dict) and d.get("number") and d["number"] != ticket.number
    ]
    if not entries:
        return []
    rows = {
        t.number: t
        for t in Ticket.objects.visible_to(user)
        .filter(number__in=[d["number"] for d in entries])
        .only("pk", "number", "title", "location", "state", "created_at", "primary_unit_id")
    }
    return [
        DuplicateCandidate(
            ticket=rows[d["number"]],
            similarity=d.get("similarity"),
            reasons=tuple(d.get("reasons") or ("text",)),
        )
        for d in entries
        if d["number"] in rows
    ]
