"""Stores simulated tickets with bulk inserts and keeps the numbering sequences right."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model

from duban.dispatch.fingerprint import band_keys
from duban.tickets.models import (
    Caller,
    DuplicateKey,
    Ticket,
    TicketAssignment,
    TicketEvent,
    TicketSequence,
)

from .recorder import EVENT_COLUMNS, TicketRecord

BATCH_SIZE = 2000


@contextmanager
def fast_sqlite() -> Iterator[None]:
    """On SQLite, give the bulk load a large page cache (the default 2 MB makes the
    index B-trees spill to disk on every batch); other backends are left alone."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def next_pks() -> tuple[int, int]:
    """First free primary keys of tickets and callers (the demo assigns them itself)."""
    ticket = Ticket.objects.aggregate(m=Max("pk"))["m"] or 0
    caller = Caller.objects.aggregate(m=Max("pk"))["m"] or 0
    return ticket + 1, caller + 1


def day_offsets(first: date, last: date) -> dict[date, int]:
    return dict(
        TicketSequence.objects.filter(day__gte=first, day__lte=last).values_list("day", "last")
    )


def insert_rows(model: type[Model], columns: Sequence[str], rows: list[tuple]) -> None:
    """``INSERT`` many rows with values prepared by the model's own fields.

    The lean path for the two big tables: ``bulk_create`` spends most of its time
    building model instances and compiling SQL; here each value goes through the
    field's ``get_db_prep_save`` (so datetimes and JSON are adapted for the backend
    exactly as the ORM would) and the rows go to ``executemany`` in batches.
    """
    fields = [model._meta.get_field(c) for c in columns]  # names or attnames
    prep = [
        (i, f.get_db_prep_save)
        for i, f in enumerate(fields)
        if f.get_internal_type() in ("DateTimeField", "JSONField")
    ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if prep:
        prepared = []
        for row in rows:
            values = list(row)
            for i, fn in prep:
                if values[i] is not None:
                    values[i] = fn(values[i], connection)
            prepared.append(values)
    else:
        prepared = [list(r) for r in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), BATCH_SIZE):
            cursor.executemany(sql, prepared[start : start + BATCH_SIZE])


def write_batch(records: list[TicketRecord], callers: list[Caller]) -> int:
    """Insert one batch in one transaction; returns the number of events written."""
    events = [e for r in records for e in r.events]
    # Every concrete column, with the model's default for any the simulation does not set.
    concrete = Ticket._meta.concrete_fields
    columns = [f.attname for f in concrete]
    defaults = {f.attname: f.get_default() for f in concrete if f.attname not in records[0].t}
    with transaction.atomic():
        Caller.objects.bulk_create(callers, batch_size=BATCH_SIZE)
        insert_rows(
            Ticket, columns, [tuple({**defaults, **r.t}[c] for c in columns) for r in records]
        )
        TicketAssignment.objects.bulk_create(
            [a for r in records for a in r.assignments], batch_size=BATCH_SIZE
        )
        insert_rows(TicketEvent, EVENT_COLUMNS, events)
        insert_rows(
            DuplicateKey,
            ["ticket_id", "key", "created_at"],
            [
                (r.pk, key, r.t["created_at"])
                for r in records
                for _, key in band_keys(r.t["title"], r.t["content"])
            ],
        )
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
    # Fresh planner statistics after a bulk load, or the planner guesses row counts.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
