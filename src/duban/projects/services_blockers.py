"""Blockers (需协调事项) are tickets of kind ``project`` on the one engine.

``blocker_raise`` registers the ticket through ``tickets.services.ticket_register`` (the
engine numbers, routes and times it; the centre dispatches it to the responsible
departments with co-units) and links it to the project. The engine calls
``project_ticket_changed`` after every event of the kind, in the event's transaction: the
project's page then shows the blocker's state and the project its open-blocker count.
The project owner is the ticket's caller, so the owner rates the result like a caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from duban.org.models import User
from duban.tickets.choices import OPEN_STATES, AppealType, Channel, Kind, State, Urgency
from duban.tickets.services import ticket_register

from .errors import ProjectForbidden
from .models import Blocker, MonthlyReport, Project
from .services import event

# The ticket events the project's history mentions (others only update the state shown).
TOLD = {
    State.DISPATCHED: "已派单",
    State.REPLIED: "责任单位已答复",
    State.REOPENED: "重办",
    State.CLOSED: "已办结",
}


def _recount(project_id: int) -> None:
    open_count = Blocker.objects.filter(project_id=project_id, state__in=OPEN_STATES).count()
    Project.objects.filter(pk=project_id).update(open_blockers=open_count)


@transaction.atomic
def blocker_raise(
    *,
    project: Project,
    actor: User,
    now: datetime,
    title: str,
    content: str,
    report: MonthlyReport | None = None,
    urgency: str = Urgency.NORMAL,
    idempotency_key: str | None = None,
) -> Blocker:
    """Raise a blocker of ``project`` as a ticket of kind ``project``.

    With ``idempotency_key`` a retried request returns the blocker raised the first time
    (the engine's idempotency of registrations).
    """
    from .selectors import visible_to

    if not visible_to(actor).filter(pk=project.pk).exists():
        raise ProjectForbidden("无权为该项目提出协调事项 / not your project")
    ticket = ticket_register(
        actor=actor,
        now=now,
        kind=Kind.PROJECT,
        title=f"【{project.name}】{title}"[:200],
        content=content,
        appeal_type=AppealType.HELP,
        channel=Channel.WEB,
        urgency=urgency,
        location=(project.location or (project.street.name if project.street else ""))[:200],
        caller_name=(project.owner_contact or project.owner_name)[:50],
        caller_phone=project.owner_phone,
        idempotency_key=idempotency_key,
    )
    replayed = Blocker.objects.filter(ticket=ticket).first()
    if replayed is not None:
        return replayed
    blocker = Blocker.objects.create(
        project=project,
        ticket=ticket,
        report=report,
        state=ticket.state,
        raised_by=actor,
        raised_at=now,
    )
    _recount(project.pk)
    event(
        project=project,
        type="blocker",
        actor=actor,
        now=now,
        message=f"提出协调事项，工单{ticket.number}：{title}",
        ticket=ticket.number,
    )
    return blocker


def project_ticket_changed(*, ticket: Any, event: Any, actor: User | None, now: datetime) -> None:
    """The engine's hook for kind ``project``: mirror the ticket's state on its blocker."""
    from .services import event as history

    blocker = Blocker.objects.filter(ticket_id=ticket.pk).first()
    if blocker is None or blocker.state == ticket.state:
        return  # registration (the blocker row comes next) or an overlay event
    blocker.state = ticket.state
    blocker.closed_at = now if ticket.state == State.CLOSED else None
    blocker.save(update_fields=["state", "closed_at"])
    _recount(blocker.project_id)
    if ticket.state in TOLD:
        history(
            project=blocker.project,
            type="blocker_state",
            actor=None,
            now=now,
            message=f"协调事项工单{ticket.number}{TOLD[ticket.state]}",
            ticket=ticket.number,
            state=ticket.state,
        )
