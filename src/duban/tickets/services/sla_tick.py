"""The periodic breach scan (`duban sla tick`): each breach is flagged and recorded once."""

from __future__ import annotations

import time
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
    # Breaches left for the next tick: the budget ran out first.
    unfinished: bool = False

    @property
    def total(self) -> int:
        return sum(self.flagged.values())


def sla_tick(*, now: datetime, batch: int = BATCH, budget: float | None = None) -> TickResult:
    """Flag every deadline passed since the last tick, earliest first, in transactions of
    ``batch`` tickets.

    The flag flips with a compare-and-set UPDATE (``… WHERE flag IS NULL``), so a
    breach is recorded exactly once even when two ticks run at the same time; the
    breach event is written in the same transaction, for the tickets whose flag
    this tick flipped.

    ``budget`` (seconds): no batch starts once it is spent, except each clock's first, and
    the rest is left to the next tick (``unfinished``). After an outage the backlog is
    large: 36,680 breaches took 54 s at 10 M tickets (each breach rewrites every index
    entry of its ticket, docs/scale.md); a tick that runs every minute must not run for one.
    """
    stop = None if budget is None else time.monotonic() + budget
    flagged: dict[str, int] = {}
    unfinished = False
    for clock in CLOCKS:
        breach, due_field, flag_field = clock.breach, clock.due, clock.breached
        flagged[breach] = 0
        first = True
        while True:
            if not first and stop is not None and time.monotonic() >= stop:
                unfinished = True
                break
            first = False
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
            if len(rows) < batch:
                break
    return TickResult(flagged=flagged, unfinished=unfinished)
