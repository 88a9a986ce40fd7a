"""考核申诉 / 核减: a unit contests a ticket's count in its figures; the centre rules.

A primary unit may ask that a ticket it was sent not count against it — an unreasonable
appeal, a matter outside its duties, a caller who refuses every reasonable solution. The
request, the ruling and the ticket's ``exempt`` flag are written through ``transition()``
(overlays: the state is kept), so the ticket page, the event log and replay show them.
An approved exemption leaves the unit's figures (``metrics``) and is listed, with its
reason, in the ranking's explanation.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from duban.org.models import User

from ..choices import ExemptionReason, ExemptionStatus
from ..errors import DomainError, ExemptionRefused, InvalidInput
from ..events import EventType, payloads
from ..models import Ticket, TicketExemption
from .base import check_text, transition


def exemption_request_refusal(ticket: Ticket) -> DomainError | None:
    """Why the primary unit may not contest ``ticket`` now (None: it may)."""
    if ticket.exempt:
        return ExemptionRefused("该工单已核减 / the ticket is already exempted")
    if TicketExemption.objects.filter(ticket=ticket, status=ExemptionStatus.PENDING).exists():
        return ExemptionRefused("已有待审核的考核申诉 / an exemption request is already pending")
    return None


def exemption_decision_refusal(ticket: Ticket) -> DomainError | None:
    """Why the centre cannot rule on ``ticket`` now: no request is waiting."""
    if not TicketExemption.objects.filter(ticket=ticket, status=ExemptionStatus.PENDING).exists():
        return ExemptionRefused("没有待审核的考核申诉 / no exemption request is pending")
    return None


def _raise(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


@transaction.atomic
def ticket_request_exemption(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reason_kind: str,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """The primary unit contests the ticket's count (考核申诉), with a reason."""
    if reason_kind not in ExemptionReason.values:
        raise InvalidInput("申诉理由无效 / invalid reason", field="reason_kind")
    reason = check_text(reason, field="reason", limit=500)
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REQUEST_EXEMPTION,
        expected_version=expected_version,
        validate=lambda t: _raise(exemption_request_refusal(t)),
        payload=payloads.request_exemption(reason_kind=reason_kind, reason=reason),
    )
    assert locked.primary_unit is not None  # the "primary" scope checked it
    TicketExemption.objects.create(
        ticket=locked,
        unit=locked.primary_unit,
        reason_kind=reason_kind,
        reason=reason,
        requested_by=actor,
        requested_at=now,
    )
    return locked


def _rule(*, ticket: Ticket, actor: User, now: datetime, approve: bool, note: str) -> None:
    TicketExemption.objects.filter(ticket=ticket, status=ExemptionStatus.PENDING).update(
        status=ExemptionStatus.APPROVED if approve else ExemptionStatus.REJECTED,
        ruled_by=actor,
        ruled_at=now,
        ruling_note=note,
    )


@transaction.atomic
def ticket_approve_exemption(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """The centre approves the request: the ticket leaves the unit's figures (核减)."""
    note = check_text(note, field="note", required=False, limit=500)
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.APPROVE_EXEMPTION,
        expected_version=expected_version,
        validate=lambda t: _raise(exemption_decision_refusal(t)),
        changes={"exempt": True},
        payload=payloads.approve_exemption(note=note),
    )
    _rule(ticket=locked, actor=actor, now=now, approve=True, note=note)
    return locked


@transaction.atomic
def ticket_reject_exemption(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """The centre rejects the request: the ticket keeps counting."""
    reason = check_text(reason, field="reason", limit=500)
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REJECT_EXEMPTION,
        expected_version=expected_version,
        validate=lambda t: _raise(exemption_decision_refusal(t)),
        payload=payloads.reject_exemption(reason=reason),
    )
    _rule(ticket=locked, actor=actor, now=now, approve=False, note=reason)
    return locked
