"""The inspections pages: checklist administration, the site ledger, the round planner, the
inspector's phone pages, the rectification desk, a finding's page (rectify, 回头看), the
rankings, the printable weekly 通报 and the dashboard. Thin: parse, call one service or
selector, render."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError, NotFound
from duban.core.periods import PERIOD_TZ
from duban.org.roles import (
    INSPECTION_OFFICE_ROLES,
    INSPECTOR_ROLES,
    SUPERVISION_ROLES,
    UNIT_ROLES,
    Role,
)

from . import forms, selectors, selectors_dashboard, services
from .excel import checklist_workbook, read_checklist
from .models import Finding, Level, Programme, Sanction, SiteType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE = INSPECTION_OFFICE_ROLES
FIELD = INSPECTOR_ROLES | INSPECTION_OFFICE_ROLES
# Figures, rankings and the 通报: the office, inspectors, supervision and the leadership.
VIEWERS = FIELD | SUPERVISION_ROLES | {Role.ADMIN}
# The rectification desk: besides the viewers, the responsible units' staff (their own).
DESK = VIEWERS | UNIT_ROLES


def _now() -> datetime:
    return timezone.now()


def _programme(request: HttpRequest) -> Programme | None:
    code = request.GET.get("programme") or ""
    return selectors.programme_by_code(request.user, code) if code else None  # type: ignore[arg-type]


def _window(request: HttpRequest, *, default_week: bool = False) -> selectors.Window:
    value = request.GET.get("period") or ""
    if not value:
        now = _now()
        if default_week:
            value = selectors.week_label(now - timedelta(days=7))
        else:
            value = now.astimezone(PERIOD_TZ).strftime("%Y-%m")
    return selectors.parse_window(value)


# -- dashboard ---------------------------------------------------------------------------------


@role_required(VIEWERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        window = _window(request)
        programme = _programme(request)
    except DomainError as exc:
        return render(request, "inspections/dashboard.html", {"error": readable(exc)}, status=400)
    data = selectors_dashboard.dashboard(user, window=window, programme=programme)  # type: ignore[arg-type]
    chart = {
        "boards": [{"name": r.name, "value": r.n} for r in data.by_board],
        "items": [r.name for r in data.by_item][::-1],
        "item_counts": [r.n for r in data.by_item][::-1],
        "streets": [r.unit for r in data.streets],
        "street_scores": [r.score for r in data.streets],
    }
    return render(
        request,
        "inspections/dashboard.html",
        {
            "d": data,
            "window": window,
            "programmes": selectors.programmes_for(user),  # type: ignore[arg-type]
            "programme": programme,
            "chart": chart,
        },
    )


# -- checklists --------------------------------------------------------------------------------


@role_required(OFFICE | {Role.ADMIN})
def checklists(request: HttpRequest) -> HttpResponse:
    user = request.user
    programmes = list(selectors.programmes_for(user))  # type: ignore[arg-type]
    code = request.GET.get("programme") or (programmes[0].code if programmes else "")
    current = next((p for p in programmes if p.code == code), None)
    if request.method == "POST" and current is not None:
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise services.InvalidInput("请选择 Excel 文件 / choose a file", field="file")
            rows = read_checklist(upload.read())
            counts = services.checklist_import(actor=user, now=_now(), programme=current, rows=rows)  # type: ignore[arg-type]
        except DomainError as exc:
            errors = exc.details.get("errors") or []
            return render(
                request,
                "inspections/checklists.html",
                {
                    "programmes": programmes,
                    "current": current,
                    "boards": selectors.checklist(current),
                    "error": readable(exc),
                    "errors": errors,
                },
                status=422,
            )
        messages.success(
            request, f"已导入：新增 {counts['created']} 条，更新 {counts['updated']} 条"
        )
        return redirect(f"{reverse('inspections:checklists')}?programme={quote(current.code)}")
    return render(
        request,
        "inspections/checklists.html",
        {
            "programmes": programmes,
            "current": current,
            "boards": selectors.checklist(current) if current else [],
            "site_types": dict(SiteType.choices),
        },
    )


@role_required(OFFICE | {Role.ADMIN})
def checklist_export(request: HttpRequest, code: str) -> HttpResponse:
    programme = selectors.programme_by_code(request.user, code)  # type: ignore[arg-type]
    body = checklist_workbook(selectors.checklist_rows(programme))
    response = HttpResponse(body, content_type=XLSX)
    name = quote(f"测评体系-{programme.name}.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


# -- sites -------------------------------------------------------------------------------------


@role_required(VIEWERS)
def sites(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        if not user.has_role(OFFICE):  # type: ignore[union-attr]
            raise Http404
        try:
            services.site_create(actor=user, now=_now(), **forms.site_fields(request.POST, user))  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, readable(exc))
        else:
            messages.success(request, "点位已添加")
        return redirect("inspections:sites")
    street = forms.int_or_none(request.GET.get("street"))
    q = (request.GET.get("q") or "")[:50]
    qs = selectors.sites_for(user, street=street, q=q)  # type: ignore[arg-type]
    return render(
        request,
        "inspections/sites.html",
        {
            "sites": qs[:300],
            "count": qs.count(),
            "streets": selectors.district_units(user, "street"),  # type: ignore[arg-type]
            "units": selectors.district_units(user),  # type: ignore[arg-type]
            "site_types": SiteType.choices,
            "street": street,
            "q": q,
            "may_edit": user.has_role(OFFICE),  # type: ignore[union-attr]
        },
    )


# -- rounds ------------------------------------------------------------------------------------


@role_required(OFFICE)
def rounds(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        try:
            fields = forms.round_fields(request.POST, user)  # type: ignore[arg-type]
            round_ = services.round_plan(actor=user, now=_now(), **fields)  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, readable(exc))
        else:
            messages.success(
                request, f"已安排「{round_.name}」，{round_.assignments.count()} 个点位"
            )
        return redirect("inspections:rounds")
    today = _now().astimezone(PERIOD_TZ).date()
    monday = today - timedelta(days=today.weekday())
    return render(
        request,
        "inspections/rounds.html",
        {
            "rounds": selectors.rounds_for(user)[:30],  # type: ignore[arg-type]
            "programmes": selectors.programmes_for(user),  # type: ignore[arg-type]
            "streets": selectors.district_units(user, "street"),  # type: ignore[arg-type]
            "inspectors": selectors.inspectors(user),  # type: ignore[arg-type]
            "levels": Level.choices,
            "site_types": SiteType.choices,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
        },
    )


# -- the inspector's phone pages ---------------------------------------------------------------


@role_required(FIELD)
def phone_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inspections/phone_list.html",
        {"assignments": selectors.my_assignments(request.user)},  # type: ignore[arg-type]
    )


@role_required(FIELD)
def phone_check(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        assignment = selectors.assignment_for(user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404 from exc
    standards = selectors.applicable_standards(assignment)
    context: dict[str, Any] = {"a": assignment, "standards": standards}
    if request.method == "POST":
        try:
            token, results = forms.check_results(request.POST, request.FILES, standards)
            outcome = services.check_submit(
                actor=user,
                now=_now(),
                assignment=assignment,
                client_token=token,
                results=results,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            context.update(error=readable(exc), code=exc.code)
            return render(request, "inspections/phone_check.html", context, status=exc.status)
        return redirect(
            f"{reverse('inspections:phone_done', args=[outcome.check.pk])}"
            f"?key=insp-check-{assignment.pk}{'&replayed=1' if outcome.replayed else ''}"
        )
    return render(request, "inspections/phone_check.html", context)


@role_required(FIELD)
def phone_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        check = selectors.check_for(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "inspections/phone_done.html",
        {
            "check": check,
            "findings": selectors.check_findings(check),
            "key": (request.GET.get("key") or "")[:40],
            "replayed": bool(request.GET.get("replayed")),
        },
    )


# -- the rectification desk and a finding ------------------------------------------------------


@role_required(DESK)
def desk(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = _now()
    view = request.GET.get("view") or "open"
    unit = forms.int_or_none(request.GET.get("unit"))
    context = {
        "rows": selectors.desk_by_unit(user, now=now),  # type: ignore[arg-type]
        "findings": selectors.desk_findings(user, now=now, view=view, unit=unit),  # type: ignore[arg-type]
        "view": view,
        "unit": unit,
        "now": now,
    }
    template = (
        "inspections/_desk_list.html"
        if request.headers.get("HX-Request")
        else "inspections/desk.html"
    )
    return render(request, template, context)


@role_required(DESK)
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        item = selectors.finding_for(user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404 from exc
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rectify":
                services.finding_rectify(
                    actor=user,  # type: ignore[arg-type]
                    now=_now(),
                    finding=item,
                    text=request.POST.get("text", ""),
                    photos=request.FILES.getlist("photos"),
                )
                messages.success(request, "整改情况已提交，等待回头看")
            elif action in ("confirm", "reject"):
                services.finding_verify(
                    actor=user,  # type: ignore[arg-type]
                    now=_now(),
                    finding=item,
                    confirmed=action == "confirm",
                    reason=request.POST.get("reason", ""),
                    photos=request.FILES.getlist("photos"),
                )
                messages.success(
                    request,
                    "回头看已记录" + ("，问题销号" if action == "confirm" else "，已退回重新整改"),
                )
            else:
                raise services.InvalidInput("未知操作 / unknown action", field="action")
        except DomainError as exc:
            error = readable(exc)
        else:
            return redirect("inspections:finding", pk=item.pk)
        item = selectors.finding_for(user, pk)  # type: ignore[arg-type]
    ticket = item.ticket
    may_rectify = bool(
        ticket is not None
        and item.state == Finding.State.RECTIFYING
        and user.has_role(UNIT_ROLES)  # type: ignore[union-attr]
        and user.can_see_unit(ticket.primary_unit)  # type: ignore[union-attr]
    )
    may_verify = services.verify_refusal(finding=item, actor=user) is None  # type: ignore[arg-type]
    return render(
        request,
        "inspections/finding.html",
        {
            "f": item,
            "photos": selectors.finding_photos(item),
            "verifications": item.verifications.select_related("verified_by"),
            "may_rectify": may_rectify,
            "may_verify": may_verify,
            "error": error,
        },
        status=422 if error else 200,
    )


@role_required(DESK)
def photo(request: HttpRequest, pk: int) -> FileResponse:
    try:
        item = selectors.photo_for(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404 from exc
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- rankings, the weekly 通报 -------------------------------------------------------------------


@role_required(VIEWERS)
def rankings(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        window = _window(request)
        programme = _programme(request)
        both = selectors.rankings_all(user=user, period=window.label, programme=programme)  # type: ignore[arg-type]
        boards = [(name, both[g]) for g, name in (("streets", "街道/镇"), ("units", "责任单位"))]
    except DomainError as exc:
        return render(request, "inspections/rankings.html", {"error": readable(exc)}, status=400)
    return render(
        request,
        "inspections/rankings.html",
        {
            "boards": boards,
            "window": window,
            "programme": programme,
            "programmes": selectors.programmes_for(user),
        },  # type: ignore[arg-type]
    )


@role_required(VIEWERS)
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        try:
            services.sanction_record(
                actor=user, now=_now(), **forms.sanction_fields(request.POST, user)
            )  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, readable(exc))
        else:
            messages.success(request, "已记录")
        return redirect(
            f"{reverse('inspections:report')}?period={quote(request.POST.get('period', ''))}"
        )
    try:
        window = _window(request, default_week=True)
    except DomainError as exc:
        return render(request, "inspections/report.html", {"error": readable(exc)}, status=400)
    worst = selectors.worst_sites(user, window=window)  # type: ignore[arg-type]
    photos = selectors.report_photos(worst)
    for check in worst:
        check.report_photos = photos.get(check.pk, [])  # type: ignore[attr-defined]
    both = selectors.rankings_all(user=user, period=window.label)  # type: ignore[arg-type]
    units, streets = both["units"], both["streets"]
    return render(
        request,
        "inspections/report.html",
        {
            "window": window,
            "totals": selectors.window_totals(user, window=window),  # type: ignore[arg-type]
            "worst": worst,
            "units": units,
            "streets": streets,
            "sanctions": selectors.sanctions_for(user)[:20],  # type: ignore[arg-type]
            "sanction_kinds": Sanction.Kind.choices,
            "may_sanction": user.has_role(services.SANCTION_ROLES),  # type: ignore[union-attr]
            "print": bool(request.GET.get("print")),
        },
    )
