"""Reads for the public: the catalogue to choose from, a ticket by number + phone,
and the public steps of its history.

A citizen proves who they are with the ticket number and the phone number given at
intake. A wrong combination looks exactly like an unknown number (``None``). The
public timeline is built from a whitelist of event types and payload keys: internal
notes, staff and their units, returns, extensions, urging and supervision never show.
The whitelist and the wording of each step are the event vocabulary's
(``tickets.events``: the types with a ``public`` wording).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from duban.core.errors import InvalidInput
from duban.tickets.choices import ReplyResult, Satisfaction, State
from duban.tickets.events import PUBLIC_EVENT_TYPES, EventType, public_wording
from duban.tickets.models import Category, Ticket, TicketEvent, phone_q
from duban.tickets.selectors import NUMBER_RE, mask_name, mask_phone
from duban.tickets.services.intake import normalise_phone
from duban.tickets.services.merged import (
    followed_master,
    master_outcome_ready,
    merged_rating_refusal,
)

# What the public reads for each state (plain Chinese, no internal vocabulary).
PUBLIC_STATES: dict[str, str] = {
    State.REGISTERED: "已受理，正在分派承办单位",
    State.DISPATCHED: "已转交承办单位",
    State.RETURN_PENDING: "正在分派承办单位",
    State.ACCEPTED: "承办单位正在办理",
    State.REPLIED: "承办单位已答复，正在审核",
    State.REVIEWED: "已答复，请您评价办理结果",
    State.REOPENED: "正在重新办理",
    State.CLOSED: "已办结",
    State.MERGED: "已与相同诉求合并办理",
    State.INVALID: "不予受理",
}


@dataclass(frozen=True)
class Step:
    at: Any
    label: str
    detail: str = ""


# Of the master's steps, those that tell a merged ticket's caller how their matter went: not
# its registration, photos, contacts with its caller or ratings by its caller.
MASTER_STEP_TYPES: frozenset[str] = frozenset(
    {
        EventType.DISPATCH,
        EventType.REASSIGN,
        EventType.ACCEPT,
        EventType.REPLY,
        EventType.REVIEW_REJECT,
        EventType.REVIEW_PASS,
        EventType.DIRECT_ANSWER,
        EventType.REOPEN,
    }
)
MERGED_CLOSED = "已办结（与相同诉求合并办理）"
MERGED_RATED = "您已评价，感谢您的反馈"


@dataclass(frozen=True)
class PublicTicket:
    ticket: Ticket
    name: str
    phone: str
    state_label: str
    can_rate: bool
    steps: list[Step]
    # A merged ticket: how the master it was merged into went (no number, no text of it).
    master_steps: list[Step] = field(default_factory=list)
    closed: bool = False


def category_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Level-1 categories as groups of (itself + its level-2 children), one query."""
    rows = (
        Category.objects.filter(is_active=True, level__lte=2)
        .order_by("full_name")
        .values_list("pk", "name", "level", "parent_id")
    )
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    children: list[tuple[int, str, int]] = []
    for pk, name, level, parent_id in rows:
        if level == 1:
            groups[pk] = (name, [(pk, f"{name}（其他）")])
        else:
            children.append((pk, name, parent_id))
    for pk, name, parent_id in children:
        if parent_id in groups:
            groups[parent_id][1].append((pk, name))
    return list(groups.values())


def ticket_for_caller(*, number: str, phone: str) -> Ticket | None:
    """The ticket with this number whose caller has this phone; ``None`` otherwise."""
    number = (number or "").strip()
    if not NUMBER_RE.match(number):
        return None
    try:
        phone = normalise_phone(phone)
    except InvalidInput:
        return None
    if not phone:
        return None
    return (
        Ticket.objects.select_related("caller", "category")
        .filter(phone_q(phone), number=number)
        .first()
    )


ACCESS_SALT = "duban.portal.access"


def _phone_digest(number: str, phone: str) -> str:
    return salted_hmac(ACCESS_SALT, f"{number}:{phone}").hexdigest()[:32]


def access_token(ticket: Ticket) -> str:
    """Proof, for the rating form, that the visitor gave this ticket's number and phone.

    The page carries this signed token instead of the phone number itself.
    """
    phone = ticket.caller.phone if ticket.caller else ""
    return signing.dumps(
        {"n": ticket.number, "h": _phone_digest(ticket.number, phone)}, salt=ACCESS_SALT
    )


