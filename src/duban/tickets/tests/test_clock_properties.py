"""Random lifecycles with time passing and the breach scan ticking (hypothesis).

After every step, for every ticket of the run:

- no ticket whose clock is stopped (the centre ruling on a return) is overdue, by
  ``Ticket.objects.overdue(now)``, and no breach event was ever written while a clock was
  stopped — nor before the deadline it names;
- the moment the clock stopped is recorded exactly while it is stopped;
- a rejected return pushed each deadline that runs again out by the time the centre took,
  as its clock counts (working minutes, or clock time for the rules in hours);
- a reopened ticket is not overdue at the reopen (a fresh handling deadline, no breach);
- no extension request stays pending past the reply: each request ends approved,
  rejected or lapsed;
- replay of the events still equals the ticket's state, seq runs 1..version.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from duban.core.errors import DomainError
from duban.sla.durations import parse_duration
from duban.sla.selectors import get_calendar, rule_for
from duban.testing import factories as f
from duban.testing.actions import ACTIONS, TABLE_ACTION
from duban.tickets.clocks import STOPPED_STATES, UNIT_CLOCKS
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket
from duban.tickets.services import sla_tick
from duban.tickets.services.base import TABLE

pytestmark = pytest.mark.django_db(transaction=False)

CENTRE = "dispatcher"
UNIT = "handler"  # of 滨湖街道, where ``dispatch`` sends every ticket
# The actions of a lifecycle and who takes them; returns, extensions and reopens weigh more.
WHO: dict[str, str] = {
    "dispatch": CENTRE,
    "accept": UNIT,
    "record_contact": UNIT,
    "request_return": UNIT,
    "approve_return": CENTRE,
    "reject_return": CENTRE,
    "request_extension": UNIT,
    "approve_extension": CENTRE,
    "reject_extension": CENTRE,
    "reply": UNIT,
    "review_pass": CENTRE,
    "review_reject": CENTRE,
    "callback": CENTRE,
    "callback_unsatisfied": CENTRE,
    "callback_missed": CENTRE,
    "reopen": CENTRE,
}
# Drawn among those legal in the ticket's state: the steps forward and the ones under
# test weigh more, so lifecycles reach returns, replies, call-backs and reopens.
WEIGHTED = (
    sorted(WHO)
    + [
        "accept",
        "request_return",
        "reject_return",
        "request_extension",
        "reply",
        "review_pass",
        "callback_unsatisfied",
        "reopen",
    ]
    * 3
)
REOPENING = {"reopen", "callback_unsatisfied"}
RULINGS = {"approve_extension", "reject_extension"}  # drawn only with a request pending
DECIDES = {"approve_extension", "reject_extension", "extension_lapsed"}


def test_stopped_clocks_and_new_rounds_over_random_lifecycles(p, now):
    calendar = get_calendar()

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = now
            self.tickets: list[int] = []

        @rule(minutes=st.integers(min_value=1, max_value=4 * 24 * 60), tick=st.booleans())
        def time_passes(self, minutes: int, tick: bool) -> None:
            """Time passes; the breach scan (``duban sla tick``) may run."""
            self.clock += timedelta(minutes=minutes)
            if tick:
                sla_tick(now=self.clock)

        @precondition(lambda self: len(self.tickets) < 3)  # few tickets, long lives
        @rule(
            urgent=st.booleans(),
            appeal_type=st.sampled_from(["consultation", "help", "complaint"]),
        )
        def dispatch(self, urgent: bool, appeal_type: str) -> None:
            t = f.registered(
                actor=p.operator,
                now=self.clock,
                urgency="urgent" if urgent else "normal",
                appeal_type=appeal_type,
            )
            ACTIONS["dispatch"](t, p.dispatcher, self.clock, p)
            self.tickets.append(t.pk)

        @precondition(lambda self: self.tickets)
        @rule(data=st.data())
        def act(self, data: st.DataObject) -> None:
            """An action the state table allows in the ticket's state (the services' own
            rules may still refuse it)."""
            pk = data.draw(st.sampled_from(self.tickets))
            before = Ticket.objects.get(pk=pk)
            legal = [
                a
                for a in WEIGHTED
                if before.state in TABLE[TABLE_ACTION[a]].sources
                and (a not in RULINGS or before.extension_pending_days)
            ]
            if not legal:
                return
            action = data.draw(st.sampled_from(legal))
            try:
                after = ACTIONS[action](before, self.actor(action), self.clock, p)
            except DomainError:
                return
            after.refresh_from_db()
            if action == "reject_return":
                self.check_pushed(before, after)
            if action in REOPENING and after.state == "reopened":
                assert after.handle_breached_at is None
                assert after.handle_due is not None and after.handle_due > self.clock
                assert not Ticket.objects.overdue(self.clock).filter(pk=pk).exists()

        def actor(self, action: str) -> Any:
            return p.dispatcher if WHO[action] == CENTRE else p.street_handler

        def check_pushed(self, before: Ticket, after: Ticket) -> None:
            """Each restarted deadline moved by the pause, as its clock counts time."""
            stopped = before.clock_stopped_at
            assert stopped is not None and after.clock_stopped_at is None
            rule_ = rule_for(
                kind=before.kind, appeal_type=before.appeal_type, urgency=before.urgency
            )
            for clock in UNIT_CLOCKS:
                old, new = getattr(before, clock.due), getattr(after, clock.due)
                restarted = clock.running(after.state) and (
                    clock.done is None or getattr(after, clock.done) is None
                )
                if old is None or not restarted:
                    assert new == old, clock.due
                elif parse_duration(getattr(rule_, clock.within)).unit in ("min", "h"):
                    assert new - old == self.clock - stopped, clock.due
                else:
                    paused = calendar.working_minutes_between(stopped, self.clock)
                    assert calendar.working_minutes_between(old, new) == paused, clock.due

        @invariant()
        def stopped_clocks_never_run(self) -> None:
            mine = Ticket.objects.filter(pk__in=self.tickets)
            stopped = mine.filter(state__in=STOPPED_STATES)
            assert not stopped.overdue(self.clock).exists()
            assert not stopped.filter(clock_stopped_at__isnull=True).exists()
            running = mine.exclude(state__in=[*STOPPED_STATES, "merged", "invalid"])
            assert not running.filter(clock_stopped_at__isnull=False).exists()

        @invariant()
        def events_tell_the_same_story(self) -> None:
            for ticket in Ticket.objects.filter(pk__in=self.tickets).prefetch_related("events"):
                events = sorted(ticket.events.all(), key=lambda e: e.seq)
                assert [e.seq for e in events] == list(range(1, ticket.version + 1))
                assert replay(events) == ticket_replayed_fields(ticket)
                pending = 0
                for e in events:
                    if e.type == "breach":
                        assert e.from_state not in STOPPED_STATES, e
                        assert e.at > datetime.fromisoformat(e.payload["due"]), e
                    elif e.type == "request_extension":
                        assert pending == 0
                        pending = e.payload["days"]
                    elif e.type in DECIDES:
                        assert pending, e
                        pending = 0
                    elif e.type == "reply":
                        assert pending == 0, "a request left pending at the reply"
                assert ticket.extension_pending_days == pending

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=60,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
