"""Pages of 经济运行: the monthly table (and its Excel), an indicator's trend, an area's page,
the composite rank and the printable monthly report. Readers: ``selectors.READER_ROLES``;
the statistics office also sees months not yet published (marked). Import and approval
are in ``views_import``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.org.roles import STATS_ROLES

from . import selectors, selectors_series
from .calc import cumulative_label
from .excel import change_text, table_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = selectors.READER_ROLES


def render(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    context = dict(context or {})
    context.setdefault("can_import", request.user.has_role(STATS_ROLES))  # type: ignore[union-attr]
    return django_render(request, template, context, status=status)


def _period(request: HttpRequest) -> str | None:
    return request.GET.get("period") or selectors.default_period(request.user)  # type: ignore[arg-type]


def _error(request: HttpRequest, template: str, exc: DomainError, **context: Any) -> HttpResponse:
    return render(request, template, {"error": readable(exc), **context}, status=exc.status)


def rank_class(rank: int | None, peers: int) -> str:
    if not rank:
        return ""
    if rank <= 3:
        return f"r-top r{rank}"
    if rank > peers - 3:
        return "r-bottom"
    return "r-mid"


def _text(x: float | None) -> str:
    return (
        "—"
        if x is None
        else f"{x:g}"
        if abs(x) >= 1000
        else f"{x:.1f}"
        if x == round(x, 1)
        else f"{x:.2f}"
    )


def _cell(c: Any) -> dict[str, Any]:
    """What a cell shows, prepared here: the table has a hundred cells and more."""
    change, cls = change_text(c), ""
    if change.startswith("↑"):
        cls = "up"
    elif change.startswith("↓"):
        cls = "down"
    elif change != "—":
        cls = "flat"
    return {
        "both": c.indicator.reported != "growth",
        "value": _text(c.value),
        "growth": _text(c.growth),
        "rank": c.rank,
        "cls": rank_class(c.rank, c.peers),
        "change": "" if change == "—" else change,
        "change_cls": cls,
        "outlier": c.outlier,
        "two_year": None if not c.base_effect else c.two_year,
    }


@role_required(READERS)
def table_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    period = _period(request)
    group = request.GET.get("group", "")
    context: dict[str, Any] = {"groups": [], "group": group, "period": period or ""}
    if not period:
        context["groups"] = selectors.group_list(user)  # type: ignore[arg-type]
        return render(request, "indicators/table.html", context)
    try:
        groups, table, composite = selectors_series.table_page_data(
            user=user,  # type: ignore[arg-type]
            period=period,
            group=group,
        )
    except DomainError as exc:
        return _error(request, "indicators/table.html", exc, **context)
    lines = [
        {"area": line[0].area if line else None, "cells": [_cell(c) for c in line]}
        for line in table.grid
    ]
    context.update(
        groups=groups, group=table.group.code, table=table, lines=lines, composite=composite
    )
    # a peer group's tab (htmx) swaps the board only
    board = getattr(request, "htmx", False)
    return render(request, "indicators/_board.html" if board else "indicators/table.html", context)


@role_required(READERS)
def table_export(request: HttpRequest) -> HttpResponse:
    period = _period(request) or ""
    try:
        table = selectors.monthly_table(
            user=request.user,  # type: ignore[arg-type]
            period=period,
            group=request.GET.get("group", ""),
        )
    except DomainError as exc:
        return _error(request, "indicators/table.html", exc)
    response = HttpResponse(table_xlsx(table), content_type=XLSX)
    name = f"经济运行-{table.group.name}-{cumulative_label(table.shown)}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@role_required(READERS)
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        trend = selectors_series.indicator_trend(user=request.user, code=code)  # type: ignore[arg-type]
    except DomainError as exc:
        return _error(request, "indicators/indicator.html", exc)
    chart = {"labels": trend.labels, "series": trend.series, "unit": "%"}
    return render(request, "indicators/indicator.html", {"trend": trend, "chart": chart})


@role_required(READERS)
def area_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        page = selectors_series.area_page(
            user=request.user,  # type: ignore[arg-type]
            code=code,
            group=request.GET.get("group"),
        )
    except DomainError as exc:
        return _error(request, "indicators/area.html", exc)
    chart = {
        "labels": page.labels,
        "ranks": [{"name": r["indicator"].name, "data": r["ranks"]} for r in page.rows],
        "peers": page.rows[0]["peers"] if page.rows else 0,
    }
    return render(request, "indicators/area.html", {"page": page, "chart": chart})


@role_required(READERS)
def report_page(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    if not period:
        return render(request, "indicators/report.html", {})
    try:
        report = selectors_series.monthly_report(user=request.user, period=period)  # type: ignore[arg-type]
    except DomainError as exc:
        return _error(request, "indicators/report.html", exc)
    return render(request, "indicators/report.html", {"report": report, "period": period})
