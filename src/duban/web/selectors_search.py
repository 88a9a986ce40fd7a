"""Reads of the ticket search page (工单查询).

Text filters are substring matches (``icontains``): on PostgreSQL each is answered from a
pg_trgm GIN index (migration ``tickets/0011``) for terms of three characters or more; a
shorter term has no trigram to look up, so it is searched within a bounded date window
(``SHORT_TERM_DAYS``); a two-character word of the content is looked up in the bigram
index (``tickets.bigrams``) within that window. Callers are found by the indexed exact phone or name, and only by
staff who see personal data. docs/search.md explains the choices and the timings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from duban.core.errors import InvalidInput, PermissionDenied
from duban.metrics.selectors_places import place_filter
from duban.org.models import Unit, User
from duban.tickets import selectors as ticket_selectors
from duban.tickets.bigrams import BIGRAM_LENGTH, BigramContains
from duban.tickets.models import Category, Ticket, name_q, phone_q
from duban.tickets.querysets import TicketQuerySet

# The shortest term a trigram index can answer (pg_trgm takes no trigram from a
# two-character substring, so "噪音" would read the whole index).
INDEXED_TERM = 3
# A shorter term is searched among the tickets of at most this many days.
SHORT_TERM_DAYS = 31
# Counting stops here: the page says "10000+" instead of reading every match.
COUNT_CAP = 10_000
DATE_FIELDS = ("created_at", "dispatched_at")


class PersonalDataSearch(PermissionDenied):
    code = "personal_data_search"


class ShortTermRange(InvalidInput):
    code = "short_term_range"


# A date range: (field, start, end), ``created_at`` or ``dispatched_at``; a bound may be open.
Window = tuple[str, datetime | None, datetime | None]

# --- ticket search (工单查询) -----------------------------------------------------------


def level_one_categories() -> QuerySet[Category]:
    return Category.objects.filter(level=1).order_by("full_name")


def short_term_window(
    *,
    terms: Iterable[str | None],
    window: Window | None,
    period: tuple[datetime, datetime] | None,
    by_person: bool,
    now: datetime,
) -> tuple[Window | None, bool]:
    """The date window a search must keep to, and whether it was narrowed for the user.

    A term shorter than ``INDEXED_TERM`` cannot use the trigram index: unless the search
    also names a caller (an indexed exact match), it reads at most ``SHORT_TERM_DAYS``
    days of tickets — the given window or month if no longer (else ``ShortTermRange``),
    or the last ``SHORT_TERM_DAYS`` days of registrations when none was given.
    """
    short = any(term and len(term) < INDEXED_TERM for term in terms)
    if not short or by_person:
        return window, False
    limit = timedelta(days=SHORT_TERM_DAYS)
    bounds = [b for b in ((window[1], window[2]) if window else None, period) if b is not None]
    if not bounds:
        return ("created_at", now - limit, None), True
    if any(start is None or end is None or end - start > limit for start, end in bounds):
        raise ShortTermRange(
            f"关键词少于 {INDEXED_TERM} 个字时，日期范围不能超过 {SHORT_TERM_DAYS} 天 / "
            f"a term shorter than {INDEXED_TERM} characters needs a range of at most "
            f"{SHORT_TERM_DAYS} days",
            field="date_from",
        )
    return window, False


def searched_tickets(
    *,
    user: User,
    now: datetime,
    place: Unit | None = None,
    content: str | None = None,
    reply: str | None = None,
    caller_phone: str | None = None,
    caller_name: str | None = None,
    window: Window | None = None,
    **filters: Any,
) -> TicketQuerySet:
    """Visible tickets matching the search filters (``tickets.selectors.filtered_tickets``);
    ``place`` a street or village, counted as the dashboard's heat by place counts it;
    ``content``/``reply`` substrings of the appeal and the reply; ``caller_phone`` (normalised)
    and ``caller_name`` exact, for staff who see personal data only; ``window`` a date range."""
    if (caller_phone or caller_name) and not user.sees_personal_data:
        raise PersonalDataSearch(
            "您的角色无权按诉求人或来电号码查询 / your role may not search by caller"
        )
    qs = ticket_selectors.filtered_tickets(user=user, now=now, **filters)
    if place is not None:
        qs = qs.filter(place_filter(place))
    if content and len(content) == BIGRAM_LENGTH:
        # A two-character word (路灯): the bigram index, the same matches (tickets.bigrams).
        qs = qs.filter(BigramContains("content", content))
    elif content:
        qs = qs.filter(content__icontains=content)
    if reply:
        qs = qs.filter(reply_text__icontains=reply)
    if caller_phone:
        qs = qs.filter(phone_q(caller_phone))
    if caller_name:
        qs = qs.filter(name_q(caller_name))
    if window is not None:
        field, start, end = window
        if field not in DATE_FIELDS:
            raise InvalidInput(f"不支持的时间字段 / unknown date field: {field}")
        if start is not None:
            qs = qs.filter(**{f"{field}__gte": start})
        if end is not None:
            qs = qs.filter(**{f"{field}__lt": end})
    return qs


@dataclass(frozen=True)
class SearchPage:
    tickets: list[Ticket]
    count: int
    page: int
    pages: int
    capped: bool = False  # more than ``count`` tickets match


def search_page(
    qs: TicketQuerySet, *, now: datetime, ordering: str, page: int, page_size: int
) -> SearchPage:
    """One page of searched tickets and the total, counted up to ``COUNT_CAP`` (three queries);
    a page past the end is the last."""
    # Unordered: the count reads the matches the cheapest way, and stops after the cap.
    count = qs.order_by()[: COUNT_CAP + 1].count()
    capped = count > COUNT_CAP
    count = min(count, COUNT_CAP)
    pages = max(1, -(-count // page_size))
    page = min(page, pages)
    tickets = ticket_selectors.ordered_page(
        qs, now=now, ordering=ordering, limit=page_size, offset=(page - 1) * page_size
    )
    return SearchPage(tickets=tickets, count=count, page=page, pages=pages, capped=capped)
