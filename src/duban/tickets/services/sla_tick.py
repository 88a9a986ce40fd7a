"""The periodic breach scan (`duban sla tick`): each breach is flagged and recorded once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q

from ..clocks import CLOCKS
from ..events import EventType, payloads
from ..models import Ticket, TicketEvent

BATCH = 2000


@dataclass
class TickResult:
    flagged: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.flagged.values())


def sla_tick(*, now: datetime, batch: int = BATCH) -> TickResult:
    """Flag every deadline passed since the last tick.

    The flag flips with a compare-and-set UPDATE (``… WHERE flag IS NULL``), so a
    breach is recorded exactly once even when two ticks run at the same time; the
    breach event is written in the same transaction, for the tickets whose flag
    this tick flipped.
    """
    flagged: dict[str, int] = {}
    for clock in CLOCKS:
        breach, due_field, flag_field = clock.breach, clock.due, clock.breached
        flagged[breach] = 0
        while True:
            cond = Q(
                **{
                    f"{due_field}__lt": now,
                    f"{flag_field}__isnull": True,
                    "state__in": sorted(clock.states),
                }
            )
            if clock.done:
                cond &= Q(**{f"{clock.done}__isnull": True})
            with transaction.atomic():
                rows = list(
                    Ticket.objects.select_for_update(skip_locked=True)
                    .filter(cond)
                    .order_by(due_field)
                    .values_list("pk", "state", "version", due_field)[:batch]
                )
                if not rows:
                    break
                ids = [r[0] for r in rows]
                Ticket.objects.filter(pk__in=ids).update(
                    **{flag_field: now}, version=F("version") + 1
                )
                TicketEvent.objects.bulk_create(
                    TicketEvent(
                        ticket_id=pk,
                        seq=version + 1,
                        type=EventType.BREACH,
                        actor=None,
                        at=now,
                        from_state=state,
                        to_state=state,
                        payload=payloads.breach(clock=breach, due=due),
                    )
                    for pk, state, version, due in rows
                )
                flagged[breach] += len(rows)
    return TickResult(flagged=flagged)
