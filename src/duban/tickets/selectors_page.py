"""Reads behind the ticket page beyond the ticket itself: its timeline, files and duplicates.

The caller has already read the ticket through ``selectors.ticket_detail`` (visibility
checked); each list is one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Attachment, Ticket, TicketEvent


@dataclass(frozen=True)
class TicketPageLists:
    events: list[TicketEvent]
    attachments: list[Attachment]
    duplicates: list[Ticket]


def ticket_page_lists(ticket: Ticket) -> TicketPageLists:
    """The timeline (oldest first, with actors), the files and the merged duplicates (3 queries)."""
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor", "actor_unit")
        .order_by("seq")
    )
    return TicketPageLists(
        events=list(events),
        attachments=list(ticket.attachments.order_by("uploaded_at")),
        duplicates=list(ticket.duplicates.order_by("number")),
    )


def ticket_attachment(*, ticket: Ticket, pk: int) -> Attachment | None:
    """One file of a ticket the caller may see (one query)."""
    return ticket.attachments.filter(pk=pk).first()
