"""The monthly rollup's aggregates: the figures' raw counts of tickets and primary
assignments grouped by month × district × primary unit × category, with the very
expressions the live figures use (``expressions.ticket_counts``).

Grouped by cell they build a month's ``MonthlyRollup`` rows at once (``cells``); grouped
by ticket as well they give each ticket's part in those rows (``ticket_parts``), which a
recent month keeps (``RollupEntry``) so that the tick can recount the tickets that
changed instead of the whole month (``services_recent``). Both come from the same two
queries, so a count is defined once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connections
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import Combinable

from duban.core.periods import Period
from duban.tickets.choices import AssignmentRole, AssignmentStatus
from duban.tickets.models import Category, Ticket, TicketAssignment

from .expressions import HoursBetween, LocalMonth, handled, ticket_counts
from .figures import COUNT_FIELDS
from .models import MonthlyRollup, RollupEntry

ASSIGNMENT_COLUMNS = ("primary_assignments", "returned")
# MonthlyRollup columns filled from the ticket aggregate (``ticket_counts`` keys minus "n_").
TICKET_COLUMNS = tuple(c for c in COUNT_FIELDS if c not in ASSIGNMENT_COLUMNS)
SUM_COLUMNS = (*TICKET_COLUMNS, *ASSIGNMENT_COLUMNS, "handling_hours_sum", "handling_count")
INT_COLUMNS = tuple(c for c in SUM_COLUMNS if c != "handling_hours_sum")

Cell = tuple[str, int | None, int | None, int | None]  # month, district, unit, category


def roots() -> dict[int, int]:
    """Category id → its level-1 ancestor's id (the catalogue has three levels).

    Mapped in Python: grouping tickets by their own category and folding the groups
    costs less than joining every ticket to two levels of parents.
    """
    parents = dict(Category.objects.values_list("pk", "parent_id"))

    def root(pk: int) -> int:
        for _ in range(len(parents)):  # bounded: a corrupt cycle cannot loop forever
            parent = parents.get(pk)
            if parent is None:
                return pk
            pk = parent
        return pk

    return {pk: root(pk) for pk in parents}


def in_periods(field: str, periods: Sequence[Period]) -> Q:
    """``field`` within one of ``periods``; no period: nothing."""
    q = Q(pk__in=[])
    for p in periods:
        q |= Q(**{f"{field}__gte": p.start, f"{field}__lt": p.end})
    return q


def _ticket_aggregates(now: Any) -> dict[str, Combinable]:
    counts = ticket_counts("", now=now)
    counts.pop("mean_handling_hours")
    hours = HoursBetween(F("replied_at"), F("dispatched_at"))
    return {
        **counts,
        "n_handling_hours_sum": Sum(hours, filter=handled()),
        "n_handling_count": Count("pk", filter=handled()),
    }


def ticket_rows(
    periods: Sequence[Period],
    *,
    now: Any,
    ids: Sequence[int] | None = None,
    per_ticket: bool = False,
) -> QuerySet[Any]:
    """The ticket counts of the tickets dispatched in ``periods`` by month, district, primary
    unit and own category (and ticket, with ``per_ticket``); ``ids``: these tickets only."""
    keys = ["month", "district_id", "primary_unit_id", "category_id"]
    qs = Ticket.objects.filter(in_periods("dispatched_at", periods))
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return (
        qs.order_by()
        .annotate(month=LocalMonth("dispatched_at"))
        .values(*keys, *(["pk"] if per_ticket else []))
        .annotate(**_ticket_aggregates(now))
    )


def assignment_rows(
    periods: Sequence[Period], *, ids: Sequence[int] | None = None, per_ticket: bool = False
) -> QuerySet[Any]:
    """The primary assignments made in ``periods`` (and how many were returned) by month,
    the ticket's district, the assigned unit and the ticket's own category (and ticket)."""
    keys = ["month", "ticket__district_id", "unit_id", "ticket__category_id"]
    qs = TicketAssignment.objects.filter(
        in_periods("assigned_at", periods), role=AssignmentRole.PRIMARY
    )
    if ids is not None:
        qs = qs.filter(ticket_id__in=ids)
    return (
        qs.order_by()
        .annotate(month=LocalMonth("assigned_at"))
        .values(*keys, *(["ticket_id"] if per_ticket else []))
        .annotate(
            n_primary_assignments=Count("pk"),
            n_returned=Count("pk", filter=Q(status=AssignmentStatus.RETURNED)),
        )
    )


def _ticket_values(r: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {c: r[f"n_{c}"] or 0 for c in (*TICKET_COLUMNS, "handling_count")}
    values["handling_hours_sum"] = float(r["n_handling_hours_sum"] or 0.0)
    return values


def _assignment_values(r: Mapping[str, Any]) -> dict[str, Any]:
    return {c: r[f"n_{c}"] or 0 for c in ASSIGNMENT_COLUMNS}


def cells(
    periods: Sequence[Period], *, now: Any, to_root: Mapping[int, int] | None = None
) -> list[MonthlyRollup]:
    """The months' ``MonthlyRollup`` rows as of ``now``, aggregated from their tickets."""
    if not periods:
        return []
    rows: dict[Cell, MonthlyRollup] = {}
    ticket_parts = (
        (
            (r["month"], r["district_id"], r["primary_unit_id"], r["category_id"]),
            _ticket_values(r),
        )
        for r in ticket_rows(periods, now=now)
    )
    assignment_parts = (
        (
            (r["month"], r["ticket__district_id"], r["unit_id"], r["ticket__category_id"]),
            _assignment_values(r),
        )
        for r in assignment_rows(periods)
    )
    add(rows, [*ticket_parts, *assignment_parts], roots() if to_root is None else to_root)
    return list(rows.values())


