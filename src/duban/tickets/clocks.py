"""The deadline clocks of a ticket, defined once.

Each clock has its deadline column, the column that records its breach (set once by
``duban sla tick``), the states in which it runs and, for the first-contact clock, the
column whose value stops it early. The breach scan (:mod:`.services.sla_tick`), the
countdown a ticket's card shows (``{% clock %}``) and the demo's simulated ticks all
read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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

    def running(self, state: str) -> bool:
        return state in self.states


S = State
ACCEPT = Clock(
    Breach.ACCEPT,
    "accept_due",
    "accept_breached_at",
    frozenset({S.DISPATCHED}),
    label=gettext_noop("签收"),
)
CONTACT = Clock(
    Breach.CONTACT,
    "contact_due",
    "contact_breached_at",
    frozenset({S.DISPATCHED, S.ACCEPTED}),
    done="first_contact_at",
)
HANDLE = Clock(
    Breach.HANDLE,
    "handle_due",
    "handle_breached_at",
    frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURN_PENDING, S.REOPENED}),
    label=gettext_noop("办理"),
)
CALLBACK = Clock(
    Breach.CALLBACK,
    "callback_due",
    "callback_breached_at",
    frozenset({S.REVIEWED}),
    label=gettext_noop("回访"),
)
CLOCKS: tuple[Clock, ...] = (ACCEPT, CONTACT, HANDLE, CALLBACK)

# A ticket is overdue while the handling clock runs past ``handle_due`` (the desks'
# 已超期 tab, the ticket search, the figures' overdue count).
OVERDUE_STATES: tuple[str, ...] = tuple(sorted(HANDLE.states))
# A running deadline closer than this is due soon (临期): the countdown turns amber and
# the desks list the ticket under 即将到期.
DUE_SOON = timedelta(hours=24)


def card_clock(state: str) -> Clock | None:
    """The clock a ticket's card counts down in ``state``: the first labelled one running.

    签收 while dispatched, 办理 while accepted, returning or reopened, 回访 once reviewed;
    none while registered, replied or finished.
    """
    return next((c for c in CLOCKS if c.label and c.running(state)), None)
