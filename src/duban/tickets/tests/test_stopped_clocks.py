"""The unit's clock stops while the centre rules on its return; pending extensions lapse.

Issue 9, "figures a unit cannot dispute": no ticket is due soon, overdue or breached for
time the centre spent deciding on a return (退单待审); a rejected return pushes the unit's
deadlines out by that time, as each clock counts it; an extension request nobody ruled on
is closed by an ``extension_lapsed`` event, never dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from duban.sla.calendar import LOCAL_TZ
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.errors import PermissionDenied, StaleTicket
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket
from duban.tickets.services import sla_tick

pytestmark = pytest.mark.django_db


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=LOCAL_TZ)


def overdue(ticket: Ticket, at: datetime) -> bool:
    return Ticket.objects.overdue(at).filter(pk=ticket.pk).exists()


def types(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("seq").values_list("type", flat=True))


# -- the stopped clock ------------------------------------------------------------------------
def test_a_rejected_return_pushes_the_running_clocks_out_by_the_time_the_centre_took(p, now):
    """docs/deadlines.md's example: a complaint dispatched Mon 3 Mar 09:05, a return asked
    at 10:00 and rejected Tue 4 Mar 10:00 — 7 working hours, 24 clock hours later."""
    t = f.dispatched(p=p, now=now)
    assert (t.accept_due, t.contact_due, t.handle_due) == (
        local(3, 3, 11, 5),
        local(3, 4, 9, 5),
        local(3, 24, 18),
    )
    return_due = t.return_due
    t = s.ticket_request_return(
        ticket=t, actor=p.street_handler, now=local(3, 3, 10), reason="非本单位职责"
    )
    assert (t.state, t.clock_stopped_at) == ("return_pending", local(3, 3, 10))

    # The accept and contact deadlines pass while the centre decides: nothing happens.
    assert sla_tick(now=local(3, 4, 9, 59)).total == 0
    assert not overdue(t, local(3, 26, 9))  # not even past the handling deadline

    t = s.ticket_reject_return(ticket=t, actor=p.dispatcher, now=local(3, 4, 10), reason="属地")
    assert t.state == "dispatched" and t.clock_stopped_at is None
    assert (t.accept_due, t.contact_due, t.handle_due) == (
        local(3, 4, 11, 5),  # 2wh: 7 working hours later
        local(3, 5, 9, 5),  # 24h: 24 clock hours later
        local(3, 25, 18),  # 15wd: one working day later
    )
    assert t.return_due == return_due  # the return window does not move
    assert sla_tick(now=local(3, 4, 10, 1)).total == 0
    assert sla_tick(now=local(3, 4, 11, 6)).flagged["accept"] == 1
    assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t)


def test_only_the_clocks_that_run_again_move(p, now):
    """Back in 办理中 with the caller already contacted: the accept clock does not run
    there and the contact clock has stopped for good; only the handling deadline moves."""
    t = f.accepted(p=p, now=now)
    t = s.ticket_record_contact(ticket=t, actor=p.street_handler, now=local(3, 3, 9, 40))
    before = (t.accept_due, t.contact_due, t.handle_due)
    t = s.ticket_request_return(ticket=t, actor=p.street_handler, now=local(3, 3, 10), reason="x")
    t = s.ticket_reject_return(ticket=t, actor=p.dispatcher, now=local(3, 4, 10), reason="属地")
    assert t.state == "accepted"
    assert (t.accept_due, t.contact_due, t.handle_due) == (*before[:2], local(3, 25, 18))


def test_a_ticket_late_before_the_request_stays_late(p, now):
    """An urgent ticket (24-hour handling, clock time) already breached when the unit asks
    to return it: the pause moves its deadlines by the wall time and they stay passed; the
    breach stays, and is not flagged twice."""
    t = f.dispatched(p=p, now=now, urgency="urgent", appeal_type="help")
    assert t.handle_due == local(3, 4, 9, 5)
    assert sla_tick(now=local(3, 4, 9, 10)).flagged == {
        "accept": 1,
        "contact": 1,
        "handle": 1,
        "callback": 0,
    }
    t = s.ticket_request_return(ticket=t, actor=p.street_handler, now=local(3, 4, 10), reason="x")
    assert not overdue(t, local(3, 4, 12))  # stopped, whatever happened before
    assert sla_tick(now=local(3, 5, 9)).total == 0
    t = s.ticket_reject_return(ticket=t, actor=p.dispatcher, now=local(3, 5, 10), reason="属地")
    assert t.handle_due == local(3, 5, 9, 5) < local(3, 5, 10)
    assert t.handle_breached_at == local(3, 4, 9, 10)
    assert overdue(t, local(3, 5, 10, 1))
    assert sla_tick(now=local(3, 5, 11)).total == 0
    assert t.events.filter(type="breach").count() == 3


def test_an_approved_return_clears_the_clock_and_lapses_a_pending_extension(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=local(3, 3, 10), days=3, reason="需协调施工"
    )
    t = s.ticket_request_return(ticket=t, actor=p.street_handler, now=local(3, 3, 11), reason="x")
    t = s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=local(3, 3, 15))
    assert (t.state, t.clock_stopped_at, t.handle_due) == ("registered", None, None)
    assert t.extension_pending_days == 0 and t.extension_pending_reason == ""
    lapsed = t.events.get(type="extension_lapsed")
    assert types(t)[-2:] == ["extension_lapsed", "approve_return"]
    assert lapsed.actor is None and lapsed.from_state == lapsed.to_state == "return_pending"
    assert lapsed.payload == {
        "days": 3,
        "reason": "需协调施工",
        "cause": "approve_return",
        "set": {},
    }


# -- extension requests nobody ruled on ---------------------------------------------------------
def test_a_reply_lapses_the_pending_extension_request_first(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=local(3, 4, 10), days=3, reason="需协调施工"
    )
    handle_due = t.handle_due
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=local(3, 5, 10),
        result="solved",
        text="已修复。",
        expected_version=t.version,  # the client's version: the lapse does not make it stale
    )
    assert t.state == "replied" and t.extension_pending_days == 0
    assert (t.extension_days, t.handle_due) == (0, handle_due)  # nothing was granted
    assert types(t)[-3:] == ["request_extension", "extension_lapsed", "reply"]
    lapsed = t.events.get(type="extension_lapsed")
    assert (lapsed.at, lapsed.actor, lapsed.from_state, lapsed.to_state) == (
        local(3, 5, 10),
        None,
        "accepted",
        "accepted",
    )
    assert lapsed.payload == {"days": 3, "reason": "需协调施工", "cause": "reply", "set": {}}
    assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t)


def test_a_refused_reply_lapses_nothing(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=local(3, 4, 10), days=2, reason="等材料"
    )
    version = t.version
    with pytest.raises(StaleTicket):
        s.ticket_reply(
            ticket=t,
            actor=p.street_handler,
            now=local(3, 5, 10),
            result="solved",
            text="已修复。",
            expected_version=version - 1,
        )
    with pytest.raises(PermissionDenied):
        s.ticket_reply(
            ticket=t, actor=p.other_street_handler, now=local(3, 5, 10), result="solved", text="x"
        )
    t.refresh_from_db()
    assert (t.version, t.extension_pending_days) == (version, 2)
    assert not t.events.filter(type="extension_lapsed").exists()


def test_a_reassignment_lapses_the_pending_extension_request(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=local(3, 4, 10), days=2, reason="等材料"
    )
    t = s.ticket_reassign(
        ticket=t, actor=p.dispatcher, now=local(3, 4, 11), unit=p.district.hubin, reason="属地"
    )
    assert t.extension_pending_days == 0
    assert types(t)[-2:] == ["extension_lapsed", "reassign"]
    assert t.events.get(type="extension_lapsed").payload["cause"] == "reassign"


def test_decided_requests_do_not_lapse(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=local(3, 4, 10), days=2, reason="等材料"
    )
    t = s.ticket_approve_extension(ticket=t, actor=p.dispatcher, now=local(3, 4, 11))
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=local(3, 5, 10) + timedelta(hours=1),
        result="solved",
        text="已修复。",
    )
    assert not t.events.filter(type="extension_lapsed").exists()
