"""Ticket endpoints: register, list, detail and timeline (actions are in ``api_actions``)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Query, Router, Status
from pydantic import AfterValidator, Field

from duban.core.periods import parse_period
from duban.core.schemas import ErrorOut, no_nul

from . import selectors
from .models import PersonalDataAccess
from .schemas import (
    CallerOut,
    EventOut,
    RevealIn,
    TicketFilters,
    TicketIn,
    TicketOut,
    TicketPageOut,
)
from .selectors import caller_view
from .services import privacy, ticket_register, ticket_reveal_caller

router = Router(tags=["tickets"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
IdempotencyKey = Annotated[str | None, Field(max_length=100), AfterValidator(no_nul)]
IDEMPOTENCY_HEADER = Header(None, alias="Idempotency-Key")


@router.post(
    "/tickets",
    response={200: TicketOut, 201: TicketOut, **ERRORS},
    summary="登记工单 / register a ticket",
    description="With `Idempotency-Key`, a retried identical request returns the same ticket "
    "(200); the same key with a different body is `422 idempotency_mismatch`; an identical "
    "request sent while the first is still being handled is `409 idempotency_in_progress` "
    "(retry shortly to get the ticket).",
)
def register(
    request: HttpRequest,
    body: TicketIn,
    idempotency_key: IdempotencyKey = IDEMPOTENCY_HEADER,
) -> Status[Any]:
    now = timezone.now()
    caller = body.caller
    ticket = ticket_register(
        actor=request.auth,  # type: ignore[attr-defined]
        now=now,
        title=body.title,
        content=body.content,
        appeal_type=body.appeal_type,
        channel=body.channel,
        kind=body.kind,
        urgency=body.urgency,
        location=body.location,
        category_id=body.category_id,
        caller_name=caller.name if caller else "",
        caller_phone=caller.phone if caller else "",
        caller_id_number=caller.id_number if caller else "",
        idempotency_key=idempotency_key or None,
    )
    # A replayed request returns the ticket created earlier, with an earlier timestamp.
    created = ticket.created_at == now
    return Status(201 if created else 200, selectors.ticket_detail_by_pk(pk=ticket.pk, now=now))


@router.get("/tickets", response={200: TicketPageOut, **ERRORS}, summary="工单列表 / list tickets")
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> dict:
    unit = selectors.unit_by_ref(filters.unit) if filters.unit is not None else None
    period = parse_period(filters.period) if filters.period else None
    count, items = selectors.ticket_list(
        user=request.auth,  # type: ignore[attr-defined]
        now=timezone.now(),
        state=filters.state,
        kind=filters.kind,
        unit=unit,
        subtree=filters.subtree,
        overdue=filters.overdue,
        period=(period.start, period.end) if period else None,
        q=filters.q,
        ordering=filters.ordering,
        limit=filters.limit,
        offset=filters.offset,
    )
    _audit_full_callers(request.auth, items)  # type: ignore[attr-defined]
    return {"count": count, "items": items}


def _audit_full_callers(user: Any, tickets: Any) -> None:
    """A centre role reads callers' names and phones in full: one access row per caller."""
    if user.sees_personal_data:
        privacy.personal_data_access_record(
            actor=user, tickets=tickets, kind=PersonalDataAccess.Kind.VIEW, now=timezone.now()
        )


@router.get("/tickets/{number}", response={200: TicketOut, **ERRORS}, summary="工单详情")
def ticket_detail(request: HttpRequest, number: str) -> object:
    ticket = selectors.ticket_detail(
        user=request.auth,  # type: ignore[attr-defined]
        number=number,
        now=timezone.now(),
    )
    _audit_full_callers(request.auth, [ticket])  # type: ignore[attr-defined]
    return ticket


@router.post(
    "/tickets/{number}/caller/reveal",
    response={200: CallerOut, **ERRORS},
    summary="查看来电人完整信息 / reveal the caller",
    description="The caller in full, the ID number included (masked everywhere else), for a "
    "stated reason; recorded as a `reveal_caller` event and a personal-data access.",
)
def reveal_caller(request: HttpRequest, number: str, body: RevealIn) -> object:
    user = request.auth  # type: ignore[attr-defined]
    now = timezone.now()
    ticket = selectors.ticket_detail(user=user, number=number, now=now)
    caller = ticket_reveal_caller(ticket=ticket, actor=user, now=now, reason=body.reason)
    return caller_view(caller, user, revealed=True)


@router.get(
    "/tickets/{number}/events", response={200: list[EventOut], **ERRORS}, summary="办理过程"
)
def ticket_events(request: HttpRequest, number: str) -> object:
    return selectors.ticket_events(user=request.auth, number=number)  # type: ignore[attr-defined]
