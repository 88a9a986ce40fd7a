"""改派: the centre moves a ticket to another unit at once, recorded as such (not a return)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.choices import AssignmentStatus
from duban.tickets.errors import IllegalTransition, InvalidInput, PermissionDenied


def test_reassign_moves_the_ticket_with_fresh_deadlines_and_no_return(p, now) -> None:
    ticket = f.accepted(p=p, now=now)
    at = now + timedelta(days=2)
    moved = s.ticket_reassign(
        ticket=ticket, actor=p.dispatcher, now=at, unit=p.district.hubin, reason="属地调整"
    )
    assert moved.state == "dispatched" and moved.primary_unit == p.district.hubin
    assert moved.dispatched_at == at and moved.accepted_at is None
    assert moved.accept_due > at and moved.handle_due > ticket.handle_due
    assert moved.return_count == 0  # the old unit did not ask to return it
    event = moved.events.get(type="reassign")
    assert event.payload["from_unit"] == p.district.binhu.pk
    assert event.payload["unit"] == p.district.hubin.pk
    assert event.payload["reason"] == "属地调整"
    assert (event.from_state, event.to_state) == ("accepted", "dispatched")
    parts = dict(moved.assignments.values_list("unit_id", "status"))
    assert parts == {
        p.district.binhu.pk: AssignmentStatus.REASSIGNED,
        p.district.hubin.pk: AssignmentStatus.ACTIVE,
    }
    accepted = s.ticket_accept(ticket=moved, actor=p.other_street_handler, now=at)
    assert accepted.state == "accepted"


def test_reassign_to_the_same_unit_or_by_a_unit_is_refused(p, now) -> None:
    ticket = f.dispatched(p=p, now=now)
    with pytest.raises(InvalidInput) as exc:
        s.ticket_reassign(
            ticket=ticket, actor=p.dispatcher, now=now, unit=p.district.binhu, reason="同一单位"
        )
    assert exc.value.details["field"] == "unit"
    with pytest.raises(PermissionDenied):
        s.ticket_reassign(
            ticket=ticket, actor=p.street_handler, now=now, unit=p.district.hubin, reason="我转"
        )
    with pytest.raises(IllegalTransition):
        s.ticket_reassign(
            ticket=f.registered(actor=p.operator, now=now),
            actor=p.dispatcher,
            now=now,
            unit=p.district.hubin,
            reason="未派单",
        )
    ticket.refresh_from_db()
    assert (
        ticket.primary_unit == p.district.binhu
        and not ticket.events.filter(type="reassign").exists()
    )


def test_reassign_through_the_api(client, p, now) -> None:
    ticket = f.dispatched(p=p, now=now)
    client.force_login(p.dispatcher)
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/reassign",
        {"unit": p.district.hubin.code, "reason": "属地调整", "expected_version": ticket.version},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["primary_unit"]["name"] == "湖滨路街道"
    stale = client.post(
        f"/api/v1/tickets/{ticket.number}/reassign",
        {"unit": p.district.jianye.code, "reason": "再改", "expected_version": ticket.version},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
