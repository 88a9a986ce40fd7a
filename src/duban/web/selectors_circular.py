"""Reads of the monthly circular (通报)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q

from duban.core.periods import Period, parse_period
from duban.metrics.figures import Ranking
from duban.metrics.selectors_rollup import rankings_from_rollup
from duban.org.models import User
from duban.tickets.clocks import OVERDUE_STATES
from duban.tickets.models import Ticket

# --- monthly circular (通报) -------------------------------------------------------------


MAX_TICKETS = 200


@dataclass
class Circular:
    period: Period
    streets: Ranking
    departments: Ranking
    overdue: list[Ticket]
    overdue_total: int


def circular_data(*, user: User, period: str, now: datetime) -> Circular:
    """Rankings of both groups and the tickets due in the month that were or are overdue.

    A ticket counts when its handling deadline fell in the month and it was answered
    late or is still unanswered past it.
    """
    p = parse_period(period)
    late = Q(replied_at__gt=F("handle_due")) | Q(
        replied_at__isnull=True, state__in=OVERDUE_STATES, handle_due__lt=now
    )
    qs = (
        Ticket.objects.visible_to(user)
        .filter(handle_due__gte=p.start, handle_due__lt=p.end)
        .filter(late)
    )
    rows = list(
        qs.select_related("primary_unit", "category").order_by("primary_unit__path", "handle_due")[
            :MAX_TICKETS
        ]
    )
    return Circular(
        period=p,
        streets=rankings_from_rollup(period=p.label, group="streets", now=now),
        departments=rankings_from_rollup(period=p.label, group="departments", now=now),
        overdue=rows,
        overdue_total=qs.count() if len(rows) == MAX_TICKETS else len(rows),
    )
