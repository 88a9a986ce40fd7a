"""The dashboard's hot-spot panel: an htmx fragment loaded after the page, because
clustering a month of appeals takes about a second when the cache is cold.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.org.roles import DASHBOARD_ROLES

from .selectors_report import Window, cached_hotspots, month_window, recent_window
from .views import _period

WINDOWS = {"month": "所选月份", "30d": "近30天"}


def hotspot_window(request: HttpRequest, now: datetime) -> tuple[str, Window]:
    """``?window=30d`` → the last 30 days; otherwise the dashboard's month (``?period=``)."""
    key = request.GET.get("window") or "month"
    if key == "30d":
        return key, recent_window(now)
    return "month", month_window(_period(request, now))


@role_required(DASHBOARD_ROLES)
def hotspot_panel(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        key, window = hotspot_window(request, now)
    except DomainError as exc:
        return render(request, "metrics/_hotspots.html", {"error": readable(exc)}, status=422)
    context = {
        "spots": cached_hotspots(user=request.user, window=window),  # type: ignore[arg-type]
        "window": window,
        "window_key": key,
        "windows": WINDOWS,
        "period": request.GET.get("period") or "",
    }
    return render(request, "metrics/_hotspots.html", context)
