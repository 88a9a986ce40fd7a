"""Near-deadline reminders (临期提醒), from the minute tick (`duban sla tick`).

The breach scan writes its events in bulk, without the engine's hooks, so deadlines are
watched here in the tick's own job: a ticket whose handling deadline enters the clock's
due-soon window (``tickets.clocks``: the last fifth of the span, at most a day) gets one
notice to its unit's handlers and head — and to the sub-dispatched unit's, when another
unit drafts the work. Once per ticket, clock and deadline: an extension, a reopen or a
reassignment sets a new deadline, which is announced again when it comes near.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from duban.tickets.choices import State
from duban.tickets.clocks import HANDLE, Clock
from duban.tickets.models import Ticket

from .. import texts
from ..models import DueSoonMark, NoticeKind
from .notices import Plan, notify

BATCH = 500
# While a unit's return request waits for the centre, it is not reminded to handle.
REMIND_STATES = {HANDLE: frozenset(HANDLE.states - {State.RETURN_PENDING})}


def _candidates(
    clock: Clock, *, now: datetime, after: tuple[datetime, int] | None, batch: int
) -> list[dict]:
    """Open tickets whose ``clock`` deadline is less than its longest window away and not yet
    announced, in deadline order after the keyset ``after``."""
    marked = DueSoonMark.objects.filter(
        ticket=OuterRef("pk"), clock=str(clock.breach), due=OuterRef(clock.due)
    )
    qs = Ticket.objects.filter(
        **{
            "state__in": sorted(REMIND_STATES[clock]),
            f"{clock.breached}__isnull": True,
            f"{clock.due}__gte": now,
            f"{clock.due}__lt": now + clock.soon_within,
        }
    ).exclude(Exists(marked))
    if after is not None:
        due, pk = after
        qs = qs.filter(Q(**{f"{clock.due}__gt": due}) | Q(**{clock.due: due, "pk__gt": pk}))
    fields = ["pk", "number", "title", "primary_unit_id", "handling_unit_id", clock.due]
    if clock.start:
        fields.append(clock.start)
    return list(qs.order_by(clock.due, "pk").values(*fields)[:batch])


@transaction.atomic
def _remind(clock: Clock, rows: list[dict], *, now: datetime) -> int:
    """Mark the rows (the unique constraint decides who marks first) and notify for the
    marks this run made."""
    run = uuid.uuid4().hex
    DueSoonMark.objects.bulk_create(
        [
            DueSoonMark(
                ticket_id=r["pk"],
                clock=str(clock.breach),
                due=r[clock.due],
                run=run,
                created_at=now,
            )
            for r in rows
        ],
        ignore_conflicts=True,
    )
    mine = set(
        DueSoonMark.objects.filter(
            ticket_id__in=[r["pk"] for r in rows], clock=str(clock.breach), run=run
        ).values_list("ticket_id", flat=True)
    )
    plans = [
        (
            r["pk"],
            [
                Plan(
                    NoticeKind.DUE_SOON,
                    tuple(u for u in (r["primary_unit_id"], r["handling_unit_id"]) if u),
                    texts.due_soon(number=r["number"], title=r["title"], due=r[clock.due]),
                )
            ],
        )
        for r in rows
        if r["pk"] in mine
    ]
    return notify(plans=plans, actor=None, now=now)


def notify_due_soon(*, now: datetime, batch: int = BATCH) -> int:
    """Remind the units of every handling deadline that came near since the last tick;
    returns the notices written."""
    written = 0
    for clock in REMIND_STATES:
        after: tuple[datetime, int] | None = None
        while rows := _candidates(clock, now=now, after=after, batch=batch):
            after = (rows[-1][clock.due], rows[-1]["pk"])
            near = [
                r
                for r in rows
                if clock.due_soon(started=r.get(clock.start), due=r[clock.due], now=now)
            ]
            if near:
                written += _remind(clock, near, now=now)
            if len(rows) < batch:
                break
    return written
