"""Notices from ticket events: who hears of what, written in the event's own transaction.

``on_ticket_event`` is registered with ``duban.tickets.modules.observe`` (``apps.py``):
the engine calls it after every event of every ticket, inside the transaction that wrote
the event, so a transition that rolls back leaves no notice and no SMS. Each event type
that notifies maps to plans (a kind, the units whose staff hear of it, the text, and for
urgent matters an SMS); the staff of all the plans' units are read in one query and the
notices written in one ``bulk_create``. The actor is never notified of their own act.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from duban.core.choices import Urgency
from duban.org.models import User
from duban.org.roles import UNIT_ROLES
from duban.tickets.choices import State
from duban.tickets.events import EventType
from duban.tickets.models import Ticket, TicketEvent

from .. import texts
from ..errors import NoticeNotFound
from ..models import Notice, NoticeKind, SmsMessage
from .sms import sms_queue


@dataclass(frozen=True)
class Plan:
    """Notify the handlers and heads of ``unit_ids`` with ``text``; SMS them ``sms`` if set."""

    kind: str
    unit_ids: tuple[int, ...]
    text: str
    sms: str = ""


def _name(ticket: Ticket) -> dict[str, str]:
    return {"number": ticket.number, "title": ticket.title}


def _primary_name(ticket: Ticket) -> str:
    return ticket.primary_unit.name if ticket.primary_unit is not None else ""


def _dispatch(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """派单 (by the centre or the engine): the primary unit; co-units (协办) are told too."""
    urgent = ticket.urgency == Urgency.URGENT
    unit_id, unit_name = payload["unit"], payload["unit_name"]
    plans = [
        Plan(
            NoticeKind.DISPATCH,
            (unit_id,),
            texts.dispatch(
                **_name(ticket), unit_name=unit_name, accept_due=ticket.accept_due, urgent=urgent
            ),
            sms=texts.sms_dispatch(
                number=ticket.number, unit_name=unit_name, accept_due=ticket.accept_due
            )
            if urgent
            else "",
        )
    ]
    co_units = tuple(payload.get("co_units") or ())
    if co_units:
        text = texts.co_dispatch(**_name(ticket), primary_name=unit_name, urgent=urgent)
        plans.append(Plan(NoticeKind.CO_DISPATCH, co_units, text))
    return plans


def _reassign(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """改派: the new primary unit (the old one sees it leave its inbox)."""
    urgent = ticket.urgency == Urgency.URGENT
    unit_id, unit_name = payload["unit"], payload["unit_name"]
    text = texts.reassign(
        **_name(ticket), unit_name=unit_name, accept_due=ticket.accept_due, urgent=urgent
    )
    sms = (
        texts.sms_dispatch(number=ticket.number, unit_name=unit_name, accept_due=ticket.accept_due)
        if urgent
        else ""
    )
    return [Plan(NoticeKind.REASSIGN, (unit_id,), text, sms=sms)]


def _sub_dispatch(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """下派: the child unit that drafts the work."""
    text = texts.sub_dispatch(
        **_name(ticket), primary_name=_primary_name(ticket), unit_name=payload["unit_name"]
    )
    return [Plan(NoticeKind.SUB_DISPATCH, (payload["unit"],), text)]


def _urge(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """催办: the primary unit's staff, by notice and SMS."""
    if ticket.primary_unit_id is None:
        return []
    text = texts.urge(**_name(ticket), count=ticket.urge_count, note=payload.get("note", ""))
    sms = texts.sms_urge(number=ticket.number, unit_name=_primary_name(ticket))
    return [Plan(NoticeKind.URGE, (ticket.primary_unit_id,), text, sms=sms)]


