"""The happy path and the main branches of the 12345 lifecycle, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket, TicketAssignment

pytestmark = pytest.mark.django_db


def assert_replays(ticket: Ticket) -> None:
    ticket.refresh_from_db()
    assert replay(ticket.events.order_by("seq")) == ticket_replayed_fields(ticket)


def test_register_assigns_number_and_event(p, now):
    t = f.registered(actor=p.operator, now=now)
    assert t.number.startswith("20250303") and len(t.number) == 14
    assert t.state == "registered"
    register, suggest = t.events.order_by("seq")
    assert (register.type, register.actor, register.to_state) == (
        "register",
        p.operator,
        "registered",
    )
    assert (suggest.type, suggest.to_state) == ("suggest", "registered")
    assert suggest.payload["suggestions"] == t.suggestions
    second = f.registered(actor=p.operator, now=now)
    assert second.number > t.number


def test_full_lifecycle_to_closed(p, now):
    t = f.closed(p=p, now=now)
    assert t.state == "closed" and t.resolved is True and t.satisfaction == "satisfied"
    assert [e.type for e in t.events.order_by("seq")] == [
        "register",
        "suggest",
        "dispatch",
        "accept",
        "record_contact",
        "reply",
        "review_pass",
        "callback",
    ]
    assert t.accept_due > t.dispatched_at and t.handle_due > t.dispatched_at
    assert t.callback_due > t.reviewed_at
    assert_replays(t)


def test_dispatch_deadlines_follow_rules(p, now):
    t = f.dispatched(p=p, now=now, appeal_type="consultation")
    local = t.handle_due.astimezone(now.tzinfo)
    # Monday 09:05 + 2 working days -> Wednesday 18:00.
    assert (local.date().isoformat(), local.hour) == ("2025-03-05", 18)
    # 2 working hours from 09:05 -> 11:05.
    assert t.accept_due.astimezone(now.tzinfo).strftime("%H:%M") == "11:05"


def test_return_approved_goes_back_to_registered(p, now):
    t = f.dispatched(p=p, now=now)
    t = s.ticket_request_return(
        ticket=t, actor=p.street_handler, now=now + timedelta(hours=1), reason="非本单位职责"
    )
    assert t.state == "return_pending"
    t = s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=now + timedelta(hours=2))
    assert (t.state, t.primary_unit, t.return_count) == ("registered", None, 1)
    assert TicketAssignment.objects.get(ticket=t).status == "returned"
    t = s.ticket_dispatch(
        ticket=t, actor=p.dispatcher, now=now + timedelta(hours=3), unit=p.district.housing
    )
    assert t.primary_unit == p.district.housing
    assert_replays(t)


def test_return_rejected_goes_back_where_it_was(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_request_return(
        ticket=t, actor=p.street_handler, now=now + timedelta(hours=1), reason="不归我们管"
    )
    t = s.ticket_reject_return(
        ticket=t, actor=p.dispatcher, now=now + timedelta(hours=2), reason="属地管理"
    )
    assert t.state == "accepted"
    assert_replays(t)


def test_unsatisfied_callback_reopens(p, now):
    t = f.reviewed(p=p, now=now)
    t = s.ticket_callback(
        ticket=t,
        actor=p.dispatcher,
        now=now + timedelta(days=2),
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        reopen=True,
    )
    assert (t.state, t.reopen_count) == ("reopened", 1)
    t = s.ticket_accept(ticket=t, actor=p.street_handler, now=now + timedelta(days=3))
    assert t.state == "accepted"
    assert_replays(t)


def test_merge_closes_with_master(p, now):
    master = f.reviewed(p=p, now=now)
    dup = f.registered(actor=p.operator, now=now + timedelta(hours=1))
    dup = s.ticket_merge(ticket=dup, actor=p.operator, now=now + timedelta(hours=2), master=master)
    assert (dup.state, dup.master_id) == ("merged", master.pk)
    s.ticket_callback(
        ticket=master,
        actor=p.dispatcher,
        now=now + timedelta(days=2),
        reached=True,
        resolved=True,
        satisfaction="basic",
    )
    dup.refresh_from_db()
    assert dup.closed_at is not None and dup.events.last().type == "close_with_master"
    assert_replays(dup)
