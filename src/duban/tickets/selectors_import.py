"""Reads of the history import (``services.history_import``): what validation resolves
names against, the numbers already taken, and how big the ticket table is."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection

from duban.org.models import Unit

from .importing.validation import Lookups
from .models import Category, Ticket, TicketSequence


def _unique(pairs: Iterable[tuple[str, object]]) -> dict[str, object]:
    """name → value, or None for a name two different values share."""
    out: dict[str, object] = {}
    for key, value in pairs:
        key = key.strip()
        if not key:
            continue
        out[key] = value if out.get(key, value) == value else None
    return out


def unit_refs() -> dict[str, tuple[int, int] | None]:
    """Every active unit by code, name and alias → (unit id, district id); a name or alias
    two units share maps to None (the file must use the code)."""
    by_name: list[tuple[str, object]] = []
    by_code: dict[str, tuple[int, int] | None] = {}
    for pk, code, name, aliases, path in Unit.objects.filter(is_active=True).values_list(
        "pk", "code", "name", "aliases", "path"
    ):
        ref = (pk, int(path.split("/", 1)[0]))
        by_code[code] = ref
        by_name.append((name, ref))
        by_name.extend((str(a), ref) for a in aliases or ())
    refs: dict[str, tuple[int, int] | None] = _unique(by_name)  # type: ignore[assignment]
    refs.update(by_code)  # a code is unique and wins over a name that looks the same
    return refs


def category_refs() -> dict[str, int | None]:
    """Active categories by full name (unique) and by name (None when two share it)."""
    rows = list(Category.objects.filter(is_active=True).values_list("pk", "name", "full_name"))
    refs: dict[str, int | None] = _unique((name, pk) for pk, name, _ in rows)  # type: ignore[assignment]
    refs.update({full: pk for pk, _, full in rows})
    return refs


def taken_numbers(numbers: list[str]) -> set[str]:
    return set(Ticket.objects.filter(number__in=numbers).values_list("number", flat=True))


def import_lookups(*, now: datetime) -> Lookups:
    return Lookups(
        units=unit_refs(), categories=category_refs(), existing_numbers=taken_numbers, now=now
    )


def day_sequences(days: Iterable[date], *, lock: bool) -> dict[date, int]:
    """The last number handed out on each of these days (locked for update when asked)."""
    qs = TicketSequence.objects.filter(day__in=sorted(set(days)))
    if lock:
        qs = qs.select_for_update()
    return dict(qs.values_list("day", "last"))


#: Below this many rows by the planner's estimate, the table is counted exactly: the
#: estimate lags (it still holds rows a rolled-back load or a delete left behind), and a
#: count of a small table costs milliseconds.
EXACT_COUNT_BELOW = 200_000


def ticket_count_estimate() -> int:
    """The ticket table's size: the planner's estimate on a big PostgreSQL table (no scan),
    else an exact count."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = 'tickets_ticket'::regclass"
            )
            estimate = cur.fetchone()[0]
        if estimate >= EXACT_COUNT_BELOW:
            return int(estimate)
    return Ticket.objects.count()
