"""Dispatch, direct answer, returns and sub-dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from duban.org.models import Unit, UnitKind, User
from duban.sla.calendar import WorkCalendar
from duban.sla.deadlines import dispatch_deadlines, resumed_due
from duban.sla.models import SlaRule
from duban.sla.selectors import get_calendar, rule_for

from ..choices import AssignmentRole, AssignmentStatus, ExemptionStatus, ReplyResult, State
from ..clocks import restarting
from ..errors import DomainError, InvalidInput, PermissionDenied, ReturnWindowClosed
from ..events import EventType, payloads
from ..models import Ticket, TicketAssignment, TicketExemption
from ..rules import DIRECT_ANSWER_RESULTS, ESCALATE_AFTER
from .base import check_text, lock, transition
from .closing import close_duplicates
from .handling import lapse_extension

DISPATCHABLE_KINDS = frozenset(
    {UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID}
)


def _check_target(unit: Unit | None, actor: User | None, field: str, ticket: Ticket) -> Unit:
    """A ticket goes only to an active unit of its own district. Who may send it is the
    state table's business (the centre's roles span the district; a module's grant, e.g. a
    service officer's 园区吹哨, lets an actor whose own unit is narrower send its tickets)."""
    if unit is None or not unit.is_active:
        raise InvalidInput("单位不存在或已停用 / unknown or inactive unit", field=field)
    if unit.district_pk != ticket.district_id:
        if actor is not None:
            raise PermissionDenied("单位不在您的管辖范围内 / unit outside your scope", field=field)
        # The engine's own dispatch.
        raise InvalidInput("单位不存在或已停用 / unknown or inactive unit", field=field)
    if (refusal := dispatch_unit_refusal(unit, field=field)) is not None:
        raise refusal
    return unit


def dispatch_unit_refusal(unit: Unit, *, field: str = "unit") -> DomainError | None:
    """Why a ticket may not be dispatched to ``unit`` (as primary or co-unit): its kind."""
    if unit.kind not in DISPATCHABLE_KINDS:
        return InvalidInput(
            "只能派往部门、街道/镇、社区/村或网格 / cannot dispatch to this kind of unit",
            field=field,
        )
    return None


def co_units_refusal(primary: Unit, co_units: Sequence[Unit]) -> DomainError | None:
    """Why these co-units (协办) would be refused: they repeat or include the primary unit."""
    pks = [u.pk for u in co_units]
    if primary.pk in pks or len(set(pks)) != len(pks):
        return InvalidInput(
            "协办单位不能重复或与主办单位相同 / co-units must be distinct from the primary unit",
            field="co_units",
        )
    return None


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    actor: User | None,
    now: datetime,
    unit: Unit,
    co_units: Sequence[Unit] = (),
    note: str = "",
    auto: bool = False,
    expected_version: int | None = None,
) -> Ticket:
    """Send a registered ticket to its primary unit (主办) and optional co-units (协办).

    ``actor=None`` with ``auto=True`` is the engine's automatic dispatch at intake (the
    ``auto_dispatch`` rule: no user acts; the event says ``auto``).
    """
    if actor is None and not auto:
        raise PermissionDenied("派单须由派单员执行 / dispatch needs a dispatcher")
    primary = _check_target(unit, actor, "unit", ticket)
    co = [_check_target(u, actor, "co_units", ticket) for u in co_units]
    if (refusal := co_units_refusal(primary, co)) is not None:
        raise refusal
    note = check_text(note, field="note", required=False, limit=500)

    def changes(t: Ticket) -> dict:
        return _sent_to(t, primary, now)

    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.DISPATCH if actor is not None else "auto_dispatch",
        event_type=EventType.DISPATCH,
        expected_version=expected_version,
        changes=changes,
        payload=payloads.dispatch(
            unit=primary,
            co_units=co,
            note=note,
            auto=auto,
            suggested_unit_id=suggested_unit_id(ticket.suggestions),
        ),
    )
    TicketAssignment.objects.bulk_create(
        [
            TicketAssignment(
                ticket=locked, unit=primary, role=AssignmentRole.PRIMARY, assigned_at=now
            )
        ]
        + [
            TicketAssignment(ticket=locked, unit=u, role=AssignmentRole.CO, assigned_at=now)
            for u in co
        ]
    )
    return locked


