"""Reads of the ticket search page (工单查询)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from duban.metrics.selectors_places import place_filter
from duban.org.models import Unit, User
from duban.tickets import selectors as ticket_selectors
from duban.tickets.models import Category, Ticket
from duban.tickets.querysets import TicketQuerySet

# --- ticket search (工单查询) -----------------------------------------------------------


def level_one_categories() -> QuerySet[Category]:
    return Category.objects.filter(level=1).order_by("full_name")


def searched_tickets(
    *, user: User, now: datetime, place: Unit | None = None, **filters: Any
) -> TicketQuerySet:
    """Visible tickets matching the search filters (``tickets.selectors.filtered_tickets``);
    ``place`` a street or village, counted as the dashboard's heat by place counts it."""
    qs = ticket_selectors.filtered_tickets(user=user, now=now, **filters)
    return qs.filter(place_filter(place)) if place is not None else qs


@dataclass(frozen=True)
class SearchPage:
    tickets: list[Ticket]
    count: int
    page: int
    pages: int


def search_page(
    qs: TicketQuerySet, *, now: datetime, ordering: str, page: int, page_size: int
) -> SearchPage:
    """One page of searched tickets and the total (two queries); a page past the end is the last."""
    count = qs.count()
    pages = max(1, -(-count // page_size))
    page = min(page, pages)
    tickets = ticket_selectors.ordered_page(
        qs, now=now, ordering=ordering, limit=page_size, offset=(page - 1) * page_size
    )
    return SearchPage(tickets=tickets, count=count, page=page, pages=pages)
