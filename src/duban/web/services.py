"""Writes of the web pages that compose ticket services: the intake desk's submit with
files and the grid worker's report.

Pages otherwise call one ``tickets.services`` function each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from duban.org.models import Unit, User
from duban.tickets import services as s
from duban.tickets.choices import Channel, State
from duban.tickets.models import Ticket

from .intake_forms import derive_title


@transaction.atomic
def grid_report(
    *,
    actor: User,
    now: datetime,
    place: str,
    description: str,
    appeal_type: str,
    photo: UploadedFile | None = None,
    idempotency_key: str | None = None,
) -> Ticket:
    """Register a grid worker's finding (channel ``grid``) and store its photo, atomically."""
    ticket = s.ticket_register(
        actor=actor,
        now=now,
        channel=Channel.GRID,
        appeal_type=appeal_type,
        title=derive_title(description) or place[:30],
        content=description,
        location=place,
        idempotency_key=idempotency_key,
    )
    if photo is not None and not ticket.attachments.exists():
        s.ticket_attach(ticket=ticket, actor=actor, now=now, upload=photo)
    return ticket


@transaction.atomic
def intake_submit(
    *,
    actor: User,
    now: datetime,
    route: str,
    ticket_fields: dict[str, Any],
    channel: str = Channel.PHONE,
    unit: Unit | None = None,
    co_units: Sequence[Unit] = (),
    answer: str = "",
    idempotency_key: str | None = None,
    uploads: Sequence[UploadedFile] = (),
) -> s.IntakeResult:
    """The intake desk's one submit: register the appeal, store its files (``ticket_attach``)
    and route it, all or nothing.

    Without files this is ``ticket_register_and_route``. With files the ticket must still
    be registered when they are attached — a direct answer closes it, and a closed ticket
    takes no files — so it is registered first (``route="register"``), then the files are
    attached, then it is dispatched or answered by the same services. A repeated
    idempotency key returns the first submit's ticket without attaching anything again;
    a ticket auto-dispatched at registration keeps the engine's unit.
    """
    if not uploads:
        return s.ticket_register_and_route(
            actor=actor,
            now=now,
            route=route,
            ticket_fields=ticket_fields,
            unit=unit,
            co_units=co_units,
            answer=answer,
            idempotency_key=idempotency_key,
            channel=channel,
        )
    registered = s.ticket_register_and_route(
        actor=actor,
        now=now,
        route="register",
        ticket_fields=ticket_fields,
        idempotency_key=idempotency_key,
        channel=channel,
    )
    ticket = registered.ticket
    if registered.replayed:
        return s.IntakeResult(ticket=ticket, route=route, replayed=True)
    for upload in uploads:
        ticket = s.ticket_attach(ticket=ticket, actor=actor, now=now, upload=upload).ticket
    if ticket.state == State.REGISTERED and route == "dispatch":
        ticket = s.ticket_dispatch(
            ticket=ticket,
            actor=actor,
            now=now,
            unit=unit,  # type: ignore[arg-type]  # None is refused by the service
            co_units=list(co_units),
        )
    elif ticket.state == State.REGISTERED and route == "direct":
        ticket = s.ticket_direct_answer(ticket=ticket, actor=actor, now=now, answer=answer)
    return s.IntakeResult(ticket=ticket, route=route, replayed=False)
