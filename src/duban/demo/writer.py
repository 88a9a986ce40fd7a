"""Stores simulated tickets with bulk inserts and keeps the numbering sequences right."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from duban.tickets.models import Caller, Ticket, TicketAssignment, TicketEvent, TicketSequence

from .recorder import TicketRecord

BATCH_SIZE = 2000


def next_pks() -> tuple[int, int]:
    """First free primary keys of tickets and callers (the demo assigns them itself)."""
    ticket = Ticket.objects.aggregate(m=Max("pk"))["m"] or 0
    caller = Caller.objects.aggregate(m=Max("pk"))["m"] or 0
    return ticket + 1, caller + 1


def day_offsets(first: date, last: date) -> dict[date, int]:
    return dict(
        TicketSequence.objects.filter(day__gte=first, day__lte=last).values_list("day", "last")
    )


def write_batch(records: list[TicketRecord], callers: list[Caller]) -> int:
    """Insert one batch in one transaction; returns the number of events written."""
    events = [e for r in records for e in r.events]
    with transaction.atomic():
        Caller.objects.bulk_create(callers, batch_size=BATCH_SIZE)
        Ticket.objects.bulk_create([Ticket(**r.t) for r in records], batch_size=BATCH_SIZE)
        TicketAssignment.objects.bulk_create(
            [a for r in records for a in r.assignments], batch_size=BATCH_SIZE
        )
        TicketEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return len(events)


def finish(day_counts: Iterable[tuple[date, int]]) -> None:
    """Raise the per-day sequences to the numbers used, and the id sequences (PostgreSQL)."""
    rows = [TicketSequence(day=day, last=last) for day, last in day_counts]
    with transaction.atomic():
        TicketSequence.objects.bulk_create(
            rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            update_fields=["last"],
            unique_fields=["day"],
        )
        statements = connection.ops.sequence_reset_sql(no_style(), [Ticket, Caller])
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
