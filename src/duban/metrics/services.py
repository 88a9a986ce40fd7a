"""Writes of the metrics app: the monthly rollup, the figures' raw counts per month ×
primary unit × category.

A month is aggregated from the tickets in one pass (two grouped queries: tickets
dispatched in the month, primary assignments made in it) with the very expressions
the live figures use (``expressions.ticket_counts``), and stored as a few hundred
``MonthlyRollup`` rows (month × district × primary unit × category). The dashboard
then sums its district's rows instead of a year of tickets.

Freshness: the current and the previous month, where tickets still move, are refreshed
when a few minutes old (``RECENT_TTL``): brought forward from the tickets written to and
the deadlines passed since the last refresh (``services_recent``: each ticket's part in
the rows is kept, recounted and the difference added), and rebuilt whole once a day
(``ENTRIES_TTL``). An older month is recomputed only when something
changed in it — a write to one of its tickets notes the month (``on_ticket_event``, an
observer of the ticket engine, writes a ``RollupChange``) and the tick rebuilds it within
``OLDER_TTL`` — and otherwise once a day (``UNCHANGED_TTL``), which also catches what the
engine does not report as a write to the month: a reassignment that moves a ticket out of
it, a deadline passing. At a city's volume that spares most of the year's rebuilds: the
writes to tickets more than a month old fall almost all on the two months before the
previous one (docs/scale.md). ``duban sla tick`` (every minute) refreshes the months that
are due, so readers normally find them fresh; a reader that finds a month missing, a
recent month stale or an older one a day old recomputes it before reading. An approved
exemption (核减) marks its month stale (``mark_stale``): the tick or the next reader
recomputes it whatever its age.
The time-dependent counts (accept deadline passed, overdue) are as of
``RollupPeriod.computed_at``, shown on the dashboard.

The rebuild also stores the month's heat by place (``PlaceRollup``: routed and named
counts of every street and village per district, ``selectors_places``), which the
dashboard reads instead of matching place names against the month's tickets. Matching
them is about half of a month's rebuild at a city's volume (docs/scale.md), and the
heat is a count of the month's tickets by place, which moves slowly and not with the
clock: a recent month's heat is recounted by its first rebuild ``PLACES_TTL`` after the
last count (``RollupPeriod.places_at``, shown beside the heat), an older, stale or new
month's with every rebuild.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count

from duban.core.db import parallel_scan
from duban.core.periods import Period, months_back, parse_period, period_containing
from duban.org.models import User
from duban.tickets.events import EventType
from duban.tickets.models import Ticket, TicketEvent

from . import services_recent
from .models import MonthlyRollup, PlaceRollup, RollupChange, RollupPeriod
from .rollup_rows import cells, roots
from .selectors_places import district_place_counts

logger = logging.getLogger(__name__)

RECENT_TTL = timedelta(minutes=3)  # the current and the previous month
OLDER_TTL = timedelta(minutes=15)  # an older month with a change since its rebuild
UNCHANGED_TTL = timedelta(hours=24)  # an older month without one: the daily rebuild
PLACES_TTL = timedelta(minutes=15)  # a recent month's heat by place
# A recent month's rows and its tickets' parts rebuilt whole (between two such rebuilds the
# tick brings them forward from the tickets' changes: ``services_recent``).
ENTRIES_TTL = timedelta(hours=24)
# A reader rebuilds an older month it finds only when it is missing or a day old: with the
# tick running it never gets there, without it the first view still costs two months, not
# twelve.
READER_OLDER_TTL = UNCHANGED_TTL
TICK_MONTHS = 13  # months kept fresh by `duban sla tick`: a year back and the current one


def is_recent(period: Period, *, now: datetime) -> bool:
    """The current or the previous month of ``now``: its tickets still move every minute."""
    current = period_containing(now)
    return period.label in (current.label, current.previous.label)


def time_to_live(period: Period, *, now: datetime, older: timedelta = OLDER_TTL) -> timedelta:
    return RECENT_TTL if is_recent(period, now=now) else older


def _is_fresh(
    state: RollupPeriod | None, period: Period, *, now: datetime, older: timedelta = OLDER_TTL
) -> bool:
    if state is None or state.stale:
        return False
    age = now - state.computed_at
    # A negative age: refreshed by a process whose clock is a little ahead.
    return age <= time_to_live(period, now=now, older=older)


def places_due(state: RollupPeriod, period: Period, *, now: datetime) -> bool:
    """Whether a rebuild of ``period`` at ``now`` recounts its heat by place too: always for
    an older month (rebuilt rarely), a month never counted or marked stale (an import adds
    tickets); a recent month's once ``PLACES_TTL`` has passed since its last count."""
    if state.stale or state.places_at is None or not is_recent(period, now=now):
        return True
    return now - state.places_at >= PLACES_TTL


