"""Reads behind the staff pages: the work lists (desks) and the grid worker's tasks (the
ticket search and the monthly circular have their own modules).

Each desk is a dict of tabs → filter over ``Ticket.objects.visible_to(user)``. A desk
page runs a fixed number of queries whatever the number of rows: one for all tab counts
(``_tab_counts``), the page's ids, then its rows (units, category and caller joined).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, Value

from duban.core.db import counts_at_once
from duban.org.models import User
from duban.tickets.choices import OPEN_STATES, State
from duban.tickets.clocks import DUE_SOON, OVERDUE_STATES, past_due
from duban.tickets.models import Category, Ticket
from duban.tickets.querysets import TicketQuerySet, sees_district
from duban.tickets.selectors import in_id_order
from duban.tickets.services.merged import awaiting_rating as merged_awaiting_rating

PAGE_SIZE = 20
OPEN = sorted(s.value for s in OPEN_STATES)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    where: Callable[[datetime], Q]  # the tab's open tickets
    order: tuple[str, ...] = ("handle_due", "number")
    # The tab's tickets outside the open states, if it has any (the centre's 待回访: merged
    # tickets whose caller may rate), counted apart from the open ones.
    closed: Callable[[], Q] | None = None

    def matches(self, now: datetime) -> Q:
        """Every ticket of the tab: its open ones and, if any, its closed ones."""
        return self.where(now) | self.closed() if self.closed else self.where(now)


def _overdue(now: datetime) -> Q:
    return past_due(now)


def _due_soon(now: datetime) -> Q:
    return Q(state__in=OVERDUE_STATES, handle_due__gte=now, handle_due__lt=now + DUE_SOON)


def _merged_awaiting_rating() -> Q:
    """The merged tickets whose caller may rate now, by their ids read once before the
    desk's scan (``core.lookups``) through ``ticket_merged_unrated``. Joined to their
    masters inside the desk's OR of tabs, the centre's counts took 61 ms to plan and 52 to
    run at 1 M tickets (every merge ever made stays ``merged``; docs/scale.md)."""
    return Q(pk__any=Ticket.objects.filter(merged_awaiting_rating()).values("pk"))


INBOX = (
    Tab("pending", "待签收", lambda now: Q(state=State.DISPATCHED), ("accept_due", "number")),
    Tab("handling", "办理中", lambda now: Q(state=State.ACCEPTED)),
    Tab("due_soon", "即将到期", _due_soon),
    Tab("overdue", "已超期", _overdue),
    Tab("returning", "退单中", lambda now: Q(state=State.RETURN_PENDING)),
    Tab("reopened", "重办", lambda now: Q(state=State.REOPENED)),
)
CENTRE = (
    Tab("dispatch", "待派单", lambda now: Q(state=State.REGISTERED), ("created_at", "number")),
    Tab("returns", "退单审核", lambda now: Q(state=State.RETURN_PENDING)),
    Tab(
        "extensions",
        "延期审核",
        lambda now: Q(state=State.ACCEPTED, extension_pending_days__gt=0),
    ),
    Tab("review", "答复审核", lambda now: Q(state=State.REPLIED), ("replied_at", "number")),
    # Also the callers of tickets merged into a reviewed master (tickets.services.merged).
    Tab(
        "callback",
        "待回访",
        lambda now: Q(state=State.REVIEWED),
        ("callback_due", "number"),
        closed=_merged_awaiting_rating,
    ),
)
SUPERVISION = (
    Tab("overdue", "已超期", _overdue),
    Tab("at_risk", "24小时内到期", _due_soon),
    Tab(
        "supervised",
        "督办中",
        lambda now: Q(state__in=OPEN, supervise_level__gt=0),
    ),
)
DESKS = {"inbox": INBOX, "centre": CENTRE, "supervision": SUPERVISION}


@dataclass
class DeskPage:
    tabs: list[dict[str, object]]
    tab: Tab
    tickets: list[Ticket]
    count: int
    page: int
    pages: int


def _tab_counts(
    tabs: tuple[Tab, ...],
    *,
    user: User,
    now: datetime,
    opened: TicketQuerySet,
    base: TicketQuerySet,
) -> dict[str, int]:
    """Every tab's count, in one query; a tab's closed tickets (a few hundred rows through
    their own partial index) in one more.

    A unit's scope is counted in one scan of its own open tickets (``open_visible_to``:
    the scope's indexes, a ``BitmapOr``), each tab a ``FILTER`` of that scan. A
    district-wide scope is counted tab by tab (``core.db.counts_at_once``), each tab from
    its own index range: a state of ``ticket_open_state`` (the deadline tabs a range of its
    deadlines), the extension requests from ``ticket_extension_pending``, the supervised
    from ``ticket_supervised_open``. One scan there read all the district's open tickets
    from ``ticket_open_district`` to count tabs of a few thousand: 383,450 index entries,
    148 and 181 ms at 10 M tickets (docs/scale.md). COUNT(1), not COUNT(id): an index
    without the id answers it.
    """
    if sees_district(user):
        counts = counts_at_once({t.key: opened.filter(t.where(now)) for t in tabs})
    else:
        counts = opened.aggregate(**{t.key: Count(Value(1), filter=t.where(now)) for t in tabs})
    for t in tabs:
        if t.closed is not None:
            counts[t.key] += base.filter(t.closed()).count()
    return counts


def desk_page(*, desk: str, user: User, now: datetime, tab: str | None, page: int) -> DeskPage:
    """Counts of every tab (one query, and one more for a tab with closed tickets) and one
    page of the chosen tab (its ids, then its rows)."""
    tabs = DESKS[desk]
    opened = Ticket.objects.open_visible_to(user)
    base = Ticket.objects.visible_to(user)
    counts = _tab_counts(tabs, user=user, now=now, opened=opened, base=base)
    # Without a chosen tab, open the first one that has work in it.
    default = next((t for t in tabs if counts[t.key]), tabs[0])
    current = next((t for t in tabs if t.key == tab), default)
    count = counts[current.key]
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    # The page's ids first, then its rows with their relations: joined before the sort,
    # the caller, category and units would be read for every ticket of the tab (a city
    # unit's thousand open tickets) to keep twenty (docs/scale.md).
    ids = list(
        (base.filter(current.matches(now)) if current.closed else opened.filter(current.where(now)))
        .order_by(*current.order)
        .values_list("pk", flat=True)[start : start + PAGE_SIZE]
    )
    rows = Ticket.objects.filter(pk__any=ids).with_list_relations()
    if desk == "inbox":  # the cards ask whether the reader's unit has a part (协办/下派)
        rows = rows.with_active_parts()
    elif desk == "centre":  # a merged caller's card asks whether its master was reviewed
        rows = rows.select_related("master")
    return DeskPage(
        tabs=[{"key": t.key, "label": t.label, "count": counts[t.key]} for t in tabs],
        tab=current,
        tickets=in_id_order(ids, rows),
        count=count,
        page=page,
        pages=pages,
    )


def registered_ticket(*, user: User, number: str | None) -> Ticket | None:
    """A ticket the user registered and may still see, by number (the intake desk's banner)."""
    if not number or len(number) > 16:
        return None
    return (
        Ticket.objects.visible_to(user)
        .filter(number=number, registered_by=user)
        .select_related("primary_unit")
        .first()
    )


def recent_registered(*, user: User, now: datetime, limit: int = 30) -> list[Ticket]:
    """The operator's own registrations of the last 24 hours (intake desk)."""
    return list(
        Ticket.objects.visible_to(user)
        .filter(registered_by=user, created_at__gte=now - timedelta(hours=24))
        .with_list_relations()
        .order_by("-created_at")[:limit]
    )


def intake_category_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The active catalogue for the intake desk's select, one query: a group per level-1
    category holding itself and its level-2 and level-3 descendants ("住房保障 › 公租房")."""
    rows = list(
        Category.objects.filter(is_active=True)
        .order_by("full_name")
        .values_list("pk", "name", "level", "parent_id")
    )
    names = {pk: name for pk, name, _level, _parent in rows}
    parents = {pk: parent for pk, _name, _level, parent in rows}
    groups = {pk: (name, [(pk, f"{name}（其他）")]) for pk, name, level, _p in rows if level == 1}
    for pk, name, level, parent in rows:  # in full-name order: each level-2 before its children
        if level == 2 and parent in groups:
            groups[parent][1].append((pk, name))
        elif level == 3 and parent is not None and parents.get(parent) in groups:
            groups[parents[parent]][1].append((pk, f"{names[parent]} › {name}"))
    return list(groups.values())


# --- grid worker ----------------------------------------------------------------------


def grid_tickets(*, user: User, limit: int) -> list[Ticket]:
    """Open tickets whose primary or handling unit is the user's grid, deadline first (one query)."""
    unit = user.unit
    assert unit is not None
    return list(
        Ticket.objects.visible_to(user)
        .open()
        .filter(Q(primary_unit=unit) | Q(handling_unit=unit))
        .with_list_relations()
        .order_by("handle_due", "number")[:limit]
    )
