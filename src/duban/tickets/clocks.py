"""The deadline clocks of a ticket, defined once.

Each clock has its deadline column, the column that records its breach (set once by
``duban sla tick``), the states in which it runs and, for the first-contact clock, the
column whose value stops it early. The breach scan (:mod:`.services.sla_tick`), the
countdown a ticket's card shows (``{% clock %}``) and the demo's simulated ticks all
read this table.

Due soon (临期) is relative to the clock: the last fifth of its span (from the column
where it started to its deadline), and never earlier than the clock's ``soon_within``
before the deadline. A 2-working-hour accept clock is therefore not 临期 the moment a
ticket is dispatched (a flat 24 hours would make every accept clock amber at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext_noop

from .choices import Breach, State


@dataclass(frozen=True)
class Clock:
    breach: Breach  # the breach event's ``clock``
    due: str  # the deadline column
    breached: str  # the column the breach scan sets, once
    states: frozenset[str]  # the states in which the clock runs
    done: str | None = None  # a column whose value stops the clock before its states end
    label: str = ""  # the countdown's label on a card; "" for a clock cards do not show
    start: str = ""  # the column holding the moment the clock started (its span's start)
    within: str = ""  # the SLA rule's field that sets the deadline (its duration spec)
    soon_within: timedelta = timedelta(hours=24)  # 临期 at most this long before the deadline

    def running(self, state: str) -> bool:
        return state in self.states

    def soon_window(self, *, started: datetime | None, due: datetime) -> timedelta:
        """How long before ``due`` the clock is due soon: the last ``SOON_SHARE`` of its
        span, at most ``soon_within`` (without a known start, ``soon_within``)."""
        if started is None or started >= due:
            return self.soon_within
        return min(self.soon_within, (due - started) * SOON_SHARE)

    def due_soon(self, *, started: datetime | None, due: datetime, now: datetime) -> bool:
        """Still running on time but inside its soon window (临期)."""
        return now <= due and due - now < self.soon_window(started=started, due=due)


# The share of a clock's span at its end in which it is due soon (临期).
SOON_SHARE = 0.2

S = State
ACCEPT = Clock(
    Breach.ACCEPT,
    "accept_due",
    "accept_breached_at",
    frozenset({S.DISPATCHED}),
    label=gettext_noop("签收"),
    start="dispatched_at",
    within="accept_within",
    soon_within=timedelta(minutes=30),
)
CONTACT = Clock(
    Breach.CONTACT,
    "contact_due",
    "contact_breached_at",
    frozenset({S.DISPATCHED, S.ACCEPTED}),
    done="first_contact_at",
    start="dispatched_at",
    within="contact_within",
    soon_within=timedelta(hours=4),
)
HANDLE = Clock(
    Breach.HANDLE,
    "handle_due",
    "handle_breached_at",
    frozenset({S.DISPATCHED, S.ACCEPTED, S.REOPENED}),
    label=gettext_noop("办理"),
    # A reopened ticket's handling clock restarts at the reopen; measured from the first
    # dispatch its span is longer, so it turns amber ``soon_within`` before the end.
    start="dispatched_at",
    within="handle_within",
    soon_within=timedelta(hours=24),
)
CALLBACK = Clock(
    Breach.CALLBACK,
    "callback_due",
    "callback_breached_at",
    frozenset({S.REVIEWED}),
    label=gettext_noop("回访"),
    start="reviewed_at",
    within="callback_within",
    soon_within=timedelta(hours=24),
)
CLOCKS: tuple[Clock, ...] = (ACCEPT, CONTACT, HANDLE, CALLBACK)
BY_BREACH: dict[str, Clock] = {str(c.breach): c for c in CLOCKS}

# The unit's clocks stop while the centre rules on its return request (退单待审): no clock
# runs in these states, so nothing is due soon, overdue or breached there. A rejected
# return pushes the deadlines of the clocks that run again out by the time the centre
# took (``Ticket.clock_stopped_at`` → ``tickets.services.dispatching.resumed_deadlines``).
STOPPED_STATES: frozenset[str] = frozenset({S.RETURN_PENDING})
UNIT_CLOCKS: tuple[Clock, ...] = (ACCEPT, CONTACT, HANDLE)

# The states in which the handling clock runs (a reply, a return approved, a merge or an
# invalidation stops it).
OVERDUE_STATES: tuple[str, ...] = tuple(sorted(HANDLE.states))
# The desks' 即将到期 / 24小时内到期 tabs list the tickets whose handling deadline is
# closer than this (a window in SQL; a card's amber countdown is the clock's own
# ``due_soon``, which for short handling clocks starts later).
DUE_SOON = HANDLE.soon_within


def _q(prefix: str, **lookups: Any) -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})


def past_due(now: datetime, prefix: str = "") -> Q:
    """The handling clock runs past its deadline now: work still to do, late.

    The desks' 已超期 tab, the ticket search's 仅看超期, a ticket's 已超期 badge and
    ``Ticket.objects.overdue(now)``. Every such ticket is also in :func:`overdue_as_of`.
    """
    return _q(prefix, state__in=OVERDUE_STATES, handle_due__lt=now)


def overdue_as_of(at: datetime, prefix: str = "") -> Q:
    """A ticket counts as overdue (超期件) as of ``at``: the one definition of the figure.

    Its handling deadline passed before ``at`` **and** the handling clock was still
    running then — the ticket is still being handled (:func:`past_due`), or it was
    answered after the deadline (``replied_at > handle_due``), or the breach scan saw
    the deadline pass while the clock ran (``handle_breached_at`` set; the ticket may
    since have been merged or invalidated). An answer in time, an approved return
    (no deadline), an approved extension or a reopen (a new deadline, the breach flag
    cleared) keep or take a ticket out. Otherwise, once in, a ticket stays in: a late
    reply does not clear it.

    The dashboard, the monthly report, the rankings, the circular (通报) and the
    metrics API count with it over the tickets dispatched in a month
    (``metrics.expressions.ticket_counts``); ``prefix`` serves queries that reach the
    tickets through a relation (``"t__"``).
    """
    late = (
        _q(prefix, state__in=OVERDUE_STATES)
        | _q(prefix, replied_at__gt=F(f"{prefix}handle_due"))
        | _q(prefix, handle_breached_at__isnull=False)
    )
    return _q(prefix, handle_due__lt=at) & late


def card_clock(state: str) -> Clock | None:
    """The clock a ticket's card counts down in ``state``: the first labelled one running.

    签收 while dispatched, 办理 while accepted or reopened, 回访 once reviewed; none while
    registered, waiting for the centre's ruling on a return (the clock stopped), replied or
    finished.
    """
    return next((c for c in CLOCKS if c.label and c.running(state)), None)


def started_at(clock: Clock, ticket: object) -> datetime | None:
    """When ``clock`` started on ``ticket`` (its ``start`` column), or None."""
    return getattr(ticket, clock.start, None) if clock.start else None


def restarting(state: str, values: Mapping[str, object]) -> tuple[Clock, ...]:
    """The unit's clocks that run again when a ticket whose clocks stopped goes back to
    ``state``: those running there, not stopped early (``done``), with a deadline.
    ``values`` holds the ticket's columns (a ``Ticket``'s via ``vars``, or a mapping)."""
    return tuple(
        c
        for c in UNIT_CLOCKS
        if c.running(state)
        and values.get(c.due) is not None
        and (c.done is None or values.get(c.done) is None)
    )
