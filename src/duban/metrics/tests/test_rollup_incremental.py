"""The recent months' rollup brought forward from the tickets' changes equals a whole
rebuild: after any actions by any actors, deadlines passing unwritten, the breach scan,
month ends and exemptions, the rows (and each ticket's stored part) are what aggregating
the months' tickets afresh gives."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from duban.core.errors import DomainError
from duban.core.periods import PERIOD_TZ, months_back, period_containing
from duban.metrics import services
from duban.metrics.models import MonthlyRollup, RollupChange, RollupEntry, RollupPeriod
from duban.metrics.rollup_rows import SUM_COLUMNS, cells, ticket_parts
from duban.metrics.services import refresh_due
from duban.testing import factories as f
from duban.testing import personas
from duban.testing.actions import ACTIONS
from duban.tickets import services as s
from duban.tickets.models import Ticket
from duban.tickets.services.sla_tick import sla_tick

pytestmark = pytest.mark.django_db
# The personas' district (this directory's conftest builds a bare one of its own).
district = personas.district

START = datetime(2025, 3, 26, 9, 0, tzinfo=PERIOD_TZ)  # a Wednesday, near a month's end
PERSONAS = ["operator", "dispatcher", "street_handler", "village_handler", "dept_handler"]


def _row_key(r: MonthlyRollup) -> tuple[Any, ...]:
    return (r.period, r.district_id, r.unit_id, r.category_id)


def _values(r: Any) -> tuple[Any, ...]:
    return tuple(
        round(getattr(r, c), 6) if c == "handling_hours_sum" else getattr(r, c) for c in SUM_COLUMNS
    )


def stored_rows(labels: list[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {_row_key(r): _values(r) for r in MonthlyRollup.objects.filter(period__in=labels)}


def whole_rows(now: datetime) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {_row_key(r): _values(r) for r in cells(months_back(now, 2), now=now)}


def part_key(e: RollupEntry) -> tuple[Any, ...]:
    return (e.ticket_id, e.period, e.district_id, e.unit_id, e.category_id, *_values(e))


def assert_same_as_whole(now: datetime) -> None:
    recent = months_back(now, 2)
    labels = [p.label for p in recent]
    assert stored_rows(labels) == whole_rows(now)
    stored = Counter(part_key(e) for e in RollupEntry.objects.all())
    assert stored == Counter(part_key(e) for e in ticket_parts(recent, now=now))


def test_random_actions_and_clock_steps_keep_the_rows_of_a_whole_rebuild(p):
    class Rollup(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each example in a savepoint of its own, rolled back at its end: examples start
            # from the same database and the same clock, so a failure replays.
            self.example = transaction.atomic()
            self.example.__enter__()
            self.clock = START
            self.tickets: list[int] = []

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.example.__exit__(None, None, None)

        @rule(minutes=st.sampled_from([1, 7, 45, 2 * 60, 3 * 60, 8 * 60, 26 * 60, 3 * 24 * 60]))
        def time_passes(self, minutes: int) -> None:
            self.clock += timedelta(minutes=minutes)

        @rule(unit=st.sampled_from(["binhu", "hubin", "jgw"]))
        def dispatch(self, unit: str) -> None:
            t = f.dispatched(p=p, now=self.clock, unit=getattr(p.district, unit))
            self.tickets.append(t.pk)

        @precondition(lambda self: self.tickets)
        @rule(
            data=st.data(),
            action=st.sampled_from(sorted(ACTIONS)),
            persona=st.sampled_from(PERSONAS),
        )
        def act(self, data: st.DataObject, action: str, persona: str) -> None:
            ticket = Ticket.objects.get(pk=data.draw(st.sampled_from(self.tickets)))
            with contextlib.suppress(DomainError):
                ACTIONS[action](ticket, getattr(p, persona), self.clock, p)

        @precondition(lambda self: self.tickets)
        @rule(data=st.data())
        def approve_exemption(self, data: st.DataObject) -> None:
            ticket = Ticket.objects.get(pk=data.draw(st.sampled_from(self.tickets)))
            with contextlib.suppress(DomainError):
                s.ticket_approve_exemption(
                    ticket=ticket, actor=p.dispatcher, now=self.clock, note="情况属实"
                )

        @rule()
        def breach_scan(self) -> None:
            sla_tick(now=self.clock)  # flags in bulk, without the engine's observers

        @rule()
        def refresh(self) -> None:
            # As the tick does, whatever the months' age (the tick waits for RECENT_TTL).
            services.refresh_periods(months_back(self.clock, 2), now=self.clock, advance=True)
            assert_same_as_whole(self.clock)

    run_state_machine_as_test(
        Rollup,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_a_deadline_passing_without_a_write_moves_the_figures(p):
    """Not accepted within the accept deadline: due for a response once it passes; not
    handled within the handling deadline: overdue once it passes. Nothing is written to the
    tickets: the refresh finds them by their deadlines."""
    late = f.dispatched(p=p, now=START)
    accepted = f.accepted(p=p, now=START)
    refresh_due(now=START + timedelta(minutes=40), months=2)

    def march(column: str) -> int:
        return sum(getattr(r, column) for r in MonthlyRollup.objects.filter(period="2025-03"))

    assert march("due_for_response") == 1  # the accepted one
    RollupChange.objects.all().delete()  # the writes are counted: only the clock moves now

    past_accept = late.accept_due + timedelta(minutes=5)
    refresh_due(now=past_accept, months=2)
    assert march("due_for_response") == 2
    past_handle = max(late.handle_due, Ticket.objects.get(pk=accepted.pk).handle_due)
    refresh_due(now=past_handle + timedelta(minutes=5), months=2)
    assert march("overdue_count") == 2
    assert_same_as_whole(past_handle + timedelta(minutes=5))


def test_a_redispatch_in_the_next_month_moves_the_ticket_between_the_two_months(p):
    t = f.dispatched(p=p, now=START)
    refresh_due(now=START + timedelta(minutes=10), months=2)
    april = START + timedelta(days=7)
    assert period_containing(april).label == "2025-04"
    s.ticket_reassign(
        ticket=t, actor=p.dispatcher, now=april, unit=p.district.hubin, reason="职责调整"
    )
    refresh_due(now=april + timedelta(minutes=1), months=2)
    dispatched = {r.period: r.dispatched for r in MonthlyRollup.objects.filter(dispatched__gt=0)}
    assert dispatched == {"2025-04": 1}
    assert_same_as_whole(april + timedelta(minutes=1))


def test_a_month_that_turns_older_leaves_its_parts_to_its_own_rebuilds(p):
    f.dispatched(p=p, now=START)
    refresh_due(now=START + timedelta(minutes=10), months=2)
    assert set(RollupEntry.objects.values_list("period", flat=True)) == {"2025-03"}
    may = datetime(2025, 5, 2, 9, 0, tzinfo=PERIOD_TZ)
    refresh_due(now=may, months=3)  # March is now two months back
    assert not RollupEntry.objects.filter(period="2025-03").exists()
    assert sum(r.dispatched for r in MonthlyRollup.objects.filter(period="2025-03")) == 1


def test_the_tick_recounts_only_the_tickets_that_changed(p, django_assert_max_num_queries):
    """Between two whole rebuilds a refresh reads the notes and the deadlines that passed,
    not the months' tickets: a fixed number of queries whatever the month holds."""
    for _ in range(12):
        f.dispatched(p=p, now=START)
    one = f.dispatched(p=p, now=START)
    refresh_due(now=START + timedelta(minutes=10), months=2)
    s.ticket_accept(ticket=one, actor=p.street_handler, now=START + timedelta(minutes=20))
    state = RollupPeriod.objects.get(period="2025-03")
    with django_assert_max_num_queries(30):
        refresh_due(now=START + timedelta(minutes=21), months=2)
    assert RollupPeriod.objects.get(period="2025-03").entries_at == state.entries_at
    assert RollupChange.objects.count() == 0
    assert_same_as_whole(START + timedelta(minutes=21))


def test_a_whole_rebuild_of_one_recent_month_keeps_the_notes_for_the_next_refresh(p):
    """``refresh_period`` (the command line, the benches) rebuilds the month it is given;
    the tickets written to stay noted, for the other recent month may hold their parts."""
    t = f.dispatched(p=p, now=START)
    refresh_due(now=START + timedelta(minutes=10), months=2)
    s.ticket_accept(ticket=t, actor=p.street_handler, now=START + timedelta(minutes=20))
    services.refresh_period("2025-03", now=START + timedelta(minutes=21))
    assert RollupChange.objects.filter(ticket=t).exists()
    refresh_due(now=START + timedelta(minutes=25), months=2)
    assert not RollupChange.objects.exists()
    assert_same_as_whole(START + timedelta(minutes=25))
