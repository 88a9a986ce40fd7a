"""The work lists: unit inbox (承办), centre desk (派单/审核/回访), supervision desk (督办),
the operator's intake desk and the monthly circular (通报).

Each view parses the tab and page, calls one selector and renders; an htmx request
(tab or page change) gets only the list fragment.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.core.periods import period_containing
from duban.enterprises.selectors import late_steps_for
from duban.org.roles import (
    CENTRE_ROLES,
    CIRCULAR_ROLES,
    INTAKE_ROLES,
    SUPERVISION_ROLES,
    UNIT_ROLES,
)

from . import selectors
from .selectors_circular import circular_cutoff, circular_data, overdue_page

TITLES = {"inbox": "本单位待办", "centre": "中心工作台", "supervision": "督办台"}
# Desks that also list the overdue proxy steps (代办) of the enterprise service: the
# supervision desk (the district's) and a unit's inbox (its own steps).
LATE_STEP_DESKS = frozenset({"supervision", "inbox"})


def page_number(request: HttpRequest) -> int:
    """The ``page`` query parameter; 1 when missing, malformed or absurdly large."""
    raw = request.GET.get("page") or "1"
    return max(1, int(raw)) if raw.isdigit() and len(raw) < 7 else 1


def _desk(request: HttpRequest, desk: str) -> HttpResponse:
    now = timezone.now()
    page = selectors.desk_page(
        desk=desk,
        user=request.user,  # type: ignore[arg-type]
        now=now,
        tab=request.GET.get("tab"),
        page=page_number(request),
    )
    context: dict[str, object] = {"desk": desk, "title": TITLES[desk], "p": page, "now": now}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/_desk_list.html", context)
    if desk in LATE_STEP_DESKS:
        context["late_steps"] = late_steps_for(user=request.user, now=now)  # type: ignore[arg-type]
    return render(request, "web/desk.html", context)


@role_required(UNIT_ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    return _desk(request, "inbox")


@role_required(CENTRE_ROLES)
def centre(request: HttpRequest) -> HttpResponse:
    return _desk(request, "centre")


@role_required(SUPERVISION_ROLES)
def supervision(request: HttpRequest) -> HttpResponse:
    return _desk(request, "supervision")


@role_required(INTAKE_ROLES)
def intake(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tickets = selectors.recent_registered(user=request.user, now=now)  # type: ignore[arg-type]
    return render(request, "web/intake.html", {"tickets": tickets, "now": now})


def circular_period(request: HttpRequest, now: datetime) -> str:
    """The ``period`` query parameter; last month when missing."""
    return request.GET.get("period") or period_containing(now).previous.label


@role_required(CIRCULAR_ROLES)
def circular(request: HttpRequest) -> HttpResponse:
    """The monthly circular with its overdue list paged; a page change (htmx) gets the list."""
    now = timezone.now()
    label = circular_period(request, now)
    user = request.user
    try:
        if request.htmx:  # type: ignore[attr-defined]
            period, as_of, total = circular_cutoff(user=user, period=label, now=now)  # type: ignore[arg-type]
            page = page_number(request)
            rows = overdue_page(user=user, period=period, as_of=as_of, page=page, count=total)  # type: ignore[arg-type]
            return render(request, "web/_circular_overdue.html", {"o": rows, "period": label})
        data = circular_data(user=user, period=label, now=now)  # type: ignore[arg-type]
    except DomainError as exc:
        context = {"error": readable(exc), "period": label}
        return render(request, "web/circular.html", context, status=422)
    rows = overdue_page(
        user=user,  # type: ignore[arg-type]
        period=data.period,
        as_of=data.as_of,
        page=page_number(request),
        count=data.overdue_total,
    )
    return render(request, "web/circular.html", {"c": data, "o": rows, "period": label})
