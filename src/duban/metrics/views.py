"""Dashboards (数据看板), rankings (飞虎榜/蜗牛榜) and their Excel exports.

District-wide roles see the district; a unit head sees their own unit. Charts are
drawn by ECharts from JSON embedded with ``json_script``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError, NotFound
from duban.core.periods import Period, parse_period, period_containing
from duban.org.roles import DASHBOARD_ROLES
from duban.tickets.selectors import unit_by_ref

from .excel import figures_workbook, ranking_workbook
from .selectors import reader_district
from .selectors_explain import ranking_explanation
from .selectors_places import StreetHeat
from .selectors_report import Dashboard, cached_dashboard_data, dashboard_data
from .selectors_rollup import rankings_from_rollup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUPS = {"streets": "街道/镇", "departments": "部门"}
FILE_GROUPS = {"streets": "街道镇", "departments": "部门"}


def _period(request: HttpRequest, now: datetime) -> Period:
    label = request.GET.get("period")
    return parse_period(label) if label else period_containing(now).previous


def _chart_data(d: Dashboard) -> dict[str, Any]:
    def rate(v: float | None) -> float | None:
        return None if v is None else round(v * 100, 1)

    busiest = sorted(d.by_unit, key=lambda f: f.dispatched, reverse=True)[:15]
    return {
        "months": [f.label for f in d.series],
        "volume": [f.dispatched for f in d.series],
        "response": [rate(f.response_rate) for f in d.series],
        "resolution": [rate(f.resolution_rate) for f in d.series],
        "satisfaction": [rate(f.satisfaction_rate) for f in d.series],
        "units": [f.label for f in busiest],
        "unit_volume": [f.dispatched for f in busiest],
        "unit_overdue": [f.overdue_count for f in busiest],
        "categories": [{"name": f.label, "value": f.dispatched} for f in d.by_category[:12]],
        "places": _places_tree(d.places, d.period),
    }


def _places_tree(streets: list[StreetHeat], period: Period) -> list[dict[str, Any]]:
    """Treemap nodes: a street's area is its villages plus its tickets placed in none.

    Each block carries the 工单查询 link of the tickets it counts.
    """
    search = reverse("web:search")

    def href(unit_id: int) -> str:
        return f"{search}?place={unit_id}&period={period.label}&by=dispatched_at"

    nodes = []
    for s in streets:
        children = [
            {"name": v.name, "value": v.volume, "href": href(v.unit_id)}
            for v in s.villages
            if v.volume
        ]
        if s.unplaced:
            children.append(
                {
                    "name": f"{s.street.name}(未具体到村社)",
                    "value": s.unplaced,
                    "href": href(s.street.unit_id),
                }
            )
        if children:
            nodes.append({"name": s.street.name, "total": s.street.volume, "children": children})
    return nodes


def _error(request: HttpRequest, template: str, exc: DomainError) -> HttpResponse:
    return render(request, template, {"error": readable(exc)}, status=422)


@role_required(DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        data = cached_dashboard_data(user=request.user, period=_period(request, now), now=now)  # type: ignore[arg-type]
    except DomainError as exc:
        return _error(request, "metrics/dashboard.html", exc)
    context = {"d": data, "chart": _chart_data(data), "period": data.period.label}
    return render(request, "metrics/dashboard.html", context)


@role_required(DASHBOARD_ROLES)
def ranking_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    label = request.GET.get("period") or period_containing(now).previous.label
    district = reader_district(request.user)  # type: ignore[arg-type]
    try:
        boards = [
            (key, name, rankings_from_rollup(period=label, group=key, now=now, district=district))
            for key, name in GROUPS.items()
        ]
    except DomainError as exc:
        return _error(request, "metrics/rankings.html", exc)
    return render(request, "metrics/rankings.html", {"boards": boards, "period": label})


@role_required(DASHBOARD_ROLES)
def ranking_explain(request: HttpRequest) -> HttpResponse:
    """「为何如此」: why one unit's row of a ranking is where it is (``?period=&group=&unit=``).

    The htmx panel of the rankings page, the report and the circular; a page of its own
    without htmx. A unit outside the reader's district's ranking is a 404.
    """
    now = timezone.now()
    label = request.GET.get("period") or period_containing(now).previous.label
    template = "metrics/_explain.html" if request.htmx else "metrics/explain.html"  # type: ignore[attr-defined]
    try:
        unit = unit_by_ref(request.GET.get("unit") or "")
        explanation = ranking_explanation(
            period=label,
            group=request.GET.get("group") or "",
            unit=unit,
            reader=request.user,  # type: ignore[arg-type]
            now=now,
        )
    except NotFound as exc:
        raise Http404(readable(exc)) from exc
    except DomainError as exc:
        return _error(request, template, exc)
    return render(request, template, {"x": explanation})


def attachment_header(filename: str, fallback: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 name for Chinese file names."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(content: bytes, filename: str, fallback: str) -> HttpResponse:
    """A workbook download named in Chinese with an ASCII fallback."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment_header(filename, fallback)
    return response


@role_required(DASHBOARD_ROLES)
def export_figures(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    by = request.GET.get("by") or "unit"
    try:
        d = dashboard_data(user=request.user, period=_period(request, now), now=now)  # type: ignore[arg-type]
    except DomainError as exc:
        return HttpResponse(readable(exc), status=422, content_type="text/plain; charset=utf-8")
    rows, title = {
        "unit": (d.by_unit, "单位考核数据"),
        "category": (d.by_category, "分类统计"),
        "month": (d.series, "月度趋势"),
    }.get(by, (d.by_unit, "单位考核数据"))
    name = f"{d.period.label} {title}.xlsx"
    return xlsx_response(
        figures_workbook(rows, title=title), name, f"figures-{by}-{d.period.label}.xlsx"
    )


@role_required(DASHBOARD_ROLES)
def export_ranking(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    group = request.GET.get("group") or "streets"
    label = request.GET.get("period") or period_containing(now).previous.label
    try:
        ranking = rankings_from_rollup(
            period=label,
            group=group,
            now=now,
            district=reader_district(request.user),  # type: ignore[arg-type]
        )
    except DomainError as exc:
        return HttpResponse(readable(exc), status=422, content_type="text/plain; charset=utf-8")
    name = f"{ranking.period} {FILE_GROUPS[group]}飞虎榜蜗牛榜.xlsx"
    return xlsx_response(ranking_workbook(ranking), name, f"ranking-{group}-{ranking.period}.xlsx")
