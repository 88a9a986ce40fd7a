"""Chainable reads on tickets: ``Ticket.objects.visible_to(user).open().overdue(now)``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from .choices import OPEN_STATES, AssignmentStatus
from .clocks import past_due

if TYPE_CHECKING:
    from duban.org.models import Unit, User


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
        from duban.org.models import DISTRICT_WIDE_ROLES, Unit

        from .models import TicketAssignment

        scope = user.scope_path if user.is_authenticated else None
        if not scope:
            return self.none()
        # Unit ids of the subtree as a subquery: the filter stays on ticket columns, so
        # the planner can walk an index in the requested order and stop at the page size.
        subtree = Unit.objects.filter(path__startswith=scope).values("pk")
        if user.has_role(DISTRICT_WIDE_ROLES):
            # Every ticket carries its district from registration on (dispatched or not):
            # one equality on a ticket column, walked with the (district, number) index.
            return self.filter(district_id=user.district_pk)
        assigned = TicketAssignment.objects.filter(
            unit_id__in=subtree, status=AssignmentStatus.ACTIVE
        ).values("ticket_id")
        return self.filter(
            Q(primary_unit_id__in=subtree) | Q(handling_unit_id__in=subtree) | Q(pk__in=assigned)
        )

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
