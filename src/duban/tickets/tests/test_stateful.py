"""Random action sequences by random actors; the invariants hold after every step.

- a ticket's state equals the replay of its events, seq runs 1..version;
- no deadline lies before the ticket's creation;
- every figure is within [0, 1];
- scoped reads never leak: a unit user sees only tickets touching their subtree;
- the work lists' open scope is exactly the open part of the scope;
- a unit reader's API total (``scope_total``) is the size of their scope.
"""

from __future__ import annotations

from datetime import timedelta

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
from duban.metrics.selectors import unit_figures
from duban.org.roles import DISTRICT_WIDE_ROLES
from duban.testing import factories as f
from duban.testing.actions import ACTIONS
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket, TicketAssignment
from duban.tickets.selectors import scope_total

pytestmark = pytest.mark.django_db(transaction=False)

PERSONAS = [
    "operator",
    "dispatcher",
    "street_handler",
    "street_head",
    "village_handler",
    "other_street_handler",
    "dept_handler",
    "supervisor",
    "leader",
]
DEADLINES = ["accept_due", "contact_due", "return_due", "handle_due", "callback_due"]


def test_random_lifecycles_keep_invariants(p, now):
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = now
            self.tickets: list[int] = []

        @rule(minutes=st.integers(min_value=1, max_value=3 * 24 * 60))
        def time_passes(self, minutes: int) -> None:
            self.clock += timedelta(minutes=minutes)

        @rule(
            urgent=st.booleans(),
            appeal_type=st.sampled_from(["consultation", "help", "complaint", "report"]),
        )
        def register(self, urgent: bool, appeal_type: str) -> None:
            t = f.registered(
                actor=p.operator,
                now=self.clock,
                urgency="urgent" if urgent else "normal",
                appeal_type=appeal_type,
            )
            self.tickets.append(t.pk)

        @precondition(lambda self: self.tickets)
        @rule(
            data=st.data(),
            action=st.sampled_from(sorted(ACTIONS)),
            persona=st.sampled_from(PERSONAS),
        )
        def act(self, data: st.DataObject, action: str, persona: str) -> None:
            pk = data.draw(st.sampled_from(self.tickets))
            ticket = Ticket.objects.get(pk=pk)
            before = ticket.version
            try:
                ACTIONS[action](ticket, getattr(p, persona), self.clock, p)
            except DomainError:
                ticket.refresh_from_db()
                assert ticket.version == before, "a refused action changed the ticket"

        @invariant()
        def replay_matches(self) -> None:
            for ticket in Ticket.objects.filter(pk__in=self.tickets).prefetch_related("events"):
                events = sorted(ticket.events.all(), key=lambda e: e.seq)
                assert [e.seq for e in events] == list(range(1, ticket.version + 1))
                assert replay(events) == ticket_replayed_fields(ticket)
                for field in DEADLINES:
                    due = getattr(ticket, field)
                    assert due is None or due >= ticket.created_at, field

        @invariant()
        def figures_in_range(self) -> None:
            for fig in unit_figures(
                period_start=now - timedelta(days=1),
                period_end=self.clock + timedelta(days=1),
                now=self.clock,
            ):
                for rate in (
                    fig.response_rate,
                    fig.resolution_rate,
                    fig.satisfaction_rate,
                    fig.on_time_rate,
                    fig.return_rate,
                    fig.reopen_rate,
                ):
                    assert rate is None or 0 <= rate <= 1

        @invariant()
        def reads_never_leak(self) -> None:
            for name in PERSONAS:
                user = getattr(p, name)
                if user.role in DISTRICT_WIDE_ROLES:
                    continue
                scope = user.scope_path
                for t in Ticket.objects.visible_to(user).select_related(
                    "primary_unit", "handling_unit"
                ):
                    touched = [u.path for u in (t.primary_unit, t.handling_unit) if u is not None]
                    touched += list(t.assignments.values_list("unit__path", flat=True))
                    assert any(path.startswith(scope) for path in touched), (name, t.number)

        @invariant()
        def scope_is_its_definition(self) -> None:
            # visible_to's indexed arms (primary parts left to the primary-unit arm) select
            # exactly the tickets its rule names: a primary or handling unit, or a unit with
            # an active part of any role, inside the user's scope.
            paths: dict[int, list[str]] = {}
            for t in Ticket.objects.select_related("primary_unit", "handling_unit"):
                paths[t.pk] = [u.path for u in (t.primary_unit, t.handling_unit) if u]
            for pk, path in TicketAssignment.objects.filter(status="active").values_list(
                "ticket_id", "unit__path"
            ):
                paths[pk].append(path)
            for name in PERSONAS:
                user = getattr(p, name)
                if user.role in DISTRICT_WIDE_ROLES:
                    continue
                scope = user.scope_path
                expected = {pk for pk, ps in paths.items() if any(s.startswith(scope) for s in ps)}
                got = set(Ticket.objects.visible_to(user).values_list("pk", flat=True))
                assert got == expected, name

        @invariant()
        def scope_total_counts_the_scope(self) -> None:
            # The API list's total for a unit's reader: three disjoint counts, one per arm.
            for name in PERSONAS:
                user = getattr(p, name)
                if user.role in DISTRICT_WIDE_ROLES:
                    continue
                assert scope_total(user) == Ticket.objects.visible_to(user).count(), name

        @invariant()
        def open_scope_is_the_open_part_of_the_scope(self) -> None:
            # The work lists' scope (three indexed branches) is exactly visible_to's open part.
            for name in PERSONAS:
                user = getattr(p, name)
                expected = set(Ticket.objects.visible_to(user).open().values_list("pk", flat=True))
                got = set(Ticket.objects.open_visible_to(user).values_list("pk", flat=True))
                assert got == expected, name

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
