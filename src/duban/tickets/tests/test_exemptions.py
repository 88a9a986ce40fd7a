"""考核申诉 / 核减: the primary unit contests a ticket's count, the centre rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.choices import ExemptionStatus
from duban.tickets.errors import ExemptionRefused, InvalidInput, PermissionDenied
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import TicketExemption


def test_a_unit_contests_and_the_centre_approves(p, now) -> None:
    ticket = f.closed(p=p, now=now)
    at = now + timedelta(days=3)
    asked = s.ticket_request_exemption(
        ticket=ticket,
        actor=p.street_handler,
        now=at,
        reason_kind="refuses_solution",
        reason="诉求人拒绝三次上门维修方案",
    )
    assert asked.state == "closed" and not asked.exempt
    request = TicketExemption.objects.get(ticket=ticket)
    assert request.status == ExemptionStatus.PENDING and request.unit == p.district.binhu
    done = s.ticket_approve_exemption(
        ticket=asked, actor=p.dispatcher, now=at + timedelta(hours=2), note="情况属实"
    )
    assert done.exempt and done.state == "closed"
    request.refresh_from_db()
    assert (request.status, request.ruled_by, request.ruling_note) == (
        ExemptionStatus.APPROVED,
        p.dispatcher,
        "情况属实",
    )
    types = list(done.events.values_list("type", flat=True))[-2:]
    assert types == ["request_exemption", "approve_exemption"]
    assert replay(done.events.order_by("seq")) == ticket_replayed_fields(done)


def test_a_rejected_request_keeps_the_count_and_may_be_filed_again(p, now) -> None:
    ticket = f.accepted(p=p, now=now)
    ticket = s.ticket_request_exemption(
        ticket=ticket, actor=p.street_handler, now=now, reason_kind="other", reason="重复诉求"
    )
    with pytest.raises(ExemptionRefused):  # one pending request at a time
        s.ticket_request_exemption(
            ticket=ticket, actor=p.street_head, now=now, reason_kind="other", reason="再次申诉"
        )
    ticket = s.ticket_reject_exemption(
        ticket=ticket, actor=p.dispatcher, now=now, reason="属本单位职责"
    )
    assert not ticket.exempt
    with pytest.raises(ExemptionRefused):  # nothing left to rule on
        s.ticket_approve_exemption(ticket=ticket, actor=p.dispatcher, now=now)
    s.ticket_request_exemption(
        ticket=ticket, actor=p.street_head, now=now, reason_kind="out_of_scope", reason="供电"
    )
    statuses = sorted(TicketExemption.objects.values_list("status", flat=True))
    assert statuses == ["pending", "rejected"]


def test_only_the_primary_unit_contests_and_only_dispatchers_rule(p, now) -> None:
    ticket = f.accepted(p=p, now=now)
    with pytest.raises(PermissionDenied):
        s.ticket_request_exemption(
            ticket=ticket,
            actor=p.other_street_handler,
            now=now,
            reason_kind="other",
            reason="不是我们的",
        )
    with pytest.raises(InvalidInput):
        s.ticket_request_exemption(
            ticket=ticket, actor=p.street_handler, now=now, reason_kind="bogus", reason="x"
        )
    s.ticket_request_exemption(
        ticket=ticket, actor=p.street_handler, now=now, reason_kind="other", reason="重复"
    )
    with pytest.raises(PermissionDenied):
        s.ticket_approve_exemption(ticket=ticket, actor=p.street_head, now=now)
    with pytest.raises(PermissionDenied):
        s.ticket_approve_exemption(ticket=ticket, actor=p.operator, now=now)
    ticket.refresh_from_db()
    assert not ticket.exempt


def test_the_api_files_and_rules_an_exemption(client, p, now) -> None:
    ticket = f.accepted(p=p, now=now)
    client.force_login(p.street_handler)
    bad = client.post(
        f"/api/v1/tickets/{ticket.number}/exemption-request",
        {"reason_kind": "nope", "reason": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    filed = client.post(
        f"/api/v1/tickets/{ticket.number}/exemption-request",
        {"reason_kind": "out_of_scope", "reason": "属供电公司职责"},
        content_type="application/json",
    )
    assert filed.status_code == 200, filed.content
    again = client.post(
        f"/api/v1/tickets/{ticket.number}/exemption-request",
        {"reason_kind": "out_of_scope", "reason": "再次"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "exemption_refused"
    client.force_login(p.dispatcher)
    ruled = client.post(
        f"/api/v1/tickets/{ticket.number}/exemption-approve",
        {"note": "属实"},
        content_type="application/json",
    )
    assert ruled.status_code == 200
    ticket.refresh_from_db()
    assert ticket.exempt


def test_an_exemption_stays_with_the_unit_that_won_it(p, now) -> None:
    ticket = f.accepted(p=p, now=now)
    ticket = s.ticket_request_exemption(
        ticket=ticket, actor=p.street_handler, now=now, reason_kind="out_of_scope", reason="供电"
    )
    ticket = s.ticket_approve_exemption(ticket=ticket, actor=p.dispatcher, now=now)
    assert ticket.exempt
    moved = s.ticket_reassign(
        ticket=ticket, actor=p.dispatcher, now=now, unit=p.district.hubin, reason="属地调整"
    )
    assert not moved.exempt  # 湖滨路街道 is counted for it
    asked = s.ticket_request_exemption(
        ticket=moved,
        actor=p.other_street_handler,
        now=now,
        reason_kind="other",
        reason="重复诉求",
    )
    asked = s.ticket_request_return(
        ticket=asked, actor=p.other_street_handler, now=now, reason="非本单位职责"
    )
    back = s.ticket_approve_return(ticket=asked, actor=p.dispatcher, now=now)
    assert not back.exempt
    assert list(
        TicketExemption.objects.filter(ticket=ticket)
        .order_by("pk")
        .values_list("status", flat=True)
    ) == ["approved", "rejected"]
    assert replay(back.events.order_by("seq")) == ticket_replayed_fields(back)
