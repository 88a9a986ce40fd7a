"""The printable monthly report (月度报告) for district leaders."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.org.roles import DASHBOARD_ROLES, DISTRICT_WIDE_ROLES

from .selectors_report import cached_hotspots, month_window, monthly_report
from .views import _period

# District-wide readers only: the report covers every unit of the district.
REPORT_ROLES = DASHBOARD_ROLES & DISTRICT_WIDE_ROLES


@role_required(REPORT_ROLES)
def report_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        period = _period(request, now)
    except DomainError as exc:
        context = {"error": readable(exc), "period": request.GET.get("period", "")}
        return render(request, "metrics/report.html", context, status=422)
    report = monthly_report(user=request.user, period=period, now=now)  # type: ignore[arg-type]
    context = {"r": report, "period": period.label}
    return render(request, "metrics/report.html", context)


@role_required(REPORT_ROLES)
def report_hotspots(request: HttpRequest) -> HttpResponse:
    """The report's hot-spot rows (htmx), computed when the page found them uncached."""
    try:
        period = _period(request, timezone.now())
    except DomainError as exc:
        return HttpResponse(readable(exc), status=422, content_type="text/plain; charset=utf-8")
    spots = cached_hotspots(user=request.user, window=month_window(period))  # type: ignore[arg-type]
    return render(request, "metrics/_report_hotspots.html", {"spots": spots[:5]})
