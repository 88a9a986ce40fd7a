"""Writes of the web pages that compose ticket services: the intake desk's submit with
files and the grid worker's report.

Pages otherwise call one ``tickets.services`` function each.
"""

from __future__ import annotations

from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from duban.org.models import User
from duban.tickets import services as s
from duban.tickets.choices import Channel
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
