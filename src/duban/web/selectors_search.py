"""Reads of the ticket search page (工单查询).

Text filters are substring matches (``icontains``): on PostgreSQL each is answered from a
pg_trgm GIN index (migration ``tickets/0011``) for terms of three characters or more; a
shorter term has no trigram to look up, so it is searched within a bounded date window
(``SHORT_TERM_DAYS``). A word of the content (two characters or more) listed newest first,
as the page lists by default, is read month by month, newest first, from the month-keyed
bigram index (``tickets.bigrams``) until the page and the capped count are full: what it
reads grows with the page, not with the years kept (:func:`search_page`). Callers are found
by the indexed exact phone or name, and only by staff who see personal data. docs/search.md
explains the choices and the timings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from duban.core.errors import InvalidInput, PermissionDenied
from duban.metrics.selectors_places import place_filter
from duban.org.models import Unit, User
from duban.tickets import selectors as ticket_selectors
from duban.tickets.bigrams import BIGRAM_LENGTH, MonthBigramContains, month_after, months_between
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
# A step of the walk that the cap cut looks for its page among this many newest
# registrations of its months first (docs/scale.md, 2026-12-04c).
STEP_WINDOW = 20_000
# The order in which a word of the content is read month by month (newest registrations
# first); the page's default. ``search_page`` walks the months for it alone.
WALK_ORDERING = "-created_at"


class PersonalDataSearch(PermissionDenied):
    code = "personal_data_search"


class ShortTermRange(InvalidInput):
    code = "short_term_range"


# A date range: (field, start, end), ``created_at`` or ``dispatched_at``; a bound may be open.
Window = tuple[str, datetime | None, datetime | None]

# --- ticket search (工单查询) -----------------------------------------------------------


def level_one_categories() -> QuerySet[Category]:
    return Category.objects.filter(level=1).order_by("full_name")


def _month_keyed(content: str | None, *, by_person: bool) -> bool:
    """Whether a word of the content is read from the month-keyed index (:class:`Search`):
    two characters or more, and no caller named (a caller's own index bounds that search)."""
    return bool(content and len(content) >= BIGRAM_LENGTH and not by_person)


def walks_by_month(content: str | None, *, ordering: str, by_person: bool) -> bool:
    """Whether a word of the content is read month by month, newest first
    (:func:`search_page`): month-keyed and listed in ``WALK_ORDERING``."""
    return ordering == WALK_ORDERING and _month_keyed(content, by_person=by_person)


def short_term_window(
    *,
    terms: Iterable[str | None],
    content: str | None = None,
    ordering: str = WALK_ORDERING,
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

    ``terms`` are the title's and the reply's words; ``content`` the content's, which is
    short only when it is not walked (:func:`walks_by_month`): read newest month first, a
    two-character word of the content searches the whole history, its cost bounded by the
    page and the capped count, not by the years kept (docs/search.md).
    """
    if not walks_by_month(content, ordering=ordering, by_person=by_person):
        terms = (*terms, content)
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


@dataclass(frozen=True)
class Search:
    """The tickets a search finds: ``qs`` holds every filter but the word of the content and
    the registration dates, which are kept apart so that :func:`search_page` can read the
    word month by month."""

    qs: TicketQuerySet
    content: str | None = None
    # The months (their starts, newest first) in which the word's tickets may have been
    # registered: from the window's end, or now, back to its start, or the oldest ticket.
    months: list[datetime] = field(default_factory=list)
    # The registration window's edges inside those months, if any.
    since: datetime | None = None
    until: datetime | None = None

    @property
    def walks(self) -> bool:
        """Whether the word can be read month by month (the month-keyed index's terms)."""
        return bool(self.content and self.months)

    def in_months(self, months: list[datetime]) -> TicketQuerySet:
        """The matches registered in ``months`` and inside the window."""
        assert self.content
        return self.qs.filter(
            MonthBigramContains(self.content, months, since=self.since, until=self.until)
        )

    def tickets(self) -> TicketQuerySet:
        """Every match at once, for the other orders. A longer word from the trigram index
        of the whole history, the window as plain filters. A two-character word, kept
        within ``SHORT_TERM_DAYS``: its matches' ids first, read from the month-keyed index
        with the edges checked on them, then those tickets in the asked order. In one query
        PostgreSQL walked the number index through 9 million tickets to find 50 in the
        window (5.2 s for 路灯 at 10 M), or ANDed the word with a month of registrations
        and rechecked every match through the bigram function (1.6 s)."""
        if not self.content:
            return self.qs
        if len(self.content) == BIGRAM_LENGTH:
            ids = list(self.in_months(self.months).values_list("pk", flat=True))
            return self.qs.filter(pk__any=ids)
        return _within(
            self.qs.filter(content__icontains=self.content), "created_at", self.since, self.until
        )


def _within(
    qs: TicketQuerySet, field_: str, start: datetime | None, end: datetime | None
) -> TicketQuerySet:
    """``qs`` with ``field_`` from ``start`` until before ``end`` (an open bound is none)."""
    if start is not None:
        qs = qs.filter(**{f"{field_}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field_}__lt": end})
    return qs


def _months(*, since: datetime | None, until: datetime | None, now: datetime) -> list[datetime]:
    """The months a registration may fall in between ``since`` (else the oldest ticket's)
    and ``until`` (else now)."""
    newest = now if until is None else min(now, until - timedelta(microseconds=1))
    oldest = since
    if oldest is None:
        oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if oldest is None or oldest > newest:
        return []
    return months_between(oldest, newest)


def _registered_within(
    window: Window | None, period: tuple[datetime, datetime] | None, period_field: str
) -> tuple[datetime | None, datetime | None]:
    """The registration window that the window and the month filter make together."""
    since: datetime | None = None
    until: datetime | None = None
    bounds = [(window[1], window[2])] if window and window[0] == "created_at" else []
    if period is not None and period_field == "created_at":
        bounds.append(period)
    for start, end in bounds:
        if start is not None:
            since = start if since is None else max(since, start)
        if end is not None:
            until = end if until is None else min(until, end)
    return since, until


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
) -> Search:
    """Visible tickets matching the search filters (``tickets.selectors.filtered_tickets``);
    ``place`` a street or village, counted as the dashboard's heat by place counts it;
    ``content``/``reply`` substrings of the appeal and the reply; ``caller_phone`` (normalised)
    and ``caller_name`` exact, for staff who see personal data only; ``window`` a date range.

    A word of the content of two characters or more, without a caller, is kept apart with
    the registration dates (:class:`Search`): the month-keyed index reads it, and the
    window's edges are checked on the months' matches, never read from ``ticket_created``
    (a bitmap of a month of registrations, ANDed with the word's, turns lossy and makes
    PostgreSQL recheck every match through the costly bigram function: 610 against 17 ms
    for 路灯 within 31 days at 10 M tickets, docs/scale.md).
    """
    if (caller_phone or caller_name) and not user.sees_personal_data:
        raise PersonalDataSearch(
            "您的角色无权按诉求人或来电号码查询 / your role may not search by caller"
        )
    if window is not None and window[0] not in DATE_FIELDS:
        raise InvalidInput(f"不支持的时间字段 / unknown date field: {window[0]}")
    walked = _month_keyed(content, by_person=bool(caller_phone or caller_name))
    since, until = _registered_within(
        window, filters.get("period"), filters.get("period_field", "created_at")
    )
    if walked and filters.get("period_field", "created_at") == "created_at":
        filters["period"] = None  # the registration month becomes the walk's window
    qs = ticket_selectors.filtered_tickets(user=user, now=now, **filters)
    if place is not None:
        qs = qs.filter(place_filter(place))
    if content and not walked:
        qs = qs.filter(content__icontains=content)
    if reply:
        qs = qs.filter(reply_text__icontains=reply)
    if caller_phone:
        qs = qs.filter(phone_q(caller_phone))
    if caller_name:
        qs = qs.filter(name_q(caller_name))
    if window is not None and not (walked and window[0] == "created_at"):
        qs = _within(qs, *window)
    if not walked:
        return Search(qs)
    months = _months(since=since, until=until, now=now)
    if not months:  # no ticket can match: nothing registered in the window
        return Search(qs.none())
    return Search(qs, content, months, since=since, until=until)


@dataclass(frozen=True)
class SearchPage:
    tickets: list[Ticket]
    count: int
    page: int
    pages: int
    capped: bool = False  # more than ``count`` tickets match


def search_page(
    search: Search, *, now: datetime, ordering: str, page: int, page_size: int
) -> SearchPage:
    """One page of searched tickets and the total, counted up to ``COUNT_CAP``; a page past
    the end is the last.

    A word of the content listed newest first (``WALK_ORDERING``) is read month by month,
    newest first, by steps of months (:func:`_steps`): each step counted up to what the cap
    still allows, the page then read from the steps it falls in. A common word stops after
    its newest month; at 10 M tickets reading every match of the history took 579 ms
    (docs/scale.md). Otherwise three queries: the capped count, the page's ids, its rows.
    """
    if search.walks and ordering == WALK_ORDERING:
        return _walked_page(search, now=now, page=page, page_size=page_size)
    qs = search.tickets()
    # Unordered: the count reads the matches the cheapest way, and stops after the cap.
    count = qs.order_by()[: COUNT_CAP + 1].count()
    return _page(
        count,
        page,
        page_size,
        lambda offset, limit: ticket_selectors.ordered_page(
            qs, now=now, ordering=ordering, limit=limit, offset=offset
        ),
    )


def _page(
    count: int, page: int, page_size: int, read: Callable[[int, int], list[Ticket]]
) -> SearchPage:
    """The page (clamped to the last) of ``count`` matches, capped, read by ``read(offset,
    limit)``."""
    capped = count > COUNT_CAP
    count = min(count, COUNT_CAP)
    pages = max(1, -(-count // page_size))
    page = min(page, pages)
    tickets = read((page - 1) * page_size, page_size)
    return SearchPage(tickets=tickets, count=count, page=page, pages=pages, capped=capped)


def _steps(months: list[datetime]) -> list[list[datetime]]:
    """``months`` (newest first) cut into the walk's steps: one, one, two, four, … months,
    so that a rare word in a long history costs a few steps, a common one the newest
    month alone."""
    steps = [months[:1]]
    i = 1
    while i < len(months):
        steps.append(months[i : 2 * i])
        i *= 2
    return steps


@dataclass(frozen=True)
class _Step:
    """A step of the walk: its months (newest first), their matches, and how many."""

    months: list[datetime]
    matches: TicketQuerySet
    count: int
    whole: bool  # ``count`` is every match of the months (the cap did not cut it)


def _walked_page(search: Search, *, now: datetime, page: int, page_size: int) -> SearchPage:
    steps: list[_Step] = []
    total = 0
    for months in _steps(search.months):
        matches = search.in_months(months)
        room = COUNT_CAP + 1 - total
        n = matches.order_by()[:room].count()
        steps.append(_Step(months, matches, n, whole=n < room))
        total += n
        if total > COUNT_CAP:
            break

    def read(offset: int, limit: int) -> list[Ticket]:
        tickets: list[Ticket] = []
        for step in steps:
            if offset >= step.count:
                offset -= step.count
                continue
            tickets += _read_step(step, now=now, offset=offset, limit=limit - len(tickets))
            offset = 0
            if len(tickets) == limit:
                break
        return tickets

    return _page(total, page, page_size, read)


def _read_step(step: _Step, *, now: datetime, offset: int, limit: int) -> list[Ticket]:
    """``limit`` tickets of a step's matches from ``offset``, newest registration first.

    Never by asking PostgreSQL to sort the months' matches: it would walk
    ``ticket_created`` from now (or from the step's end) and test every ticket it passes
    until the page is full — a rare word's page took 17.7 s at 1 M tickets, and 路灯 at
    10 M, whose matches in the month lay early in it, 25 s (docs/scale.md, 2026-12-04c).

    - A step counted whole has at most ``COUNT_CAP`` matches: they are read from the
      month-keyed index and put in order here.
    - A step the cap cut holds more: its page is first looked for among the newest
      ``STEP_WINDOW`` registrations of its months (a dense word fills it there), else its
      matches are read whole as above.
    """
    if not step.whole:
        end = month_after(step.months[0])
        edge = (
            Ticket.objects.filter(created_at__lt=end)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[STEP_WINDOW - 1 : STEP_WINDOW]
            .first()
        )
        window = step.matches.filter(created_at__lt=end)
        if edge is not None:
            window = window.filter(created_at__gte=edge)
        page = ticket_selectors.ordered_page(
            window, now=now, ordering=WALK_ORDERING, limit=limit, offset=offset
        )
        if len(page) == limit or edge is None:
            return page
    found = sorted(step.matches.order_by().values_list("created_at", "number", "pk"), reverse=True)
    ids = [pk for _, _, pk in found[offset : offset + limit]]
    return ticket_selectors.listed_tickets(ids, now=now)
