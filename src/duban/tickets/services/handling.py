"""A unit's work on a ticket: accept, first contact, extensions, reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from duban.org.models import User
from duban.sla.deadlines import extended_handle_due, extension_limit_days
from duban.sla.selectors import get_calendar, rule_for

from .. import intelligence
from ..choices import AssignmentRole, AssignmentStatus, ReplyResult
from ..errors import DomainError, ExtensionLimit, IllegalTransition, InvalidInput
from ..events import EventType, payloads
from ..models import Attachment, Ticket, TicketAssignment
from ..rules import reply_needs_reason
from .attachments import ticket_attach
from .base import TABLE, check_permission, check_text, check_version, lock, transition

MAX_ATTACHMENTS = 9


def _reply_check(ticket: Ticket, text: str, result: str) -> dict:
    """How the reply scores against the appeal (relevance, completeness, boilerplate).

    Asked of the installed intelligence (``tickets.intelligence``); weak replies are
    flagged for the centre's review before they reach the caller.
    """
    return intelligence.current().check_reply(ticket=ticket, text=text, result=result)


@transaction.atomic
def ticket_accept(
    *, ticket: Ticket, actor: User, now: datetime, expected_version: int | None = None
) -> Ticket:
    """The primary unit signs for the ticket (签收), dispatched or reopened.

    A reopened ticket's handling deadline already runs from the reopen
    (``closing._reopen_changes``): signing for it late does not buy time.
    """
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.ACCEPT,
        expected_version=expected_version,
        changes={"accepted_at": now},
        payload=payloads.accept(),
    )
    TicketAssignment.objects.filter(
        ticket=locked,
        unit=locked.primary_unit,
        role=AssignmentRole.PRIMARY,
        status=AssignmentStatus.ACTIVE,
        accepted_at__isnull=True,
    ).update(accepted_at=now)
    return locked


@transaction.atomic
def ticket_record_contact(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Record a contact with the caller; the first one stops the first-contact clock."""
    note = check_text(note, field="note", required=False, limit=500)
    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.RECORD_CONTACT,
        expected_version=expected_version,
        changes=lambda t: {"first_contact_at": t.first_contact_at or now},
        payload=payloads.record_contact(note=note),
    )


@transaction.atomic
def ticket_request_extension(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    days: int,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """Ask the centre for more working days; at most the rule's limit in total."""
    reason = check_text(reason, field="reason", limit=500)

    def validate(t: Ticket) -> None:
        if (refusal := extension_request_refusal(t, days=days)) is not None:
            raise refusal

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REQUEST_EXTENSION,
        expected_version=expected_version,
        validate=validate,
        changes={"extension_pending_days": days, "extension_pending_reason": reason},
        payload=payloads.request_extension(days=days, reason=reason),
    )


def extension_limit(ticket: Ticket) -> int:
    """The working days the ticket's extensions may total (its SLA rule's ``extension_max``)."""
    return extension_limit_days(
        rule_for(kind=ticket.kind, appeal_type=ticket.appeal_type, urgency=ticket.urgency)
    )


def extension_request_refusal(ticket: Ticket, *, days: int = 1) -> DomainError | None:
    """Why a request for ``days`` more working days would be refused now; None if it would not.

    One request waits for the centre at a time, and the extensions total at most the
    rule's limit. ``ticket_request_extension`` raises the refusal; the ticket page does
    not offer the request when even one day would be refused.
    """
    if ticket.extension_pending_days:
        return IllegalTransition("已有待审批的延期申请 / an extension request is already pending")
    limit = extension_limit(ticket)
    if not isinstance(days, int) or days < 1 or ticket.extension_days + days > limit:
        return ExtensionLimit(
            f"延期累计不得超过 {limit} 个工作日（已延期 {ticket.extension_days}） / "
            f"extensions may total at most {limit} working days (already {ticket.extension_days})",
            limit=limit,
        )
    return None


def extension_decision_refusal(ticket: Ticket) -> DomainError | None:
    """Why approving or rejecting an extension would be refused: no request is pending."""
    if not ticket.extension_pending_days:
        return IllegalTransition("没有待审批的延期申请 / no extension request is pending")
    return None


def _require_pending(t: Ticket) -> None:
    if (refusal := extension_decision_refusal(t)) is not None:
        raise refusal


