"""Intake in one place: ``ticket_register`` stores keys and suggestions through the state
table and auto-dispatches in the engine's own name; the intelligence only reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from duban.org.models import User
from duban.testing import factories as f
from duban.tickets import intelligence
from duban.tickets import services as s
from duban.tickets.intelligence import Analysis, NoIntelligence
from duban.tickets.models import DuplicateKey, Ticket
from duban.tickets.services.base import SYSTEM, TABLE


class Fixed(NoIntelligence):
    """An intelligence that always names one unit to auto-dispatch to (the engine's contract)."""

    def __init__(self, unit_id: int | None) -> None:
        self.unit_id = unit_id

    def fingerprint(self, *, title: str, content: str) -> list[int]:
        return [11, 22, 33]

    def analyse(self, *, ticket: Ticket, keys: list[int], now: datetime) -> Analysis:
        units: list[dict[str, Any]] = [{"unit_id": self.unit_id, "confidence": 0.99}]
        return Analysis(suggestions={"units": units, "keys": keys}, auto_unit_id=self.unit_id)


@pytest.fixture
def installed() -> Iterator[Any]:
    before = intelligence.current()

    def install(brain: Any) -> None:
        intelligence.install(brain)

    yield install
    intelligence.install(before)


def test_suggestions_are_stored_through_the_state_table(p, now) -> None:
    ticket = f.registered(actor=p.operator, now=now)
    register, suggest = ticket.events.order_by("seq")
    assert (register.type, register.seq, register.actor) == ("register", 1, p.operator)
    assert (suggest.type, suggest.seq, suggest.actor) == ("suggest", 2, None)
    assert suggest.from_state == suggest.to_state == "registered"
    assert ticket.version == 2 and suggest.payload["suggestions"] == ticket.suggestions
    assert "suggestions" not in suggest.payload["set"]  # not a replayed field
    assert DuplicateKey.objects.filter(ticket=ticket).count() > 0
    assert TABLE["suggest"].roles == SYSTEM and TABLE["auto_dispatch"].roles == SYSTEM


@pytest.mark.postgres  # SQLite has no row locks: the statement is never written there
def test_registering_never_waits_for_a_row_lock(p, now) -> None:
    """The ticket is inserted by intake's own transaction, so no other transaction can see
    or lock it yet: the suggest step uses the row as it is, without re-reading it under a
    lock (one statement less per intake). Only the day's number counter is shared."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        ticket = f.registered(actor=p.operator, now=now)
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"].upper()]
    assert locks == []
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.version, stored.suggestions) == (2, ticket.suggestions)


def test_without_intelligence_the_engine_registers_plainly(p, now, installed) -> None:
    installed(NoIntelligence())
    ticket = f.registered(actor=p.operator, now=now)
    assert ticket.state == "registered" and ticket.suggestions == {}
    assert not DuplicateKey.objects.filter(ticket=ticket).exists()


def test_auto_dispatch_is_the_engines_own_act(p, now, installed) -> None:
    installed(Fixed(p.district.binhu.pk))
    ticket = f.registered(actor=p.operator, now=now)
    assert ticket.state == "dispatched" and ticket.primary_unit == p.district.binhu
    dispatch = ticket.events.get(type="dispatch")
    assert dispatch.actor is None and dispatch.payload["auto"] is True
    assert DuplicateKey.objects.filter(ticket=ticket).values_list("key", flat=True)
    assert ticket.handle_due is not None and ticket.accept_due is not None
    assert not User.objects.filter(username="auto_dispatch").exists()


def test_a_refused_auto_dispatch_keeps_the_registration(p, now, installed) -> None:
    from duban.org.models import UnitKind
    from duban.org.services import unit_create

    elsewhere = unit_create(code="x-district", name="别的区", kind=UnitKind.DISTRICT)
    street = unit_create(code="x-street", name="别的街道", kind=UnitKind.STREET, parent=elsewhere)
    installed(Fixed(street.pk))  # a unit outside the ticket's district
    ticket = f.registered(actor=p.operator, now=now)
    assert ticket.state == "registered" and ticket.primary_unit is None
    assert list(ticket.events.values_list("type", flat=True)) == ["register", "suggest"]
    installed(Fixed(p.district.centre.pk))  # not a unit tickets are dispatched to
    assert f.registered(actor=p.operator, now=now).state == "registered"


def test_a_user_cannot_dispatch_as_the_engine(p, now) -> None:
    from duban.tickets.errors import PermissionDenied

    ticket = f.registered(actor=p.operator, now=now)
    with pytest.raises(PermissionDenied):
        s.ticket_dispatch(ticket=ticket, actor=None, now=now, unit=p.district.binhu)
    ticket.refresh_from_db()
    assert ticket.state == "registered"


def test_the_desk_registers_and_routes_in_one_transaction(p, now) -> None:
    fields = dict(f.TicketInput())
    fields.pop("channel")
    result = s.ticket_register_and_route(
        actor=p.operator,
        now=now,
        route="dispatch",
        ticket_fields=fields,
        unit=p.district.binhu,
        idempotency_key="desk-1",
    )
    assert result.ticket.state == "dispatched" and not result.replayed
    again = s.ticket_register_and_route(
        actor=p.operator,
        now=now,
        route="dispatch",
        ticket_fields=fields,
        unit=p.district.binhu,
        idempotency_key="desk-1",
    )
    assert again.replayed and again.ticket.pk == result.ticket.pk
    assert Ticket.objects.count() == 1


def test_the_operators_own_routing_wins_over_auto_dispatch(p, now, installed) -> None:
    installed(Fixed(p.district.binhu.pk))  # confident about 滨湖街道
    fields = dict(f.TicketInput())
    fields.pop("channel")
    routed = s.ticket_register_and_route(
        actor=p.operator, now=now, route="dispatch", ticket_fields=fields, unit=p.district.hubin
    )
    assert routed.ticket.primary_unit == p.district.hubin
    dispatch = routed.ticket.events.get(type="dispatch")
    assert dispatch.actor == p.operator and dispatch.payload["auto"] is False
    left = s.ticket_register_and_route(
        actor=p.operator, now=now, route="register", ticket_fields=dict(fields)
    )
    assert left.ticket.state == "dispatched" and left.ticket.primary_unit == p.district.binhu
