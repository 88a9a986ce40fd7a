"""The current and the previous month's rollup, kept from their tickets' changes.

Aggregating a recent month's tickets every few minutes costs time in proportion to the
month (≈ 1 s at a million tickets a year, ≈ 25 s at Beijing's volume: docs/scale.md).
Instead, a recent month keeps each ticket's part in its rows (``RollupEntry``: what the
ticket and its primary assignments add to each row, with the figures' own expressions,
``rollup_rows``), rebuilt whole with the rows once a day; between two such rebuilds
:func:`advance` brings the rows up to ``now`` by recounting only

- the tickets written to since the last refresh: every write of the ticket engine notes
  its ticket in the write's own transaction (``RollupChange.ticket``, by the observer
  ``services.on_ticket_event``), the breach scan's flags included, since the figures do
  not change with them (below); and
- the tickets whose figures changed with the clock, without a write: ``due_for_response``
  once a ticket's accept deadline passes unaccepted, ``overdue_count`` once its handling
  deadline passes while the handling clock runs (``clocks.overdue_as_of``). Those are the
  tickets whose deadline fell between the last refresh and ``now``, found through the
  indexes of the unaccepted tickets (``ticket_unaccepted_due``) and of the open tickets
  (``ticket_open_district``).

A ticket recounted is counted afresh from the tickets table: its old parts are taken
away from the rows and its new parts added, so a recount is idempotent and a ticket
noted twice or recounted needlessly costs a little time, never a wrong figure. The rows
equal a whole rebuild's (``metrics/tests/test_rollup_incremental.py`` compares them after
random actions and clock steps). What the engine does not report as a write to a
ticket — a category moved under another parent, a ticket deleted by hand — waits for the
daily rebuild, as it does for an older month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from django.db.models import Q

from duban.core.iteration import batched
from duban.core.periods import Period
from duban.org.models import Unit
from duban.tickets.clocks import OVERDUE_STATES
from duban.tickets.models import Ticket

from .models import MonthlyRollup, RollupEntry
from .rollup_rows import (
    INT_COLUMNS,
    SUM_COLUMNS,
    Cell,
    add,
    entry_parts,
    in_periods,
    insert_parts,
    roots,
    summed_parts,
    ticket_parts,
)

CHUNK = 500  # tickets recounted per query (SQLite's bound parameters)
# Deadlines a little before the last refresh are looked at again: a recount too many is
# harmless, a flip missed is not (clock skew between the processes that refresh).
FLIP_SLACK = timedelta(minutes=1)


def drop_older(recent: Iterable[str]) -> None:
    """Drop the parts of the months no longer recent (a month turned): an older month is
    rebuilt whole from its tickets."""
    RollupEntry.objects.exclude(period__in=list(recent)).delete()


def rebuild(
    periods: Sequence[Period], *, now: datetime, to_root: Mapping[int, int] | None = None
) -> list[MonthlyRollup]:
    """Replace the months' ticket parts with their tickets' parts as of ``now`` (written by
    the database itself: ``INSERT … SELECT``); the months' rows, their sums. Inside the
    caller's transaction, which holds the months' locks."""
    if not periods:
        return []
    RollupEntry.objects.filter(period__in=[p.label for p in periods]).delete()
    insert_parts(periods, now=now)
    rows: dict[Cell, MonthlyRollup] = {}
    add(rows, summed_parts(periods), roots() if to_root is None else to_root)
    return list(rows.values())


def clock_flips(periods: Sequence[Period], *, since: datetime, now: datetime) -> set[int]:
    """The months' tickets whose deadline-dependent figures may have changed between
    ``since`` and ``now`` without a write: unaccepted with the accept deadline in between,
    or in a handling state with the handling deadline in between (two index range scans)."""
    start = since - FLIP_SLACK
    dispatched = in_periods("dispatched_at", periods)
    unaccepted = Ticket.objects.filter(
        dispatched,
        accepted_at__isnull=True,
        dispatched_at__isnull=False,
        accept_due__gte=start,
        accept_due__lt=now,
    )
    districts = Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True)
    handling = Ticket.objects.filter(
        dispatched,
        district_id__in=list(districts),
        state__in=OVERDUE_STATES,
        handle_due__gte=start,
        handle_due__lt=now,
    )
    ids = set(unaccepted.values_list("pk", flat=True))
    ids.update(handling.values_list("pk", flat=True))
    return ids


def _apply(delta: dict[Cell, MonthlyRollup], labels: Sequence[str]) -> None:
    """Add the differences to the months' rows: a row whose counts all fall to zero goes
    (a whole rebuild has no row without a ticket or an assignment)."""
    changed = {key: d for key, d in delta.items() if any(getattr(d, c) for c in SUM_COLUMNS)}
    if not changed:
        return
    units = {key[2] for key in changed}
    scope = Q(unit_id__in=[u for u in units if u is not None])
    if None in units:
        scope |= Q(unit__isnull=True)
    existing = {
        (r.period, r.district_id, r.unit_id, r.category_id): r
        for r in MonthlyRollup.objects.filter(scope, period__in=labels)
    }
    updated, created, emptied = [], [], []
    for key, d in changed.items():
        row = existing.get(key)
        if row is None:
            row = MonthlyRollup(
                period=key[0], district_id=key[1], unit_id=key[2], category_id=key[3]
            )
            created.append(row)
        else:
            updated.append(row)
        for c in SUM_COLUMNS:
            setattr(row, c, getattr(row, c) + getattr(d, c))
        if not row.handling_count:  # no float residue of sums taken away
            row.handling_hours_sum = 0.0
        if not any(getattr(row, c) for c in INT_COLUMNS):
            emptied.append(row)
    gone = {id(r) for r in emptied}
    MonthlyRollup.objects.filter(pk__in=[r.pk for r in emptied if r.pk is not None]).delete()
    MonthlyRollup.objects.bulk_update(
        [r for r in updated if id(r) not in gone], SUM_COLUMNS, batch_size=500
    )
    MonthlyRollup.objects.bulk_create([r for r in created if id(r) not in gone], batch_size=500)


def advance(
    periods: Sequence[Period], *, since: datetime, now: datetime, notes: Iterable[int | None]
) -> int:
    """Bring the recent months' rows from ``since`` to ``now``: recount the tickets of
    ``notes`` (the tickets written to, read by the caller before anything else) and those
    whose deadlines passed in between; the number of tickets recounted.

    Inside the caller's transaction, which holds the months' locks; every recent month
    takes part, since a redispatch moves a ticket from the previous month to the current.
    """
    labels = [p.label for p in periods]
    ids = {pk for pk in notes if pk is not None} | clock_flips(periods, since=since, now=now)
    to_root = roots()
    delta: dict[Cell, MonthlyRollup] = {}
    for chunk in batched(sorted(ids), CHUNK):
        old = list(RollupEntry.objects.filter(ticket_id__in=chunk))
        new = list(ticket_parts(periods, now=now, ids=chunk))
        add(delta, entry_parts(old), to_root, sign=-1)
        add(delta, entry_parts(new), to_root)
        RollupEntry.objects.filter(pk__in=[e.pk for e in old]).delete()
        RollupEntry.objects.bulk_create(new, batch_size=CHUNK)
    _apply(delta, labels)
    return len(ids)
