"""The districts' ticket totals (``TicketTally``), checked against the tickets and rebuilt.

The ticket table's triggers keep the tally on every write (migration ``tickets/0023``);
these two serve a database whose triggers were bypassed — a load with
``session_replication_role = replica`` or the triggers disabled (docs/deploy.md).
"""

from __future__ import annotations

from datetime import UTC, date

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate

from ..models import Ticket, TicketTally


def tally_counted() -> dict[tuple[int, date], int]:
    """Every district's tickets by registration day (UTC), counted from the tickets."""
    rows = (
        Ticket.objects.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("district_id", "day")
        .annotate(n=Count("pk"))
    )
    return {(r["district_id"], r["day"]): r["n"] for r in rows}


def tally_differences() -> dict[tuple[int, date], tuple[int, int]]:
    """(district id, day) → (kept, counted) wherever the tally and the tickets disagree."""
    counted = tally_counted()
    kept = {(r.district_id, r.day): r.n for r in TicketTally.objects.all()}
    return {
        key: (kept.get(key, 0), counted.get(key, 0))
        for key in kept.keys() | counted.keys()
        if kept.get(key, 0) != counted.get(key, 0)
    }


@transaction.atomic
def tally_rebuild() -> int:
    """Count the tally afresh from the tickets; the number of (district, day) rows.

    On PostgreSQL the ticket table is locked against writes for the count (a writer's
    trigger would otherwise add to a row this rebuild is about to write): intake waits
    a few seconds at a million tickets.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
    counted = tally_counted()
    TicketTally.objects.all().delete()
    TicketTally.objects.bulk_create(
        [TicketTally(district_id=d, day=day, n=n) for (d, day), n in counted.items()],
        batch_size=1000,
    )
    return len(counted)