def _sent_to(t: Ticket, unit: Unit, now: datetime) -> dict:
    """A ticket sent to ``unit`` at ``now``: its deadlines run afresh from the dispatch."""
    rule = rule_for(kind=t.kind, appeal_type=t.appeal_type, urgency=t.urgency)
    due = dispatch_deadlines(rule=rule, calendar=get_calendar(), dispatched_at=now)
    return {
        "primary_unit": unit,
        "handling_unit": None,
        "dispatched_at": now,
        "accept_due": due.accept_due,
        "contact_due": due.contact_due,
        "return_due": due.return_due,
        "handle_due": due.handle_due,
        "accepted_at": None,
        "first_contact_at": None,
        "extension_days": 0,
        "extension_pending_days": 0,
        "extension_pending_reason": "",
        "accept_breached_at": None,
        "contact_breached_at": None,
        "handle_breached_at": None,
        # An exemption is the contesting unit's: the ticket counts again for the next unit.
        "exempt": False,
    }


def leave_unit_exemptions(ticket: Ticket, *, now: datetime) -> None:
    """The unit the ticket leaves loses its exemption requests: a pending one lapses."""
    TicketExemption.objects.filter(ticket=ticket, status=ExemptionStatus.PENDING).update(
        status=ExemptionStatus.REJECTED, ruled_at=now, ruling_note="工单已离开本单位，申诉失效"
    )


def reassign_refusal(ticket: Ticket, unit: Unit) -> DomainError | None:
    """Why ``ticket`` cannot be reassigned to ``unit`` (None: it can)."""
    if ticket.primary_unit_id == unit.pk:
        return InvalidInput(
            "改派的单位须不同于当前主办单位 / reassign to another unit than the current one",
            field="unit",
        )
    return None


@transaction.atomic
def ticket_reassign(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    unit: Unit,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """改派: the centre sends the ticket straight to another primary unit (no return asked).

    The old unit's primary and sub-dispatch parts end (``reassigned``); co-units keep
    theirs. The new unit's deadlines run from now; the old unit's return count is untouched.
    """
    target = _check_target(unit, actor, "unit", ticket)
    reason = check_text(reason, field="reason", limit=500)

    def validate(t: Ticket) -> None:
        refusal = reassign_refusal(t, target)
        if refusal is not None:
            raise refusal

    ticket = lock(ticket)  # the unit it leaves, read under the lock transition() takes again
    previous = ticket.primary_unit
    expected_version = lapse_extension(
        ticket=ticket, now=now, action=EventType.REASSIGN, expected_version=expected_version
    )
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REASSIGN,
        expected_version=expected_version,
        validate=validate,
        changes=lambda t: _sent_to(t, target, now),
        payload=payloads.reassign(from_unit=previous, unit=target, reason=reason),
    )
    TicketAssignment.objects.filter(
        ticket=locked,
        status=AssignmentStatus.ACTIVE,
        role__in=[AssignmentRole.PRIMARY, AssignmentRole.SUB],
    ).update(status=AssignmentStatus.REASSIGNED, finished_at=now)
    TicketAssignment.objects.create(
        ticket=locked, unit=target, role=AssignmentRole.PRIMARY, assigned_at=now
    )
    leave_unit_exemptions(locked, now=now)
    return locked


def suggested_unit_id(suggestions: dict[str, Any] | None) -> int | None:
    """The unit intake suggested first, of a ticket's ``suggestions`` (the dispatch event
    records whether the dispatcher corrected it: retraining learns from it)."""
    units = (suggestions or {}).get("units") or []
    return units[0].get("unit_id") if units else None