def advanceable(state: RollupPeriod, period: Period, *, now: datetime) -> bool:
    """Whether a refresh at ``now`` may bring ``period`` forward from its tickets' changes
    (``services_recent.advance``) instead of rebuilding it whole: a recent month with its
    tickets' parts, not marked stale, rebuilt whole less than ``ENTRIES_TTL`` ago."""
    return (
        is_recent(period, now=now)
        and not state.stale
        and state.entries_at is not None
        and now - state.entries_at < ENTRIES_TTL
    )


def refresh_periods(
    periods: Sequence[Period],
    *,
    now: datetime,
    force: bool = True,
    older: timedelta = OLDER_TTL,
    places: bool | None = None,
    advance: bool = False,
) -> list[str]:
    """Recompute the rollup rows of some months as of ``now``; the months recomputed.

    A fixed number of queries for any number of months. The months' ``RollupPeriod``
    rows are locked for the rebuild, so two processes never interleave their delete
    and insert; without ``force`` a month that another process has just refreshed is
    left alone. ``places``: whether the heat by place is recounted too — always (True),
    never (False) or when :func:`places_due` (None: the tick and the readers).

    A recent month is rebuilt whole with its tickets' parts (``services_recent.rebuild``).
    With ``advance`` (the tick and the readers) a recent month that has them is brought
    forward from its tickets' changes instead (:func:`advanceable`), and the two recent
    months are refreshed together: a redispatch moves a ticket from one to the other.
    """
    if not periods:
        return []
    by_label = {p.label: p for p in periods}
    current = period_containing(now)
    recent_labels = {current.label, current.previous.label}
    if advance and recent_labels & set(by_label):
        by_label.setdefault(current.previous.label, current.previous)
        by_label.setdefault(current.label, current)
    never = now - timedelta(days=3650)
    RollupPeriod.objects.bulk_create(
        [RollupPeriod(period=label, computed_at=never) for label in by_label],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        parallel_scan()
        locked = list(
            RollupPeriod.objects.select_for_update().filter(period__in=by_label).order_by("period")
        )
        asked = {p.label for p in periods}
        states = [
            s
            for s in locked
            if s.period in asked
            and (force or not _is_fresh(s, by_label[s.period], now=now, older=older))
        ]
        recent = [s for s in locked if is_recent(by_label[s.period], now=now)]
        if advance and any(s in recent for s in states):
            states = sorted({*states, *recent}, key=lambda s: s.period)
        if not states:
            return []
        moving = [s for s in states if advance and advanceable(s, by_label[s.period], now=now)]
        whole = [by_label[s.period] for s in states if s not in moving]
        whole_recent = [p for p in whole if is_recent(p, now=now)]
        if whole_recent:  # when the month turns, the new current month is rebuilt whole
            services_recent.drop_older(recent_labels)
        recount = [
            by_label[s.period]
            for s in states
            if places or (places is None and places_due(s, by_label[s.period], now=now))
        ]
        # The changes this refresh covers, read before the tickets: they were committed with
        # their writes, so the aggregate below sees those writes. A change committed later
        # is not in this list and stays for the next refresh.
        seen = list(
            RollupChange.objects.filter(period__in=[s.period for s in states]).values_list(
                "pk", "period", "ticket_id"
            )
        )
        to_root = roots()
        objects = cells([p for p in whole if p not in whole_recent], now=now, to_root=to_root)
        objects += services_recent.rebuild(whole_recent, now=now, to_root=to_root)
        MonthlyRollup.objects.filter(period__in=[p.label for p in whole]).delete()
        MonthlyRollup.objects.bulk_create(objects, batch_size=500)
        if moving:
            services_recent.advance(
                [by_label[s.period] for s in recent],
                since=min(s.computed_at for s in moving),
                now=now,
                notes=[ticket for _, period, ticket in seen if period in recent_labels],
            )
        if recount:
            heat = [
                PlaceRollup(period=month, district_id=district, place_id=place, routed=r, named=n)
                for (month, district), counts in district_place_counts(recount).items()
                for place, (r, n) in counts.items()
            ]
            PlaceRollup.objects.filter(period__in=[p.label for p in recount]).delete()
            PlaceRollup.objects.bulk_create(heat, batch_size=500)
        per_month = Counter(o.period for o in objects)
        if moving:
            per_month.update(
                dict(
                    MonthlyRollup.objects.filter(period__in=[s.period for s in moving])
                    .order_by()
                    .values("period")
                    .annotate(n=Count("pk"))
                    .values_list("period", "n")
                )
            )
        recounted = {p.label for p in recount}
        rebuilt = {p.label for p in whole_recent}
        for state in states:
            state.computed_at = now
            state.rows = per_month[state.period]
            state.stale = False
            if state.period in recounted:
                state.places_at = now
            if state.period in rebuilt:
                state.entries_at = now
        RollupPeriod.objects.bulk_update(
            states, ["computed_at", "rows", "stale", "places_at", "entries_at"]
        )
        # A recent month's changes are done with once every recent month was refreshed:
        # the tickets they name may have parts in either.
        done = {s.period for s in states}
        if not recent_labels <= done:
            done -= recent_labels
        RollupChange.objects.filter(
            pk__in=[pk for pk, period, _ in seen if period in done]
        ).delete()
    return [s.period for s in states]


def refresh_period(
    period: Period | str, *, now: datetime, force: bool = True, places: bool | None = True
) -> bool:
    """Recompute one month, its heat by place included unless ``places`` says otherwise
    (see :func:`refresh_periods`); False if it was fresh already."""
    if isinstance(period, str):
        period = parse_period(period)
    return bool(refresh_periods([period], now=now, force=force, places=places))


def ensure_fresh(periods: Sequence[Period], *, now: datetime) -> datetime:
    """Refresh the months of ``periods`` that are missing or stale; their oldest ``computed_at``.

    Stale for a reader: a recent month past ``RECENT_TTL``, an older one past
    ``READER_OLDER_TTL``. One query when every month is fresh, a fixed handful more
    when some are not.
    """
    labels = [p.label for p in periods]
    states = {s.period: s for s in RollupPeriod.objects.filter(period__in=labels)}
    older = READER_OLDER_TTL
    stale = [p for p in periods if not _is_fresh(states.get(p.label), p, now=now, older=older)]
    refresh_periods(stale, now=now, force=False, older=older, advance=True)
    fresh = [states[p.label].computed_at for p in periods if p not in stale]
    return min(fresh, default=now)


@dataclass(frozen=True)
class RefreshResult:
    refreshed: tuple[str, ...]
    seconds: float


def refresh_due(
    *, now: datetime, months: int = TICK_MONTHS, margin: timedelta = timedelta(seconds=75)
) -> RefreshResult:
    """The tick's job: refresh the last ``months`` months that would expire within ``margin``.

    Ticks run every minute, so a month is refreshed a little before a reader would
    find it stale. An older month is due ``OLDER_TTL`` after its rebuild when it has
    changed since (a ``RollupChange``), else ``UNCHANGED_TTL`` after it.
    """
    started = time.perf_counter()
    periods = months_back(now, months)
    labels = [p.label for p in periods]
    states = {s.period: s for s in RollupPeriod.objects.filter(period__in=labels)}
    changed = set(RollupChange.objects.filter(period__in=labels).values_list("period", flat=True))
    at = now + margin
    due = [
        p
        for p in periods
        if not _is_fresh(states.get(p.label), p, now=at)
        and (
            p.label in changed
            or is_recent(p, now=at)
            or not _is_fresh(states.get(p.label), p, now=at, older=UNCHANGED_TTL)
        )
    ]
    refreshed = refresh_periods(due, now=now, advance=True)
    if refreshed:
        logger.debug("rollup refreshed %s", ", ".join(refreshed))
    return RefreshResult(refreshed=tuple(refreshed), seconds=time.perf_counter() - started)


def mark_stale(period: Period) -> int:
    """Have the month recomputed by the next tick or reader, whatever its age (one query).

    Inside the transaction of the write that changed the month: the update waits for a
    rebuild in progress (it holds the month's row) and the next rebuild, which locks the
    row, sees the write. A month never computed has no row and nothing to mark.
    """
    return RollupPeriod.objects.filter(period=period.label).update(stale=True)


def note_change(period: Period, *, now: datetime, ticket: Ticket | None = None) -> None:
    """Note a write to a ticket of ``period``: one insert, which never waits for a refresh
    in progress. An older month is rebuilt by the tick within ``OLDER_TTL``; for a recent
    month the tick recounts the ticket's part (``services_recent.advance``).

    One row per write, not one per month: a refresh in progress may already have read the
    month's pending rows and will delete them, without this write in its figures; a row of
    this write's own stays for the next refresh. (At Beijing's volume ≈ 8 rows a second,
    the events of the dispatched tickets; a refresh every two minutes takes them away.)"""
    RollupChange.objects.create(period=period.label, at=now, ticket=ticket)


def on_ticket_event(
    *, ticket: Ticket, event: TicketEvent, actor: User | None, now: datetime
) -> None:
    """The ticket engine's observer (registered in ``apps.py``), for the month the ticket
    was dispatched in: every write is noted (:func:`note_change`), and an approved
    exemption, which takes the ticket out of its figures, also marks the month's rollup
    stale (recomputed at once, whatever its age)."""
    if ticket.dispatched_at is None:
        return
    month = period_containing(ticket.dispatched_at)
    if event.type == EventType.APPROVE_EXEMPTION:
        mark_stale(month)
    note_change(month, now=now, ticket=ticket)


def on_tickets_imported(*, periods: Sequence[Period], now: datetime) -> None:
    """The history import's observer (registered in ``apps.py``): months that gained closed
    tickets are marked stale, so the tick or the next reader recomputes them whatever their
    age (one query per month)."""
    for period in periods:
        mark_stale(period)
