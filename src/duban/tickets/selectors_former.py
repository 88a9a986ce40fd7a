"""What a unit that no longer has a ticket may still read: its own part of the work.

A ticket returned (退单 approved) and dispatched again, reassigned (改派), handed from one
sub-dispatched unit to another, or whose co-unit part was sent in leaves the old unit's
lists, counts, search and API (``TicketQuerySet.visible_to`` counts current parts only).
Its ticket page then shows a read-only record of what the unit did: the appeal as it was
sent, the events the unit's staff wrote and the ones that gave it and ended its part — no
actions, no caller, no files, nothing of what another unit does or where the ticket went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duban.org.models import DISTRICT_WIDE_ROLES, Unit

from .choices import AssignmentStatus
from .events import EventType
from .models import Ticket, TicketAssignment, TicketEvent
from .selectors import NUMBER_RE

if TYPE_CHECKING:
    from duban.org.models import User

# Why the part ended, as the page's notice says it.
NOTICES: dict[str, str] = {
    AssignmentStatus.RETURNED: "本工单已退回，以下为本单位办理记录",
    AssignmentStatus.REASSIGNED: "本工单已改派，以下为本单位办理记录",
    AssignmentStatus.DONE: "本工单已改由其他单位办理，以下为本单位办理记录",
    AssignmentStatus.CONTRIBUTED: "本单位协办部分已反馈，以下为本单位办理记录",
}
# The events that gave a unit its part or ended it, written by the centre or the unit above.
PART_EVENTS = (
    EventType.DISPATCH,
    EventType.REASSIGN,
    EventType.SUB_DISPATCH,
    EventType.APPROVE_RETURN,
)
# What of an event's payload the record shows: the unit's own words and the centre's reasons,
# never a unit name (where the ticket went next).
DETAIL_KEYS = {"note": _("备注"), "reason": _("理由"), "text": _("内容"), "days": _("天数")}


@dataclass(frozen=True)
class RecordEntry:
    at: datetime
    type: str
    actor: str
    details: list[tuple[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class FormerPart:
    ticket: Ticket  # the appeal's fields only (no caller, no units, no state)
    notice: str
    entries: list[RecordEntry]


def former_part(*, user: User, number: str) -> FormerPart | None:
    """The unit's record of a ticket it had a part in and no longer sees, or None (three
    queries). District-wide roles see their district's tickets whole and have none."""
    scope = user.scope_path if user.is_authenticated else None
    if not scope or user.role in DISTRICT_WIDE_ROLES or not NUMBER_RE.match(number):
        return None
    subtree = Unit.objects.filter(path__startswith=scope).values("pk")
    ticket = (
        Ticket.objects.filter(number=number, assignments__unit_id__in=subtree)
        .exclude(pk__in=Ticket.objects.visible_to(user).filter(number=number).values("pk"))
        .only("pk", "number", "title", "content", "location", "kind", "appeal_type", "created_at")
        .first()
    )
    if ticket is None:
        return None
    parts = list(
        TicketAssignment.objects.filter(ticket=ticket, unit_id__in=subtree).order_by(
            "assigned_at", "pk"
        )
    )
    ended = [p for p in parts if p.status != AssignmentStatus.ACTIVE]
    last = max(ended, key=lambda p: (p.finished_at or p.assigned_at, p.pk)) if ended else None
    moments = {p.assigned_at for p in parts} | {p.finished_at for p in parts if p.finished_at}
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .filter(Q(actor_unit_id__in=subtree) | Q(type__in=PART_EVENTS, at__in=moments))
        .select_related("actor")
        .order_by("seq")
    )
    return FormerPart(
        ticket=ticket,
        notice=NOTICES.get(last.status if last else "", NOTICES[AssignmentStatus.REASSIGNED]),
        entries=[
            RecordEntry(
                at=e.at,
                type=e.type,
                actor=str(e.actor) if e.actor_id else "",
                details=[
                    (str(label), e.payload[k])
                    for k, label in DETAIL_KEYS.items()
                    if e.payload.get(k)
                ],
            )
            for e in events
        ],
    )
