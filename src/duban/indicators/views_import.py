"""The statistics office's desk: upload the monthly workbook, read the validation report,
commit it, then approve and publish each month. Only ``STATS_ROLES``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.core.periods import parse_period
from duban.org.roles import STATS_ROLES

from . import selectors, services
from .calc import cumulative_label
from .errors import ImportInvalid
from .services_import import import_check, import_commit, stage, staged, unstage

STEPS = {
    "approve": (services.release_approve, "审核通过"),
    "publish": (services.release_publish, "已发布"),
    "return": (services.release_return, "已退回"),
}


def _desk(request: HttpRequest, status: int = 200, **context: object) -> HttpResponse:
    releases = selectors.release_list(request.user)  # type: ignore[arg-type]
    rows = [{"r": r, "label": cumulative_label(r.period)} for r in releases]
    page = {
        "releases": rows,
        "error": "",
        "report": None,
        "issues": [],
        "token": "",
        "filename": "",
        "correction": False,
        "labels": [],
    }
    page.update(context)
    return render(request, "indicators/import.html", page, status=status)


@role_required(STATS_ROLES)
def import_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _desk(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _desk(request, 422, error="请选择要导入的 Excel 文件")
    data = upload.read()
    district = selectors.reader_district(request.user)  # type: ignore[arg-type]
    try:
        report = import_check(district=district, data=data, filename=upload.name or "")
    except DomainError as exc:
        return _desk(request, 422, error=readable(exc), filename=upload.name)
    token = stage(data=data, actor=request.user) if report.ok else ""  # type: ignore[arg-type]
    return _desk(
        request,
        200 if report.ok else 422,
        report=report,
        issues=[i.as_dict() for i in report.issues],
        token=token,
        filename=upload.name,
        correction=any(m.correction for m in report.months),
        labels=[cumulative_label(m.period) for m in report.months],
    )


@require_POST
@role_required(STATS_ROLES)
def import_commit_view(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    user = request.user
    try:
        data = staged(token=token, actor=user)  # type: ignore[arg-type]
        report, releases = import_commit(
            district=selectors.reader_district(user),  # type: ignore[arg-type]
            data=data,
            filename=request.POST.get("filename", "")[:200],
            actor=user,  # type: ignore[arg-type]
            now=timezone.now(),
            reason=request.POST.get("reason", "")[:500],
        )
    except ImportInvalid as exc:
        return _desk(request, 422, error=readable(exc), issues=exc.details.get("issues", []))
    except DomainError as exc:
        return _desk(request, exc.status, error=readable(exc))
    unstage(token=token, actor=user)  # type: ignore[arg-type]
    labels = "、".join(cumulative_label(r.period) for r in releases)
    messages.success(request, f"已导入 {labels} 数据 {report.cell_count} 项，待审核")
    return redirect("indicators:import")


@require_POST
@role_required(STATS_ROLES)
def release_step(request: HttpRequest, period: str, step: str) -> HttpResponse:
    if step not in STEPS:
        return _desk(request, 404, error="没有这个操作")
    service, done = STEPS[step]
    try:
        parse_period(period)
        service(
            district=selectors.reader_district(request.user),  # type: ignore[arg-type]
            period=period,
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
        )
    except DomainError as exc:
        return _desk(request, exc.status if exc.status < 500 else 422, error=readable(exc))
    messages.success(request, f"{cumulative_label(period)}数据{done}")
    return redirect("indicators:import")