@transaction.atomic
def ticket_direct_answer(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    answer: str,
    result: str = ReplyResult.EXPLAINED,
    expected_version: int | None = None,
) -> Ticket:
    """Answer a simple matter at intake (直办) and close it."""
    answer = check_text(answer, field="answer")
    if result not in DIRECT_ANSWER_RESULTS:
        raise InvalidInput(
            "直办结果只能是已解决或已解释说明 / direct answers are solved or explained",
            field="result",
        )
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.DIRECT_ANSWER,
        expected_version=expected_version,
        changes={"reply_text": answer, "reply_result": result, "replied_at": now, "closed_at": now},
        payload=payloads.direct_answer(answer=answer),
    )
    close_duplicates(master=locked, actor=actor, now=now, action=EventType.DIRECT_ANSWER)
    return locked


def return_request_refusal(ticket: Ticket, *, now: datetime) -> DomainError | None:
    """Why a return request (退单) would be refused at ``now``: its window has closed."""
    if ticket.return_due is not None and now > ticket.return_due:
        return ReturnWindowClosed(
            "已超过退单时限 / the return window has closed",
            return_due=ticket.return_due.isoformat(),
        )
    return None


@transaction.atomic
def ticket_request_return(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """A unit asks the centre to take the ticket back (退单), within the return window.

    The unit's clocks stop until the centre rules (``clock_stopped_at``; no clock runs in
    ``return_pending``).
    """
    reason = check_text(reason, field="reason", limit=500)

    def validate(t: Ticket) -> None:
        if (refusal := return_request_refusal(t, now=now)) is not None:
            raise refusal

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REQUEST_RETURN,
        expected_version=expected_version,
        validate=validate,
        changes=lambda t: {"return_from_state": t.state, "clock_stopped_at": now},
        payload=payloads.request_return(reason=reason),
    )


@transaction.atomic
def ticket_approve_return(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """The centre takes the ticket back to re-dispatch it; counts against dispatch accuracy.

    The ticket leaves the unit: its deadlines go (the next dispatch sets new ones), and an
    extension request the centre had not ruled on lapses.
    """
    note = check_text(note, field="note", required=False, limit=500)

    def changes(t: Ticket) -> dict:
        return {
            "primary_unit": None,
            "handling_unit": None,
            "return_from_state": "",
            "clock_stopped_at": None,
            "return_count": t.return_count + 1,
            "accept_due": None,
            "contact_due": None,
            "return_due": None,
            "handle_due": None,
            "escalated": t.escalated or t.return_count + 1 >= ESCALATE_AFTER,
            "exempt": False,  # the exemption was the returning unit's
        }

    returned_unit = ticket.primary_unit_id
    expected_version = lapse_extension(
        ticket=ticket, now=now, action=EventType.APPROVE_RETURN, expected_version=expected_version
    )
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.APPROVE_RETURN,
        expected_version=expected_version,
        changes=changes,
        payload=payloads.approve_return(note=note, returned_by_unit_id=returned_unit),
    )
    TicketAssignment.objects.filter(ticket=locked, status=AssignmentStatus.ACTIVE).update(
        status=AssignmentStatus.RETURNED, finished_at=now
    )
    leave_unit_exemptions(locked, now=now)
    return locked


def rejected_return_state(return_from_state: str) -> str:
    """Where a rejected return sends the ticket: back to the state the return was asked from."""
    return return_from_state or State.DISPATCHED


def resumed_deadlines(
    *,
    state: str,
    values: Mapping[str, object],
    rule: SlaRule,
    calendar: WorkCalendar,
    stopped_at: datetime | None,
    resumed_at: datetime,
) -> dict[str, datetime]:
    """The deadlines of the unit's clocks that run again in ``state`` after standing still
    from ``stopped_at`` to ``resumed_at``, each pushed out by that time as its clock counts
    it (``sla.deadlines.resumed_due``: working time, or clock time for the rules in hours).

    A deadline that had already passed when the clock stopped moves too, and stays passed:
    what was late before the stop is as late after it. ``values`` holds the ticket's
    deadlines and the clocks' ``done`` columns.
    """
    if stopped_at is None:
        return {}
    out: dict[str, datetime] = {}
    for clock in restarting(state, values):
        due = values[clock.due]
        assert isinstance(due, datetime)
        out[clock.due] = resumed_due(
            calendar=calendar,
            due=due,
            within=getattr(rule, clock.within),
            stopped_at=stopped_at,
            resumed_at=resumed_at,
        )
    return out


