"""Review, call-back and rating, reopen, merge, invalidate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from duban.org.models import User
from duban.sla.deadlines import callback_due, dispatch_deadlines
from duban.sla.selectors import get_calendar, rule_for

from .. import modules
from ..choices import OPEN_STATES, Satisfaction, State
from ..errors import DomainError, IllegalTransition, InvalidInput, PermissionDenied
from ..events import EventType, payloads
from ..models import Ticket
from ..rules import ESCALATE_AFTER, MAX_CALLBACK_ATTEMPTS, rating_may_reopen
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
    """The centre accepts the reply; the call-back clock starts (afresh: a breach of an
    earlier round's call-back clock is not this one's)."""
    note = check_text(note, field="note", required=False, limit=500)

    def changes(t: Ticket) -> dict:
        rule = rule_for(kind=t.kind, appeal_type=t.appeal_type, urgency=t.urgency)
        return {
            "reviewed_at": now,
            "callback_due": callback_due(rule=rule, calendar=get_calendar(), reviewed_at=now),
            "callback_breached_at": None,
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


def rating_refusal(
    *, resolved: bool | None, satisfaction: str, reopen: bool = False
) -> DomainError | None:
    """Why a rating (call-back or online) would be refused: it needs whether the matter was
    resolved and a satisfaction of the choices, and reopens the ticket only when
    ``rules.rating_may_reopen`` (unsatisfied or unresolved)."""
    if resolved is None or satisfaction not in Satisfaction.values:
        return InvalidInput(
            "请填写是否解决和满意度 / resolved and satisfaction are required", field="satisfaction"
        )
    if reopen and not rating_may_reopen(resolved=resolved, satisfaction=satisfaction):
        return InvalidInput(
            "仅不满意或未解决的工单可以重办 / only unsatisfied or unresolved tickets reopen",
            field="reopen",
        )
    return None


def _rating_changes(
    t: Ticket, now: datetime, resolved: bool | None, satisfaction: str, reopen: bool
) -> dict:
    refusal = rating_refusal(resolved=resolved, satisfaction=satisfaction, reopen=reopen)
    if refusal is not None:
        raise refusal
    values: dict = {
        "resolved": resolved,
        "satisfaction": satisfaction,
        "rated_at": now,
        "unreachable": False,
    }
    if reopen:
        values.update(_reopen_changes(t, now))
        values["state"] = State.REOPENED
    else:
        values.update(state=State.CLOSED, closed_at=now)
    return values


def _reopen_changes(t: Ticket, now: datetime) -> dict:
    rule = rule_for(kind=t.kind, appeal_type=t.appeal_type, urgency=t.urgency)
    return reopen_changes(
        reopen_count=t.reopen_count,
        escalated=t.escalated,
        rule=rule,
        calendar=get_calendar(),
        now=now,
    )


def reopen_changes(
    *, reopen_count: int, escalated: bool, rule: Any, calendar: Any, now: datetime
) -> dict[str, Any]:
    """A new round for the same unit (重办): the accept and handling clocks restart from the
    reopen with fresh deadlines and no breach (signing for it again is not late from the
    start), and the last round's reply, review, call-backs and rating no longer stand as
    this round's (its events keep them). Three reopens escalate the ticket. Pure: the demo
    plays reopens with it too."""
    count = reopen_count + 1
    due = dispatch_deadlines(rule=rule, calendar=calendar, dispatched_at=now)
    return {
        "reopen_count": count,
        "closed_at": None,
        "accepted_at": None,
        "escalated": escalated or count >= ESCALATE_AFTER,
        "accept_due": due.accept_due,
        "accept_breached_at": None,
        "handle_due": due.handle_due,
        "handle_breached_at": None,
        **round_cleared(),
    }


def round_cleared() -> dict[str, object]:
    """What a reopen clears: the last round's answer, review, call-backs and rating, as
    if none had come yet (the ticket page and the figures read this round's only)."""
    return {
        "replied_at": None,
        "reply_result": "",
        "reply_text": "",
        "reply_check": {},
        "reviewed_at": None,
        "callback_due": None,
        "callback_breached_at": None,
        "callback_attempts": 0,
        "rated_at": None,
        "resolved": None,
        "satisfaction": "",
        "unreachable": False,
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
    """Record a call-back (回访). Three unanswered attempts close the ticket as unreachable.

    A merged ticket's caller is called back about the master's outcome (``merged``)."""
    if ticket.state == State.MERGED:
        from .merged import merged_callback

        return merged_callback(
            ticket=ticket,
            actor=actor,
            now=now,
            reached=reached,
            resolved=resolved,
            satisfaction=satisfaction,
            note=note,
            reopen=reopen,
            expected_version=expected_version,
        )
    note = check_text(note, field="note", required=False, limit=500)
    if reached:

        def changes(t: Ticket) -> dict:
            # The attempt counts first: a reopen then starts the next round at none.
            return {
                "callback_attempts": t.callback_attempts + 1,
                **_rating_changes(t, now, resolved, satisfaction, reopen),
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
    close_duplicates(master=locked, actor=actor, now=now, action=EventType.CALLBACK)
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
    """The caller rates the result in the portal, proving who they are by phone number.

    A merged ticket's caller rates the master's outcome on their own ticket (``merged``)."""
    if ticket.state == State.MERGED:
        from .merged import merged_rate_online

        return merged_rate_online(
            ticket=ticket,
            now=now,
            phone=phone,
            resolved=resolved,
            satisfaction=satisfaction,
            comment=comment,
        )
    comment = check_text(comment, field="comment", required=False, limit=500)

    def validate(t: Ticket) -> None:
        if t.caller is None or not phone or t.caller.phone != phone.strip():
            raise PermissionDenied("工单编号与电话不匹配 / ticket number and phone do not match")
        if (refusal := online_rating_refusal(t)) is not None:
            raise refusal

    locked = transition(
        ticket=ticket,
        actor=None,
        now=now,
        action=EventType.RATE_ONLINE,
        validate=validate,
        changes=lambda t: _rating_changes(t, now, resolved, satisfaction, reopen=False),
        payload=payloads.rate_online(resolved=resolved, satisfaction=satisfaction, comment=comment),
    )
    close_duplicates(master=locked, actor=None, now=now, action=EventType.RATE_ONLINE)
    return locked


def online_rating_refusal(ticket: Ticket) -> DomainError | None:
    """Why the public may not rate the ticket online: its kind is not rated by its caller.
    (``ticket_rate_online`` first checks the caller's phone, which only the request knows.)"""
    if not modules.for_kind(ticket.kind).rated_by(ticket=ticket, actor=None):
        return PermissionDenied(
            "该类工单不由来电人评价 / this kind of ticket is not rated by its caller"
        )
    return None


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
        changes=lambda t: _reopen_changes(t, now),
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
    """Merge a duplicate (重复件) into a master ticket; it closes with the master.

    Both rows are locked in primary-key order before anything is checked, so two merges
    crossing each other (A into B while B goes into A) queue on the same row instead of
    deadlocking: the second sees the first one's result and is refused (409). A ticket that
    is itself a master hands its duplicates on to the new master (the ``remerge`` rule), so
    closing the final master closes every ticket merged into the chain.
    """
    for pk in sorted({ticket.pk, master.pk}):
        lock(pk)

    def validate(t: Ticket) -> None:
        locked = lock(master)
        if (refusal := merge_refusal(t, master=locked)) is not None:
            raise refusal
        if locked.district_id != t.district_id or (
            locked.primary_unit is not None and not actor.can_see_unit(locked.primary_unit)
        ):
            raise PermissionDenied("主工单不在您的管辖范围内 / master ticket outside your scope")

    merged = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.MERGE,
        expected_version=expected_version,
        validate=validate,
        changes={"master": master},
        payload=payloads.merge(master_number=master.number),
    )
    for dup in Ticket.objects.filter(master=merged, state=State.MERGED).order_by("pk").only("pk"):
        transition(
            ticket=dup,
            actor=actor,
            now=now,
            action="remerge",
            changes={"master": master},
            payload=payloads.merge(master_number=master.number),
        )
    return merged


def merge_refusal(ticket: Ticket, *, master: Ticket) -> DomainError | None:
    """Why merging ``ticket`` into ``master`` would be refused: the master is the ticket
    itself, or no longer open (a merged master too: merge into the one it follows).
    (``ticket_merge`` also needs the master within the actor's district and scope.)"""
    if master.pk == ticket.pk:
        return InvalidInput("不能合并到自身 / cannot merge a ticket into itself", field="master")
    if master.state not in OPEN_STATES:
        return IllegalTransition(
            "主工单已结束，不能合并 / the master ticket is no longer open", field="master"
        )
    return None


# The actions that close a master's duplicates with it when they close the master; an
# invalidated master leaves its duplicates merged.
CLOSES_DUPLICATES: frozenset[str] = frozenset(
    {EventType.DIRECT_ANSWER, EventType.CALLBACK, EventType.RATE_ONLINE}
)


def close_duplicates(*, master: Ticket, actor: User | None, now: datetime, action: str) -> int:
    """Close the tickets merged into ``master`` (each with its own event) when ``action``, one
    of :data:`CLOSES_DUPLICATES`, has just closed it — and those merged into them in turn
    (a chain left by merges before duplicates were handed on to the new master)."""
    if action not in CLOSES_DUPLICATES or master.state != State.CLOSED:
        return 0
    return _close_merged_into(master, actor=actor, now=now)


def _close_merged_into(master: Ticket, *, actor: User | None, now: datetime) -> int:
    count = 0
    for dup in Ticket.objects.filter(master=master, state=State.MERGED).order_by("pk"):
        if dup.closed_at is None:
            transition(
                ticket=dup,
                actor=actor,
                now=now,
                action=EventType.CLOSE_WITH_MASTER,
                changes={"closed_at": now},
                payload=payloads.close_with_master(master_number=master.number),
            )
            count += 1
        count += _close_merged_into(dup, actor=actor, now=now)
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
