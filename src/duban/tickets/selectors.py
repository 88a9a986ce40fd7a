"""Reads of tickets for the API and pages: list with filters, detail, events, masking.

Every read starts from ``Ticket.objects.visible_to(user)``: a ticket the user may
not see is reported as not found, never as forbidden, so its existence does not leak.
Lists run a fixed number of queries whatever the page size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q, Sum

from duban.core.errors import InvalidInput
from duban.org.models import Unit, User

from .clocks import past_due
from .errors import TicketNotFound
from .models import Caller, Category, Ticket, TicketAssignment, TicketEvent, TicketTally
from .querysets import TicketQuerySet, active_parts, sees_district

NUMBER_RE = re.compile(r"^[0-9]{8,16}$")
ORDERINGS = {
    "number": [F("number").asc()],
    "-number": [F("number").desc()],
    "created_at": [F("created_at").asc(), F("number").asc()],
    "-created_at": [F("created_at").desc(), F("number").desc()],
    "handle_due": [F("handle_due").asc(nulls_last=True), F("number").asc()],
    "-handle_due": [F("handle_due").desc(nulls_last=True), F("number").desc()],
}
MAX_LIMIT = 200


class UnknownReference(InvalidInput):
    code = "unknown_reference"


class UnknownUnit(UnknownReference):
    code = "unknown_unit"


# --- masking ----------------------------------------------------------------------------


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; short numbers keep only their last two digits."""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(0, len(phone) - 2) + phone[-2:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_id_number(value: str) -> str:
    """410102199001011234 → 4101**********1234."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def caller_view(
    caller: Caller | None, user: User, *, revealed: bool = False
) -> dict[str, str] | None:
    """The caller as this user may see them: name and phone in full only with
    ``sees_personal_data``; the ID number masked for everyone unless ``revealed`` (after
    ``ticket_reveal_caller``, which takes a reason and is audited)."""
    if caller is None:
        return None
    if revealed:
        return {"name": caller.name, "phone": caller.phone, "id_number": caller.id_number}
    if user.sees_personal_data:
        return {
            "name": caller.name,
            "phone": caller.phone,
            "id_number": mask_id_number(caller.id_number),
        }
    return {
        "name": mask_name(caller.name),
        "phone": mask_phone(caller.phone),
        "id_number": mask_id_number(caller.id_number),
    }


# --- references ---------------------------------------------------------------------


def unit_by_ref(ref: str | int, *, field: str = "unit") -> Unit:
    """An active unit named by its code or its id; unknown → 422 ``unknown_unit``."""
    qs = Unit.objects.active()
    unit = None
    if isinstance(ref, str):
        unit = qs.filter(code=ref).first()
        if unit is None and ref.isdigit() and len(ref) <= 15:
            unit = qs.filter(pk=int(ref)).first()
    else:
        unit = qs.filter(pk=ref).first()
    if unit is None:
        raise UnknownUnit(f"单位不存在 / unknown unit: {ref}", field=field)
    return unit


def units_by_ref(refs: list[str | int], *, field: str) -> list[Unit]:
    return [unit_by_ref(ref, field=field) for ref in refs]


def user_by_ref(username: str, *, field: str) -> User:
    user = User.objects.select_related("unit").filter(username=username, is_active=True).first()
    if user is None:
        raise UnknownReference(f"用户不存在 / unknown user: {username}", field=field)
    return user


# --- tickets ------------------------------------------------------------------------


def _overdue_flag(now: datetime) -> ExpressionWrapper:
    return ExpressionWrapper(past_due(now), output_field=BooleanField())


def _not_found(number: str) -> TicketNotFound:
    return TicketNotFound(f"工单不存在 / no such ticket: {number[:20]}", number=number[:20])


def visible_ticket(*, user: User, number: str) -> Ticket:
    """The ticket if the user may see it (one query); otherwise 404 ``ticket_not_found``."""
    if not NUMBER_RE.match(number):
        raise _not_found(number)
    ticket = Ticket.objects.visible_to(user).filter(number=number).first()
    if ticket is None:
        raise _not_found(number)
    return ticket


def _detail_queryset(now: datetime) -> TicketQuerySet:
    # The leader and the master are not joined: few tickets have either (one more query for
    # those), and the two extra outer joins cost every read of a ticket ≈ 1.3 ms of planning
    # (1.84 → 0.55 ms at 1 M tickets, docs/scale.md).
    assignments = TicketAssignment.objects.select_related("unit").order_by("assigned_at", "pk")
    return (
        Ticket.objects.with_list_relations()
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .annotate(is_overdue=_overdue_flag(now))
    )


def ticket_detail(*, user: User, number: str, now: datetime) -> Ticket:
    """A visible ticket with its units, caller and assignments (2 queries; one more each for
    a leader and a master)."""
    if not NUMBER_RE.match(number):
        raise _not_found(number)
    ticket = (
        _detail_queryset(now)
        .filter(number=number)
        .filter(pk__in=Ticket.objects.visible_to(user).filter(number=number).values("pk"))
        .first()
    )
    if ticket is None:
        raise _not_found(number)
    return ticket


def ticket_detail_by_pk(*, pk: int, now: datetime) -> Ticket:
    """Re-read a ticket the caller just acted on (no visibility filter: the service checked)."""
    return _detail_queryset(now).get(pk=pk)


def filtered_tickets(
    *,
    user: User,
    now: datetime,
    state: str | None = None,
    kind: str | None = None,
    unit: Unit | None = None,
    subtree: bool = False,
    category: Category | None = None,
    overdue: bool | None = None,
    period: tuple[datetime, datetime] | None = None,
    period_field: str = "created_at",
    q: str | None = None,
) -> TicketQuerySet:
    """Visible tickets matching the filters (no query until evaluated).

    ``category`` matches the category and everything below it; ``period`` bounds
    ``period_field`` — ``created_at`` (registered) or ``dispatched_at`` (as the
    figures count tickets).
    """
    qs = Ticket.objects.visible_to(user)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(primary_unit__path__startswith=unit.path) if subtree else qs.for_unit(unit)
    if category is not None:
        qs = qs.filter(
            Q(category=category)
            | Q(category__parent=category)
            | Q(category__parent__parent=category)
        )
    if overdue is True:
        qs = qs.filter(past_due(now))
    elif overdue is False:
        qs = qs.exclude(past_due(now))
    if period is not None:
        if period_field not in ("created_at", "dispatched_at"):
            raise InvalidInput(f"不支持的时间字段 / unknown period field: {period_field}")
        qs = qs.filter(**{f"{period_field}__gte": period[0], f"{period_field}__lt": period[1]})
    if q:
        qs = qs.filter(title__icontains=q)
    return qs


def ordered_page(
    qs: TicketQuerySet, *, now: datetime, ordering: str, limit: int, offset: int = 0
) -> list[Ticket]:
    """One slice of ``qs`` with the list relations and the overdue flag (two queries).

    The slice's ids first, then their rows with the relations: joined before the sort,
    the caller, category and units were read for every match to keep fifty — 36,691
    callers for a word of the content at 5 M tickets, 300 ms of the search's 400
    (docs/scale.md). The desks' pages are read the same way (``web.selectors``).
    """
    if ordering not in ORDERINGS:
        raise InvalidInput(f"不支持的排序 / unknown ordering: {ordering}", field="ordering")
    ids = list(
        qs.order_by(*ORDERINGS[ordering]).values_list("pk", flat=True)[offset : offset + limit]
    )
    return listed_tickets(ids, now=now)


def listed_tickets(ids: list[int], *, now: datetime) -> list[Ticket]:
    """The tickets of ``ids``, in that order, with the list relations and the overdue flag
    (one query; none for no ids): a page whose ids were chosen first."""
    if not ids:
        return []
    rows = (
        Ticket.objects.filter(pk__any=ids)
        .with_list_relations()
        .annotate(is_overdue=_overdue_flag(now))
    )
    return in_id_order(ids, rows)


def in_id_order(ids: list[int], rows: Iterable[Ticket]) -> list[Ticket]:
    """``rows`` (read by ``pk__any=ids``) in the order of ``ids``: a page read ids first."""
    position = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda t: position[t.pk])


def ticket_list(
    *,
    user: User,
    now: datetime,
    ordering: str = "-number",
    limit: int = 50,
    offset: int = 0,
    **filters: Any,
) -> tuple[int, list[Ticket]]:
    """One page of visible tickets and the total count (three queries).

    ``filters`` are those of :func:`filtered_tickets`.
    """
    if ordering not in ORDERINGS:
        raise InvalidInput(f"不支持的排序 / unknown ordering: {ordering}", field="ordering")
    qs = filtered_tickets(user=user, now=now, **filters)
    limit = max(1, min(limit, MAX_LIMIT))
    district = user.district_pk if sees_district(user) else None
    if filters_narrow(filters):
        count = qs.count()
    elif district is not None:
        count = district_total(district)  # every ticket of the district: its tally
    else:
        count = scope_total(user)
    return count, ordered_page(qs, now=now, ordering=ordering, limit=limit, offset=offset)


def filters_narrow(filters: dict[str, Any]) -> bool:
    """Whether :func:`filtered_tickets`' ``filters`` keep fewer than every visible ticket
    (``subtree`` alone narrows nothing: it widens a ``unit``)."""
    return any(
        value not in (None, "", False) if name != "overdue" else value is not None
        for name, value in filters.items()
        if name != "subtree"
    )


def scope_total(user: User) -> int:
    """How many tickets ``visible_to(user)`` holds for a reader scoped to a unit's subtree.

    ``visible_to``'s three arms (primary unit, handling unit, an active co-unit or
    sub-dispatch part in the subtree) counted as three disjoint sums, each from one index:
    the primary unit's, the handling unit's with the primary unit included (the tickets
    handled in the subtree for a primary unit outside it), and the few tickets with a part
    in the subtree and neither unit in it. Counted as ``visible_to`` writes it, PostgreSQL
    reads every matching row from the table to test the OR: 47,000 pages, 132 ms for a
    street's handler at 5 M tickets, growing with every year kept (docs/scale.md).
    """
    scope = user.scope_path if user.is_authenticated else None
    if not scope:
        return 0
    units = list(Unit.objects.filter(path__startswith=scope).values_list("pk", flat=True))
    primary = Ticket.objects.filter(primary_unit_id__any=units)
    handled = Ticket.objects.filter(handling_unit_id__any=units).exclude(primary_unit_id__any=units)
    parts = [row["ticket_id"] for row in active_parts(units)]
    beside = (
        Ticket.objects.filter(pk__any=parts)
        .exclude(primary_unit_id__any=units)
        .exclude(handling_unit_id__any=units)
    )
    return primary.count() + handled.count() + beside.count()


def district_total(district_id: int) -> int:
    """How many tickets a district has: the sum of its ``TicketTally`` days (kept by the
    database's triggers), a few hundred rows a year instead of ``COUNT(*)`` over every
    ticket ever registered (50 ms at 1 M tickets, growing with each year kept)."""
    total = TicketTally.objects.filter(district_id=district_id).aggregate(n=Sum("n"))["n"]
    return int(total or 0)


def ticket_events(*, user: User, number: str) -> list[TicketEvent]:
    """The timeline of a visible ticket, oldest first, saying of other tickets only what the
    user may see (``selectors_related.events_for``; three queries at most)."""
    from .selectors_related import events_for

    ticket = visible_ticket(user=user, number=number)
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor", "actor_unit")
        .order_by("seq")
    )
    return events_for(list(events), user)


# --- units --------------------------------------------------------------------------


def assignment_units(ticket: Ticket, role: str) -> list[dict[str, Any]]:
    """Units of the prefetched assignments with a role (no query)."""
    return [
        {"id": a.unit.pk, "code": a.unit.code, "name": a.unit.name}
        for a in ticket.assignments.all()
        if a.role == role and a.status != "returned"
    ]