@transaction.atomic
def ticket_reject_return(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """The centre refuses the return; the ticket goes back where it was (counts against the unit).

    The unit's clocks run again, their deadlines pushed out by the time the centre took to
    rule (``resumed_deadlines``).
    """
    reason = check_text(reason, field="reason", limit=500)

    def changes(t: Ticket) -> dict:
        back = rejected_return_state(t.return_from_state)
        rule = rule_for(kind=t.kind, appeal_type=t.appeal_type, urgency=t.urgency)
        return {
            "state": back,
            "return_from_state": "",
            "clock_stopped_at": None,
            **resumed_deadlines(
                state=back,
                values=vars(t),
                rule=rule,
                calendar=get_calendar(),
                stopped_at=t.clock_stopped_at,
                resumed_at=now,
            ),
        }

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.REJECT_RETURN,
        expected_version=expected_version,
        changes=changes,
        payload=payloads.reject_return(reason=reason),
    )


@transaction.atomic
def ticket_sub_dispatch(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    unit: Unit,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Hand the work to a child unit (下派); the dispatching unit stays accountable."""
    note = check_text(note, field="note", required=False, limit=500)

    def validate(t: Ticket) -> None:
        if (refusal := sub_dispatch_refusal(t, unit=unit)) is not None:
            raise refusal

    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.SUB_DISPATCH,
        expected_version=expected_version,
        validate=validate,
        changes={"handling_unit": unit},
        payload=payloads.sub_dispatch(unit=unit, note=note),
    )
    TicketAssignment.objects.filter(
        ticket=locked, role=AssignmentRole.SUB, status=AssignmentStatus.ACTIVE
    ).update(status=AssignmentStatus.DONE, finished_at=now)
    TicketAssignment.objects.create(
        ticket=locked, unit=unit, role=AssignmentRole.SUB, assigned_at=now, note=note
    )
    return locked


def sub_dispatch_refusal(ticket: Ticket, *, unit: Unit | None) -> DomainError | None:
    """Why sub-dispatching (下派) to ``unit`` would be refused: it must be an active unit
    strictly below the ticket's primary unit."""
    primary = ticket.primary_unit
    if (
        unit is None
        or primary is None
        or not unit.is_active
        or unit.pk == primary.pk
        or not unit.is_within(primary)
    ):
        return InvalidInput(
            "只能下派到本单位的下级单位 / sub-dispatch only to a unit below yours", field="unit"
        )
    return None


def part_refusal(ticket: Ticket, *, actor: User) -> DomainError | None:
    """Why ``actor`` may not submit a part: the primary unit's own staff reply instead.

    (The state table's ``assigned`` scope lets a unit report for the units below it; the
    primary unit, above its sub-dispatched village, would otherwise report to itself.)
    """
    if actor.unit_id is not None and actor.unit_id == ticket.primary_unit_id:
        return PermissionDenied(
            "主办单位直接答复，无需上报办理情况 / the primary unit replies; it reports no part"
        )
    return None


@transaction.atomic
def ticket_submit_part(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    text: str,
    expected_version: int | None = None,
) -> Ticket:
    """A co-unit (协办) or sub-dispatched unit sends its part of the work to the primary unit."""
    text = check_text(text, field="text")
    assert actor.unit is not None
    scope = actor.scope_path or ""

    def validate(t: Ticket) -> None:
        if (refusal := part_refusal(t, actor=actor)) is not None:
            raise refusal

    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.SUBMIT_PART,
        expected_version=expected_version,
        validate=validate,
        payload=payloads.submit_part(text=text, unit_id=actor.unit_id),
    )
    TicketAssignment.objects.filter(
        ticket=locked,
        status=AssignmentStatus.ACTIVE,
        unit__path__startswith=scope,
        role__in=[AssignmentRole.CO, AssignmentRole.SUB],
    ).update(status=AssignmentStatus.CONTRIBUTED, finished_at=now, note=text)
    return locked
