"""Review, call-back and rating, reopen, merge, invalidate."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from duban.org.models import User
from duban.sla.deadlines import callback_due
from duban.sla.selectors import get_calendar, rule_for

from .. import modules
from ..choices import OPEN_STATES, Satisfaction, State
from ..errors import DomainError, IllegalTransition, InvalidInput, PermissionDenied
from ..events import EventType, payloads
from ..models import Ticket
from ..rules import ESCALATE_AFTER, MAX_CALLBACK_ATTEMPTS
from .base import check_text, lock, transition


@transaction.atomic
def ticket_review_pass(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """The centre accepts the reply; the call-back clock starts."""
    note = check_text(note, field="note", required=False, limit=500)

    def changes(t: Ticket) -> dict:
        rule = rule_for(kind=t.kind, appeal_type=t.appeal_type, urgency=t.urgency)
        return {
            "reviewed_at": now,
            "callback_due": callback_due(rule=rule, calendar=get_calendar(), reviewed_at=now),
        }

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REVIEW_PASS,
        expected_version=expected_version,
        changes=changes,
        payload=payloads.review_pass(note=note),
    )


@transaction.atomic
def ticket_review_reject(
    *, ticket: Ticket, actor: User, now: datetime, reason: str, expected_version: int | None = None
) -> Ticket:
    """The centre sends the reply back to the unit to do better."""
    reason = check_text(reason, field="reason", limit=500)
    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REVIEW_REJECT,
        expected_version=expected_version,
        changes={"replied_at": None},
        payload=payloads.review_reject(reason=reason),
    )


def _rating_changes(
    t: Ticket, now: datetime, resolved: bool | None, satisfaction: str, reopen: bool
) -> dict:
    if resolved is None or satisfaction not in Satisfaction.values:
        raise InvalidInput(
            "请填写是否解决和满意度 / resolved and satisfaction are required", field="satisfaction"
        )
    values: dict = {
        "resolved": resolved,
        "satisfaction": satisfaction,
        "rated_at": now,
        "unreachable": False,
    }
    if reopen:
        if satisfaction != Satisfaction.UNSATISFIED and resolved:
            raise InvalidInput(
                "仅不满意或未解决的工单可以重办 / only unsatisfied or unresolved tickets reopen",
                field="reopen",
            )
        values.update(_reopen_changes(t))
        values["state"] = State.REOPENED
    else:
        values.update(state=State.CLOSED, closed_at=now)
    return values


def _reopen_changes(t: Ticket) -> dict:
    count = t.reopen_count + 1
    return {
        "reopen_count": count,
        "closed_at": None,
        "accepted_at": None,
        "escalated": t.escalated or count >= ESCALATE_AFTER,
    }


@transaction.atomic
def ticket_callback(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reached: bool,
    resolved: bool | None = None,
    satisfaction: str = "",
    note: str = "",
    reopen: bool = False,
    expected_version: int | None = None,
) -> Ticket:
    """Record a call-back (回访). Three unanswered attempts close the ticket as unreachable."""
    note = check_text(note, field="note", required=False, limit=500)
    if reached:

        def changes(t: Ticket) -> dict:
            return {
                **_rating_changes(t, now, resolved, satisfaction, reopen),
                "callback_attempts": t.callback_attempts + 1,
            }
    else:

        def changes(t: Ticket) -> dict:
            attempts = t.callback_attempts + 1
            if attempts >= MAX_CALLBACK_ATTEMPTS:
                return {
                    "callback_attempts": attempts,
                    "unreachable": True,
                    "state": State.CLOSED,
                    "closed_at": now,
                }
            return {"callback_attempts": attempts}

    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.CALLBACK,
        expected_version=expected_version,
        changes=changes,
        payload=payloads.callback(
            reached=reached,
            note=note,
            resolved=resolved,
            satisfaction=satisfaction,
            reopen=reopen,
        ),
    )
    if locked.state == State.CLOSED:
        close_duplicates(master=locked, actor=actor, now=now)
    return locked


@transaction.atomic
def ticket_rate_online(
    *,
    ticket: Ticket,
    now: datetime,
    phone: str,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
) -> Ticket:
    """The caller rates the result in the portal, proving who they are by phone number."""
    comment = check_text(comment, field="comment", required=False, limit=500)

    def validate(t: Ticket) -> None:
        if t.caller is None or not phone or t.caller.phone != phone.strip():
            raise PermissionDenied("工单编号与电话不匹配 / ticket number and phone do not match")
        if not modules.for_kind(t.kind).rated_by(ticket=t, actor=None):
            raise PermissionDenied(
                "该类工单不由来电人评价 / this kind of ticket is not rated by its caller"
            )

    locked = transition(
        ticket=ticket,
        actor=None,
        now=now,
        action=EventType.RATE_ONLINE,
        validate=validate,
        changes=lambda t: _rating_changes(t, now, resolved, satisfaction, reopen=False),
        payload=payloads.rate_online(resolved=resolved, satisfaction=satisfaction, comment=comment),
    )
    close_duplicates(master=locked, actor=None, now=now)
    return locked


def reopen_refusal(ticket: Ticket) -> DomainError | None:
    """Why reopening (重办) would be refused: no unit ever had the ticket (a direct answer)."""
    if ticket.primary_unit_id is None:
        return IllegalTransition("该工单没有承办单位，不能重办 / ticket has no unit to reopen to")
    return None


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, actor: User, now: datetime, reason: str, expected_version: int | None = None
) -> Ticket:
    """Send the ticket back to its unit to handle again (重办); three reopens escalate it."""
    reason = check_text(reason, field="reason", limit=500)

    def validate(t: Ticket) -> None:
        if (refusal := reopen_refusal(t)) is not None:
            raise refusal

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REOPEN,
        expected_version=expected_version,
        validate=validate,
        changes=_reopen_changes,
        payload=payloads.reopen(reason=reason),
    )


@transaction.atomic
def ticket_merge(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    master: Ticket,
    expected_version: int | None = None,
) -> Ticket:
    """Merge a duplicate (重复件) into a master ticket; it closes with the master."""

    def validate(t: Ticket) -> None:
        locked = lock(master)
        if locked.pk == t.pk:
            raise InvalidInput("不能合并到自身 / cannot merge a ticket into itself", field="master")
        if locked.state not in OPEN_STATES:
            raise IllegalTransition(
                "主工单已结束，不能合并 / the master ticket is no longer open", field="master"
            )
        if locked.primary_unit is not None and not actor.can_see_unit(locked.primary_unit):
            raise PermissionDenied("主工单不在您的管辖范围内 / master ticket outside your scope")

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.MERGE,
        expected_version=expected_version,
        validate=validate,
        changes={"master": master},
        payload=payloads.merge(master_number=master.number),
    )


def close_duplicates(*, master: Ticket, actor: User | None, now: datetime) -> int:
    """Close the tickets merged into ``master`` (each with its own event)."""
    count = 0
    for dup in Ticket.objects.filter(
        master=master, state=State.MERGED, closed_at__isnull=True
    ).only("pk"):
        transition(
            ticket=dup,
            actor=actor,
            now=now,
            action=EventType.CLOSE_WITH_MASTER,
            changes={"closed_at": now},
            payload=payloads.close_with_master(master_number=master.number),
        )
        count += 1
    return count


@transaction.atomic
def ticket_invalidate(
    *, ticket: Ticket, actor: User, now: datetime, reason: str, expected_version: int | None = None
) -> Ticket:
    """Mark a ticket invalid (spam, out of scope) with the reason."""
    reason = check_text(reason, field="reason", limit=200)
    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.INVALIDATE,
        expected_version=expected_version,
        changes={"invalid_reason": reason, "closed_at": now},
        payload=payloads.invalidate(reason=reason),
    )