def ticket_parts(
    periods: Sequence[Period], *, now: Any, ids: Sequence[int] | None = None
) -> Iterator[RollupEntry]:
    """Each ticket's parts in the months' rows as of ``now`` (``RollupEntry``, unsaved);
    ``ids``: these tickets' only."""
    for r in ticket_rows(periods, now=now, ids=ids, per_ticket=True).iterator(5000):
        yield RollupEntry(
            ticket_id=r["pk"],
            period=r["month"],
            district_id=r["district_id"],
            unit_id=r["primary_unit_id"],
            category_id=r["category_id"],
            **_ticket_values(r),
        )
    assignments = assignment_rows(periods, ids=ids, per_ticket=True)
    for r in assignments.iterator(5000):
        yield RollupEntry(
            ticket_id=r["ticket_id"],
            period=r["month"],
            district_id=r["ticket__district_id"],
            unit_id=r["unit_id"],
            category_id=r["ticket__category_id"],
            **_assignment_values(r),
        )


def add(
    rows: dict[Cell, MonthlyRollup],
    parts: Iterable[tuple[Cell, Mapping[str, Any]]],
    to_root: Mapping[int, int],
    *,
    sign: int = 1,
) -> None:
    """Add (``sign`` -1: take away) parts keyed by (month, district, unit, own category)
    to ``rows``, keyed by level-1 category."""
    for (month, district, unit, category), values in parts:
        key = (month, district, unit, None if category is None else to_root.get(category))
        row = rows.get(key)
        if row is None:
            row = rows[key] = MonthlyRollup(
                period=month, district_id=district, unit_id=unit, category_id=key[3]
            )
        for name, value in values.items():
            setattr(row, name, getattr(row, name) + sign * value)


def _insert_select(qs: QuerySet[Any], columns: Mapping[str, str]) -> int:
    """``INSERT INTO`` the parts table ``SELECT`` the aliases (or SQL constants) of
    ``columns`` (part column → select expression) over the rows of ``qs``."""
    select, params = qs.query.get_compiler(using=qs.db).as_sql()
    table = RollupEntry._meta.db_table
    with connections[qs.db].cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns.values())} FROM ({select}) AS parts",
            params,
        )
        return cur.rowcount


def insert_parts(periods: Sequence[Period], *, now: Any) -> int:
    """Store every ticket's parts in the months' rows as of ``now`` (``RollupEntry``),
    computed and written by the database in two statements; the parts written."""
    if not periods:
        return 0
    keys = {
        "period": '"month"',
        "district_id": '"district_id"',
        "unit_id": '"primary_unit_id"',
        "category_id": '"category_id"',
    }
    counts = {c: f'"n_{c}"' for c in (*TICKET_COLUMNS, "handling_count")}
    written = _insert_select(
        ticket_rows(periods, now=now, per_ticket=True),
        {
            "ticket_id": '"pk"',
            **keys,
            **counts,
            "handling_hours_sum": 'COALESCE("n_handling_hours_sum", 0.0)',
            **dict.fromkeys(ASSIGNMENT_COLUMNS, "0"),
        },
    )
    return written + _insert_select(
        assignment_rows(periods, per_ticket=True),
        {
            "ticket_id": '"ticket_id"',
            "period": '"month"',
            "district_id": '"ticket__district_id"',
            "unit_id": '"unit_id"',
            "category_id": '"ticket__category_id"',
            **dict.fromkeys((*TICKET_COLUMNS, "handling_count"), "0"),
            "handling_hours_sum": "0.0",
            **{c: f'"n_{c}"' for c in ASSIGNMENT_COLUMNS},
        },
    )


def summed_parts(periods: Sequence[Period]) -> Iterator[tuple[Cell, dict[str, Any]]]:
    """The months' stored parts summed by (month, district, unit, own category), for
    :func:`add`: one grouped query over the parts table."""
    rows = (
        RollupEntry.objects.filter(period__in=[p.label for p in periods])
        .order_by()
        .values("period", "district_id", "unit_id", "category_id")
        .annotate(**{f"s_{c}": Sum(c) for c in SUM_COLUMNS})
    )
    for r in rows:
        cell = (r["period"], r["district_id"], r["unit_id"], r["category_id"])
        values: dict[str, Any] = {c: r[f"s_{c}"] or 0 for c in INT_COLUMNS}
        values["handling_hours_sum"] = float(r["s_handling_hours_sum"] or 0.0)
        yield cell, values


def entry_parts(entries: Iterable[RollupEntry]) -> Iterator[tuple[Cell, dict[str, Any]]]:
    """Ticket parts as (cell by own category, values) for :func:`add`."""
    for e in entries:
        cell = (e.period, e.district_id, e.unit_id, e.category_id)
        yield cell, {c: getattr(e, c) for c in SUM_COLUMNS}
