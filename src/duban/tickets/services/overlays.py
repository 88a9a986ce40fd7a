"""Supervision overlays on open tickets: urge, supervise, assign a leader, escalate."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from duban.org.models import Role, User

from ..choices import SuperviseLevel
from ..errors import DomainError, InvalidInput
from ..events import EventType, payloads
from ..models import Caller, PersonalDataAccess, Ticket
from .base import check_text, transition


@transaction.atomic
def ticket_urge(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """催办: remind the unit; counted on the ticket."""
    note = check_text(note, field="note", required=False, limit=500)
    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.URGE,
        expected_version=expected_version,
        changes=lambda t: {"urge_count": t.urge_count + 1},
        payload=payloads.urge(note=note),
    )


def supervise_refusal(level: object) -> DomainError | None:
    """Why supervising at ``level`` would be refused: not one of the three levels."""
    if level not in SuperviseLevel.values or level == SuperviseLevel.NONE:
        return InvalidInput(
            "督办级别应为 1（一般）、2（重点）或 3（挂牌） / level must be 1, 2 or 3", field="level"
        )
    return None


@transaction.atomic
def ticket_supervise(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    level: int,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """督办 at a level: normal, key or listed (挂牌)."""
    if (refusal := supervise_refusal(level)) is not None:
        raise refusal
    note = check_text(note, field="note", required=False, limit=500)
    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.SUPERVISE,
        expected_version=expected_version,
        changes={"supervise_level": level},
        payload=payloads.supervise(level=level, note=note),
    )


def leader_refusal(leader: User | None, *, actor: User) -> DomainError | None:
    """Why ``actor`` may not put ``leader`` in charge (包案): not an active district leader
    within the actor's scope."""
    if leader is None or leader.role != Role.LEADER or not leader.is_active:
        return InvalidInput(
            "包案领导必须是区领导账号 / the leader must be a user with the leader role",
            field="leader",
        )
    if not actor.can_see_unit(leader.unit):
        return InvalidInput("领导不在本区 / leader outside your district", field="leader")
    return None


@transaction.atomic
def ticket_assign_leader(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    leader: User,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """领导包案: a district leader takes personal charge of the ticket."""
    note = check_text(note, field="note", required=False, limit=500)

    def validate(t: Ticket) -> None:
        if (refusal := leader_refusal(leader, actor=actor)) is not None:
            raise refusal

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.ASSIGN_LEADER,
        expected_version=expected_version,
        validate=validate,
        changes={"leader": leader},
        payload=payloads.assign_leader(leader=leader, note=note),
    )


def escalate_refusal(ticket: Ticket) -> DomainError | None:
    """Why escalating (提级) would be refused: the ticket is escalated already."""
    if ticket.escalated:
        return InvalidInput("工单已提级 / ticket is already escalated", field="reason")
    return None


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor: User, now: datetime, reason: str, expected_version: int | None = None
) -> Ticket:
    """提级: raise the ticket to district-level attention."""
    reason = check_text(reason, field="reason", limit=500)

    def validate(t: Ticket) -> None:
        if (refusal := escalate_refusal(t)) is not None:
            raise refusal

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.ESCALATE,
        expected_version=expected_version,
        validate=validate,
        changes={"escalated": True},
        payload=payloads.escalate(reason=reason),
    )


@transaction.atomic
def ticket_reveal_caller(*, ticket: Ticket, actor: User, now: datetime, reason: str = "") -> Caller:
    """Show a caller's full details (the ID number included, which every role sees masked)
    to staff who give a reason; the reveal is an event and a personal-data access row."""
    reason = check_text(reason, field="reason", required=True, limit=200)

    def validate(t: Ticket) -> None:
        if t.caller_id is None:
            raise InvalidInput("该工单没有来电人信息 / ticket has no caller", field="caller")

    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REVEAL_CALLER,
        validate=validate,
        payload=payloads.reveal_caller(reason=reason),
    )
    assert locked.caller is not None
    PersonalDataAccess.objects.create(
        caller=locked.caller,
        ticket=locked,
        actor=actor,
        kind=PersonalDataAccess.Kind.REVEAL,
        reason=reason,
        at=now,
    )
    return locked.caller
