"""One submit at the intake desk: register, then dispatch or answer directly, atomically.

``intake_register_and_route`` composes the real ticket services (``ticket_register``,
``ticket_dispatch``, ``ticket_direct_answer``) in one transaction: either the ticket
is registered *and* routed, or nothing is written. A resubmitted form (double click,
browser retry) carries the same idempotency key: ``ticket_register`` returns the
ticket of the first submit, and the routing step is not repeated.

(A candidate for ``tickets.services`` once the desk settles; kept here meanwhile.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from duban.org.models import Unit, User
from duban.tickets import services as s
from duban.tickets.choices import Channel, State
from duban.tickets.errors import InvalidInput
from duban.tickets.models import IdempotencyKey, Ticket

ROUTES = ("dispatch", "direct", "register")


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    route: str
    replayed: bool  # the idempotency key had been used: the first submit's ticket


@transaction.atomic
def intake_register_and_route(
    *,
    actor: User,
    now: datetime,
    route: str,
    ticket_fields: dict[str, Any],
    unit: Unit | None = None,
    co_units: Sequence[Unit] = (),
    answer: str = "",
    idempotency_key: str | None = None,
    channel: str = Channel.PHONE,
) -> IntakeResult:
    """Register a ticket and, per ``route``, dispatch it to ``unit`` or answer it directly.

    ``ticket_fields`` are ``ticket_register``'s own arguments (title, content,
    appeal_type, urgency, location, caller_*). ``route`` is ``dispatch``, ``direct``
    or ``register`` (only register).
    """
    if route not in ROUTES:
        raise InvalidInput(f"未知的提交方式：{route} / unknown route", field="route")
    if route == "dispatch" and unit is None:
        raise InvalidInput("请选择主办单位 / choose the primary unit", field="unit")
    if route == "direct" and not (answer or "").strip():
        raise InvalidInput("直办须填写答复内容 / a direct answer needs its text", field="answer")
    replayed = bool(
        idempotency_key and IdempotencyKey.objects.filter(user=actor, key=idempotency_key).exists()
    )
    ticket = s.ticket_register(
        actor=actor,
        now=now,
        channel=channel,
        idempotency_key=idempotency_key or None,
        **ticket_fields,
    )
    if replayed or ticket.state != State.REGISTERED:
        # A retry of a finished submit, or auto-dispatch already routed the ticket.
        return IntakeResult(ticket=ticket, route=route, replayed=replayed)
    if route == "dispatch":
        assert unit is not None
        ticket = s.ticket_dispatch(
            ticket=ticket, actor=actor, now=now, unit=unit, co_units=list(co_units)
        )
    elif route == "direct":
        ticket = s.ticket_direct_answer(ticket=ticket, actor=actor, now=now, answer=answer)
    return IntakeResult(ticket=ticket, route=route, replayed=False)
