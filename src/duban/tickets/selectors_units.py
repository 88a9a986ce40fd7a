"""What the ticket engine knows about a unit that an administrator must hear before the
unit is deactivated: its open tickets and the categories routed to it.

``TicketsConfig.ready()`` registers :func:`unit_open_work_refusal` with
``org.services.register_deactivation_check``, so the org app asks without importing us.
"""

from __future__ import annotations

from django.db.models import Q

from duban.org.models import Unit

from .models import Category, Ticket, TicketAssignment


def unit_open_work_refusal(unit: Unit) -> str | None:
    """Open tickets and active categories of ``unit``'s subtree, as a reason; or None."""
    subtree = Unit.objects.subtree(unit).values("pk")
    parts = TicketAssignment.objects.filter(unit_id__in=subtree, status="active").values(
        "ticket_id"
    )
    open_tickets = (
        Ticket.objects.open()
        .filter(Q(primary_unit_id__in=subtree) | Q(handling_unit_id__in=subtree) | Q(pk__in=parts))
        .count()
    )
    categories = Category.objects.filter(default_unit_id__in=subtree, is_active=True).count()
    reasons = []
    if open_tickets:
        reasons.append(f"还有 {open_tickets} 件未办结的工单，请先办结或改派")
    if categories:
        reasons.append(f"仍是 {categories} 个分类的默认承办单位，请先在分类目录中改为其他单位")
    return "；".join(reasons) or None
