"""Text intelligence over the API: duplicates of a ticket, knowledge search, hot-spots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from duban.core.errors import InvalidInput
from duban.org.auth import role_auth
from duban.org.roles import DASHBOARD_ROLES
from duban.tickets import selectors as ticket_selectors
from duban.tickets.api import ERRORS as ERROR_RESPONSES
from duban.tickets.selectors_related import (
    redacted_suggestions,
    referenced_numbers,
    visible_numbers,
)

from .fingerprint import band_keys
from .hotspots import hotspots
from .intake import duplicate_candidates, repeat_caller
from .knowledge import knowledge_search
from .selectors import dispatch_settings, hotspot_records

router = Router(tags=["smart dispatch"])


class KnowledgeQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(max_length=200)
    limit: int = Field(5, ge=1, le=20)


class HotspotQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    since: datetime | None = None
    until: datetime | None = None
    top: int = Field(10, ge=1, le=50)


@router.get(
    "/tickets/{number}/duplicates",
    response={200: dict, **ERROR_RESPONSES},
    summary="疑似重复件 / duplicates",
    description="Near-duplicates and the caller's earlier tickets in the district, cut to the "
    "tickets the reader may see: another unit's ticket is neither listed nor counted.",
)
def ticket_duplicates(request: HttpRequest, number: str) -> dict[str, Any]:
    reader = request.auth  # type: ignore[attr-defined]
    ticket = ticket_selectors.visible_ticket(user=reader, number=number)
    now = timezone.now()
    keys = [k for _, k in band_keys(ticket.title, ticket.content)]
    found = {
        "duplicates": duplicate_candidates(ticket, keys=keys, cfg=dispatch_settings(), now=now),
        "repeat_caller": repeat_caller(ticket, now=now),
    }
    return redacted_suggestions(found, visible_numbers(reader, referenced_numbers(found)))


@router.get(
    "/knowledge",
    response={200: list[dict], **ERROR_RESPONSES},
    summary="知识库检索 / knowledge search",
)
def knowledge(request: HttpRequest, query: Query[KnowledgeQuery]) -> list[dict[str, Any]]:
    hits = knowledge_search(query.q, today=timezone.localdate(), limit=query.limit)
    return [h.__dict__ for h in hits]


@router.get(
    "/hotspots",
    response={200: list[dict], **ERROR_RESPONSES},
    summary="热点发现 / hot-spots",
    auth=role_auth(DASHBOARD_ROLES),  # the roles of the dashboard's hot-spot panel
)
def hotspot_list(request: HttpRequest, query: Query[HotspotQuery]) -> list[dict[str, Any]]:
    until = query.until or timezone.now()
    since = query.since or until - timedelta(days=30)
    if timezone.is_naive(since) or timezone.is_naive(until):
        since, until = (
            timezone.make_aware(d) if timezone.is_naive(d) else d for d in (since, until)
        )
    if since >= until or until - since > timedelta(days=366):
        raise InvalidInput(
            "时间窗口应在 1 天到 1 年之间 / the window must be within one year", field="since"
        )
    records = hotspot_records(user=request.auth, since=since, until=until)  # type: ignore[attr-defined]
    return [spot.as_dict() for spot in hotspots(records, since=since, until=until, top=query.top)]