def lapse_extension(
    *, ticket: Ticket, now: datetime, action: str, expected_version: int | None = None
) -> int | None:
    """Close the extension request nobody ruled on when ``action`` ends the round it was
    asked for (延期申请失效): the reply, or a return approved or a reassignment, which take
    the ticket from the unit. Its own event (no actor: the engine closes it), written first
    in the action's transaction, so the request is never silently dropped.

    Checks the client's version first (the lapse moves the ticket on) and returns the
    version the action still has to check (None once checked here). A refused action
    raises inside the same transaction, which undoes the lapse with it.
    """
    locked = lock(ticket)
    if (
        not locked.extension_pending_days
        or locked.state not in TABLE[action].sources
        or locked.state not in TABLE[EventType.EXTENSION_LAPSED].sources
    ):
        return expected_version
    check_version(locked, expected_version)
    transition(
        ticket=locked,
        actor=None,
        now=now,
        action=EventType.EXTENSION_LAPSED,
        changes={"extension_pending_days": 0, "extension_pending_reason": ""},
        payload=payloads.extension_lapsed(
            days=locked.extension_pending_days,
            reason=locked.extension_pending_reason,
            cause=action,
        ),
    )
    return None


@transaction.atomic
def ticket_approve_extension(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Grant the pending extension; the handling deadline moves by that many working days."""
    note = check_text(note, field="note", required=False, limit=500)

    def changes(t: Ticket) -> dict:
        days = t.extension_pending_days
        assert t.handle_due is not None
        return {
            "extension_days": t.extension_days + days,
            "handle_due": extended_handle_due(
                calendar=get_calendar(), handle_due=t.handle_due, extra_days=days
            ),
            "extension_pending_days": 0,
            "extension_pending_reason": "",
            "handle_breached_at": None,
        }

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.APPROVE_EXTENSION,
        expected_version=expected_version,
        validate=_require_pending,
        changes=changes,
        payload=payloads.approve_extension(note=note),
    )


@transaction.atomic
def ticket_reject_extension(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    reason = check_text(reason, field="reason", limit=500)
    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REJECT_EXTENSION,
        expected_version=expected_version,
        validate=_require_pending,
        changes={"extension_pending_days": 0, "extension_pending_reason": ""},
        payload=payloads.reject_extension(reason=reason),
    )


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    result: str,
    text: str,
    reason: str = "",
    attachment_ids: Sequence[int] = (),
    uploads: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
) -> Ticket:
    """The primary unit answers the caller (答复) with a result, text and evidence.

    Evidence is either already attached (``attachment_ids``) or uploaded with the reply
    (``uploads``): the files are attached first, in the same transaction, so reply and
    evidence succeed or fail together. An extension request still pending lapses with
    the reply (``lapse_extension``).
    """
    if result not in ReplyResult.values:
        raise InvalidInput("办理结果取值无效 / invalid result", field="result")
    text = check_text(text, field="text")
    reason = check_text(reason, field="reason", required=reply_needs_reason(result), limit=500)
    if len(attachment_ids) > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"附件最多 {MAX_ATTACHMENTS} 个 / at most {MAX_ATTACHMENTS} attachments",
            field="attachment_ids",
        )

    if uploads:
        locked = lock(ticket)
        check_permission(ticket=locked, actor=actor, action=EventType.REPLY)
        check_version(locked, expected_version)
        attachment_ids = [
            *attachment_ids,
            *(ticket_attach(ticket=locked, actor=actor, now=now, upload=u).pk for u in uploads),
        ]
        expected_version = None  # checked above, under the row lock
        if len(attachment_ids) > MAX_ATTACHMENTS:
            raise InvalidInput(
                f"附件最多 {MAX_ATTACHMENTS} 个 / at most {MAX_ATTACHMENTS} attachments",
                field="uploads",
            )

    def validate(t: Ticket) -> None:
        found = Attachment.objects.filter(ticket=t, pk__in=list(attachment_ids)).count()
        if found != len(set(attachment_ids)):
            raise InvalidInput(
                "附件不属于该工单 / attachment not found on this ticket", field="attachment_ids"
            )

    check = _reply_check(ticket, text, result)
    expected_version = lapse_extension(
        ticket=ticket, now=now, action=EventType.REPLY, expected_version=expected_version
    )
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REPLY,
        expected_version=expected_version,
        validate=validate,
        changes={
            "reply_result": result,
            "reply_text": text,
            "replied_at": now,
            "reply_check": check,
        },
        payload=payloads.reply(
            result=result, text=text, reason=reason, attachment_ids=attachment_ids, check=check
        ),
    )
    TicketAssignment.objects.filter(
        ticket=locked, role=AssignmentRole.SUB, status=AssignmentStatus.ACTIVE
    ).update(status=AssignmentStatus.DONE, finished_at=now)
    return locked