def ticket_for_token(token: str, *, max_age: int) -> Ticket | None:
    """The ticket of a fresh, valid :func:`access_token`; ``None`` otherwise."""
    try:
        data = signing.loads(token or "", salt=ACCESS_SALT, max_age=max_age)
        number, digest = str(data["n"]), str(data["h"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
    ticket = (
        Ticket.objects.select_related("caller", "category").filter(number=number).first()
        if NUMBER_RE.match(number)
        else None
    )
    if ticket is None or ticket.caller is None or not ticket.caller.phone:
        return None
    if not constant_time_compare(_phone_digest(number, ticket.caller.phone), digest):
        return None
    return ticket


def _public_events(ticket: Ticket, types: frozenset[str] = PUBLIC_EVENT_TYPES) -> list[TicketEvent]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, type__in=sorted(types & PUBLIC_EVENT_TYPES))
        .only("seq", "type", "at", "to_state", "payload")
        .order_by("seq")
    )


def _reply_step(event: TicketEvent, passed: bool) -> Step:
    result = event.payload.get("result") or ""
    if result in ReplyResult.values:
        label = public_wording(EventType.REPLY, "with_result", result=ReplyResult(result).label)
    else:
        label = public_wording(EventType.REPLY)
    return Step(event.at, label, str(event.payload.get("text") or "") if passed else "")


def _step(event: TicketEvent) -> Step | None:
    """The public step of an event: its wording in the vocabulary, a detail for some types."""
    if event.type not in PUBLIC_EVENT_TYPES:
        return None
    p = event.payload
    match event.type:
        case EventType.DISPATCH:
            if p.get("unit_name"):
                return Step(event.at, public_wording(event.type, unit_name=p["unit_name"]))
            return Step(event.at, public_wording(event.type, "unknown_unit"))
        case EventType.DIRECT_ANSWER:
            return Step(event.at, public_wording(event.type), str(p.get("answer") or ""))
        case EventType.CALLBACK:
            if p.get("reached"):
                return Step(event.at, public_wording(event.type, "reached"), _rating_text(p))
            if event.to_state == State.CLOSED:
                return Step(event.at, public_wording(event.type, "unreachable"))
            return None
        case EventType.RATE_ONLINE:
            return Step(event.at, public_wording(event.type), _rating_text(p))
        case EventType.REPLY | EventType.REVIEW_REJECT:
            return None  # shown (or hidden) by public_steps
    return Step(event.at, public_wording(event.type))


def _rating_text(payload: dict[str, Any]) -> str:
    parts = []
    if payload.get("resolved") is not None:
        parts.append("已解决" if payload["resolved"] else "未解决")
    if payload.get("satisfaction") in Satisfaction.values:
        parts.append(str(Satisfaction(payload["satisfaction"]).label))
    return "，".join(parts)


def public_steps(events: list[TicketEvent]) -> list[Step]:
    """The public timeline; a reply's text shows once the centre has passed it."""
    steps: list[Step] = []
    pending_reply: TicketEvent | None = None
    for event in events:
        if event.type == EventType.REPLY:
            pending_reply = event
            continue
        if pending_reply is not None and event.type in (
            EventType.REVIEW_PASS,
            EventType.REVIEW_REJECT,
        ):
            if event.type == EventType.REVIEW_PASS:
                steps.append(_reply_step(pending_reply, passed=True))
            pending_reply = None
        step = _step(event)
        if step is not None:
            steps.append(step)
    if pending_reply is not None:
        steps.append(_reply_step(pending_reply, passed=False))
    return steps


def _merged_state_label(ticket: Ticket, master: Ticket) -> str:
    if ticket.closed_at is not None or master.state == State.CLOSED:
        return MERGED_CLOSED
    if ticket.rated_at is not None:
        return MERGED_RATED
    if master_outcome_ready(master):
        return PUBLIC_STATES[State.REVIEWED]
    return f"{PUBLIC_STATES[State.MERGED]}，{PUBLIC_STATES.get(master.state, '')}"


def public_ticket(ticket: Ticket) -> PublicTicket:
    """The caller's view of their ticket. A merged ticket shows how its master went — the
    units, the reply once reviewed, reopening — and may be rated once the master's reply
    passed review (``tickets.services.merged``); two more queries then."""
    caller = ticket.caller
    name = mask_name(caller.name) if caller else ""
    phone = mask_phone(caller.phone) if caller else ""
    steps = public_steps(_public_events(ticket))
    master = followed_master(ticket) if ticket.state == State.MERGED else None
    if master is None:
        return PublicTicket(
            ticket=ticket,
            name=name,
            phone=phone,
            state_label=PUBLIC_STATES.get(ticket.state, ""),
            can_rate=ticket.state == State.REVIEWED,
            steps=steps,
            closed=ticket.state == State.CLOSED,
        )
    label = _merged_state_label(ticket, master)
    return PublicTicket(
        ticket=ticket,
        name=name,
        phone=phone,
        state_label=label,
        can_rate=merged_rating_refusal(ticket) is None,
        steps=steps,
        master_steps=public_steps(_public_events(master, MASTER_STEP_TYPES)),
        closed=label == MERGED_CLOSED,
    )