def _approve_return(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """退单已同意: the unit that asked (the ticket has left it; the payload names it)."""
    unit_id = payload.get("returned_by_unit")
    if unit_id is None:
        return []
    text = texts.return_approved(**_name(ticket))
    return [Plan(NoticeKind.RETURN_APPROVED, (unit_id,), text)]


def _reject_return(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """退单被驳回: the unit that asked, which keeps the ticket."""
    if ticket.primary_unit_id is None:
        return []
    text = texts.return_rejected(**_name(ticket), reason=payload.get("reason", ""))
    return [Plan(NoticeKind.RETURN_REJECTED, (ticket.primary_unit_id,), text)]


def _review_reject(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """审核退回: the primary unit, which replies again."""
    if ticket.primary_unit_id is None:
        return []
    text = texts.review_rejected(**_name(ticket), reason=payload.get("reason", ""))
    return [Plan(NoticeKind.REVIEW_REJECTED, (ticket.primary_unit_id,), text)]


def _reopen(ticket: Ticket, payload: dict[str, Any]) -> list[Plan]:
    """重办: the primary unit, which handles the matter again against a fresh deadline."""
    if ticket.primary_unit_id is None:
        return []
    # A reopen by the centre says why; a call-back that reopens carries the caller's note.
    reason = payload.get("reason") or payload.get("note") or ""
    text = texts.reopened(**_name(ticket), reason=reason)
    return [Plan(NoticeKind.REOPENED, (ticket.primary_unit_id,), text)]


# The event types that notify; every other event is passed over without a query.
PLANNERS: dict[str, Callable[[Ticket, dict[str, Any]], list[Plan]]] = {
    EventType.DISPATCH: _dispatch,
    EventType.REASSIGN: _reassign,
    EventType.SUB_DISPATCH: _sub_dispatch,
    EventType.URGE: _urge,
    EventType.APPROVE_RETURN: _approve_return,
    EventType.REJECT_RETURN: _reject_return,
    EventType.REVIEW_REJECT: _review_reject,
    EventType.REOPEN: _reopen,
}


def unit_staff(unit_ids: Sequence[int], *, exclude: int | None) -> list[tuple[int, int, str]]:
    """(user id, unit id, phone) of the active handlers and heads of ``unit_ids``: one query."""
    staff = User.objects.filter(unit_id__in=list(unit_ids), role__in=UNIT_ROLES, is_active=True)
    if exclude is not None:
        staff = staff.exclude(pk=exclude)
    return [
        (pk, unit, phone or "") for pk, unit, phone in staff.values_list("pk", "unit_id", "phone")
    ]


def notify(
    *, plans: Sequence[tuple[int, Sequence[Plan]]], actor: User | None, now: datetime
) -> int:
    """Write the notices of ``(ticket id, plans)`` pairs and queue their SMS, in three
    queries whatever their number (SQLite splits very large inserts): the units' staff,
    the notices, the SMS.

    A person gets one notice per ticket (the first plan naming them wins) and each plan's
    SMS goes once to each distinct phone number of its units. Returns the notices written.
    """
    unit_ids = sorted({u for _, ticket_plans in plans for p in ticket_plans for u in p.unit_ids})
    if not unit_ids:
        return 0
    staff = unit_staff(unit_ids, exclude=actor.pk if actor is not None else None)
    by_unit: dict[int, list[tuple[int, str]]] = {}
    for user_id, unit_id, phone in staff:
        by_unit.setdefault(unit_id, []).append((user_id, phone))
    notices: list[Notice] = []
    messages: list[SmsMessage] = []
    for ticket_id, ticket_plans in plans:
        told: set[int] = set()
        for plan in ticket_plans:
            phones: set[str] = set()
            for user_id, phone in (m for u in plan.unit_ids for m in by_unit.get(u, ())):
                if user_id not in told:
                    told.add(user_id)
                    notices.append(
                        Notice(
                            recipient_id=user_id,
                            ticket_id=ticket_id,
                            kind=plan.kind,
                            text=texts.clip(plan.text, 500),
                            created_at=now,
                        )
                    )
                if plan.sms and phone and phone not in phones:
                    phones.add(phone)
                    messages.append(
                        SmsMessage(
                            phone=phone,
                            text=plan.sms,
                            ticket_id=ticket_id,
                            created_at=now,
                            next_attempt_at=now,
                        )
                    )
    Notice.objects.bulk_create(notices)
    sms_queue(messages=messages)
    return len(notices)


def on_ticket_event(
    *, ticket: Ticket, event: TicketEvent, actor: User | None, now: datetime
) -> None:
    """The engine's observer: notify the units an event concerns (see the module docstring)."""
    planner = PLANNERS.get(event.type)
    if event.type == EventType.CALLBACK and event.to_state == State.REOPENED:
        planner = _reopen  # the caller, reached and unsatisfied, reopened it
    if planner is None:
        return
    plans = planner(ticket, event.payload or {})
    if plans:
        notify(plans=[(ticket.pk, plans)], actor=actor, now=now)


# -- the reader's own writes ---------------------------------------------------------------------
@transaction.atomic
def notice_mark_read(*, notice_id: int, actor: User, now: datetime) -> Notice:
    """Mark one of ``actor``'s notices read (again: kept as first read)."""
    try:
        notice = Notice.objects.select_for_update().get(pk=notice_id, recipient=actor)
    except Notice.DoesNotExist as exc:
        raise NoticeNotFound("通知不存在 / no such notice", notice=notice_id) from exc
    if notice.read_at is None:
        notice.read_at = now
        notice.save(update_fields=["read_at"])
    return notice


@transaction.atomic
def notices_mark_all_read(*, actor: User, now: datetime, up_to: int | None = None) -> int:
    """Mark ``actor``'s unread notices read — with ``up_to``, only those up to that id (the
    newest the page showed, so a notice that arrived meanwhile stays unread)."""
    unread = Notice.objects.filter(recipient=actor, read_at__isnull=True)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=now)
