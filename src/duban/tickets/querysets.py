"""Chainable reads on tickets: ``Ticket.objects.visible_to(user).open().overdue(now)``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q, QuerySet

from .choices import OPEN_STATES, AssignmentRole, AssignmentStatus
from .clocks import past_due

if TYPE_CHECKING:
    from duban.org.models import Unit, User


# The parts besides the primary one (协办, 下派): ``open_visible_to`` and the partial index
# ``assignment_active_part`` (tickets.models) list them in this order.
ACTIVE_PART_ROLES = [AssignmentRole.CO.value, AssignmentRole.SUB.value]


def _unit_scope(units: Any, **parts: Any) -> Q:
    """A unit scope's three arms (primary unit, handling unit, an active co-unit or
    sub-dispatch part), each an indexed condition, so that PostgreSQL answers their OR with
    one ``BitmapOr`` reading only the scope's own rows. ``units`` is a list of unit ids or a
    one-column subquery, sent as one array (``core.lookups``); ``parts`` narrows the parts
    (``open_visible_to``: of open tickets).

    The third arm leaves out the primary parts: an active primary part's unit is always the
    ticket's primary unit (dispatch and reassignment set both and end the previous part, an
    approved return ends every part and clears the unit), so the first arm holds those
    tickets already. That matters for the size of the work: a primary part stays active
    after the ticket closes, so they are ≈ the unit's whole history (docs/scale.md).
    """
    return (
        Q(primary_unit_id__any=units)
        | Q(handling_unit_id__any=units)
        | Q(pk__any=active_parts(units, **parts))
    )


def active_parts(units: Any, **parts: Any) -> QuerySet[Any]:
    """The tickets (``ticket_id``) with an active co-unit or sub-dispatch part in ``units``:
    :func:`_unit_scope`'s third arm (through ``assignment_active_part``)."""
    from .models import TicketAssignment

    return TicketAssignment.objects.filter(
        unit_id__any=units, status=AssignmentStatus.ACTIVE, role__any=ACTIVE_PART_ROLES, **parts
    ).values("ticket_id")


def sees_district(user: User) -> bool:
    """Whether ``user`` sees every ticket of their district (a district-wide role with a
    unit): the first rule of :meth:`TicketQuerySet.visible_to`."""
    from duban.org.models import DISTRICT_WIDE_ROLES

    if not (user.is_authenticated and user.scope_path):
        return False
    return bool(user.has_role(DISTRICT_WIDE_ROLES))


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TicketQuerySet:
        """Tickets the user may see: those whose primary or handling unit, or a unit with an
        active part (协办, 下派), is inside the user's scope.

        A part that has ended — returned (退单), reassigned (改派), replaced by another
        sub-dispatch, or a co-unit's part sent in — no longer counts: the ticket leaves that
        unit's lists, counts, search and API (its page then shows the unit's own record
        read-only, ``selectors_former``). District-wide roles (centre staff, supervisors,
        leaders) see every ticket of their district, dispatched or not.
        """
        from duban.org.models import Unit

        scope = user.scope_path if user.is_authenticated else None
        if not scope:
            return self.none()
        if sees_district(user):
            # Every ticket carries its district from registration on (dispatched or not):
            # one equality on a ticket column, walked with the (district, number) index.
            return self.filter(district_id=user.district_pk)
        # The subtree's unit ids as a subquery read once before the scan (an InitPlan):
        # written as ``IN (subquery)`` PostgreSQL filtered every ticket of the table with
        # the arms' sub-plans — the API list's count for one street's handler took 575 ms
        # at 1 M tickets, 12 ms this way (docs/scale.md).
        subtree = Unit.objects.filter(path__startswith=scope).order_by().values("pk")
        return self.filter(_unit_scope(subtree))

    def open_visible_to(self, user: User) -> TicketQuerySet:
        """The open tickets of :meth:`visible_to` (the same rule), shaped for the work lists.

        ``visible_to(user).open()`` is an OR of three unit tests, which PostgreSQL answers
        by reading every open ticket of the district and filtering (no index serves an OR
        of sub-plans). Here the subtree's unit ids are read first (one small query) and the
        open tickets of the scope are an OR of three indexed conditions, which PostgreSQL
        answers with one ``BitmapOr`` reading only the scope's own rows: primary unit
        (``ticket_inbox``), handling unit (``ticket_handling_inbox``), and the tickets
        still open with an active co-unit or sub-dispatch part (``assignment_active_part``,
        a partial index), read once before the scan as an array (``core.lookups``). The
        lists' counts and pages then read those rows directly: a UNION of the three
        branches had to be joined back to the tickets by primary key, row by row (≈ 9 ms
        of a unit's 2,400 open tickets per query at 5 M, against ≈ 4; docs/scale.md). The
        arms are :func:`_unit_scope`'s, with the parts narrowed to open tickets.
        """
        from duban.org.models import Unit

        scope = user.scope_path if user.is_authenticated else None
        if not scope:
            return self.none()
        if sees_district(user):
            return self.filter(district_id=user.district_pk).open()
        units = list(Unit.objects.filter(path__startswith=scope).values_list("pk", flat=True))
        states = sorted(s.value for s in OPEN_STATES)
        # Lists as one array parameter each (core.lookups): the same query text whatever
        # the subtree's size.
        return self.filter(_unit_scope(units, ticket__state__any=states), state__any=states)

    def for_unit(self, unit: Unit) -> TicketQuerySet:
        return self.filter(primary_unit=unit)

    def open(self) -> TicketQuerySet:
        return self.filter(state__in=[s.value for s in OPEN_STATES])

    def overdue(self, now: datetime) -> TicketQuerySet:
        """Open tickets whose handling clock runs past its deadline (``clocks.past_due``)."""
        return self.open().filter(past_due(now))

    def due_within(self, now: datetime, until: datetime) -> TicketQuerySet:
        return self.open().filter(handle_due__gte=now, handle_due__lt=until)

    def dispatched_between(self, start: datetime, end: datetime) -> TicketQuerySet:
        return self.filter(dispatched_at__gte=start, dispatched_at__lt=end)

    def with_active_parts(self) -> TicketQuerySet:
        """Prefetch the active unit assignments as ``active_parts`` (one query for a page):
        the ``assigned`` scope of the state table reads them instead of a query per ticket."""
        from .models import TicketAssignment

        parts = TicketAssignment.objects.filter(status="active").select_related("unit")
        return self.prefetch_related(
            models.Prefetch("assignments", queryset=parts, to_attr="active_parts")
        )

    def with_list_relations(self) -> TicketQuerySet:
        return self.select_related("primary_unit", "handling_unit", "category", "caller")
