"""Staff pages of the enterprise service: the ledger (filters, export, import), the enterprise
page, the officer's desk, the departments' proxy steps, the weekly and monthly reports and the
dashboard. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.access import readable, role_required
from duban.core.errors import DomainError, InvalidInput
from duban.core.periods import PERIOD_TZ
from duban.org.roles import DISTRICT_WIDE_ROLES, SUPERVISION_ROLES

from . import (
    excel,
    selectors,
    selectors_figures,
    services,
    services_access,
    services_problems,
    services_proxy,
)
from .errors import EnterpriseNotFound
from .models import Level, Source
from .roles import REGISTRY_ROLES, STAFF_ROLES, STEP_ROLES

PAGE = 50
FLAGS = ("above_scale", "specialized", "high_tech", "tech_sme")


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**53 else None


def _bool(value: Any) -> bool | None:
    return {"1": True, "0": False, "true": True, "false": False}.get(str(value or "").lower())


def _found(lookup: Any, *args: Any) -> Any:
    """A selector's object, or the page's 404 (another officer's enterprise is not found)."""
    try:
        return lookup(*args)
    except EnterpriseNotFound as exc:
        raise Http404(exc.message) from exc


def _filters(request: HttpRequest) -> selectors.LedgerFilters:
    g = request.GET
    return selectors.LedgerFilters(
        name=g.get("name", "")[:100],
        credit_code=g.get("credit_code", "")[:18],
        chain=_int(g.get("chain")),
        park=_int(g.get("park")),
        street=_int(g.get("street")),
        officer=_int(g.get("officer")),
        group=_int(g.get("group")),
        visit_overdue=_bool(g.get("visit_overdue")),
        **{flag: _bool(g.get(flag)) for flag in FLAGS},
    )


# -- ledger ------------------------------------------------------------------------------------


@role_required(STAFF_ROLES)
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    page_number = _int(request.GET.get("page")) or 1
    count, items = selectors.ledger(
        user=user,  # type: ignore[arg-type]
        now=now,
        filters=_filters(request),
        limit=PAGE,
        offset=(page_number - 1) * PAGE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    pages = max(1, (count + PAGE - 1) // PAGE)
    context = {
        "items": [(e, selectors.contact_of(e, user)) for e in items],  # type: ignore[arg-type]
        "count": count,
        "page": page_number,
        "pages": pages,
        "query": query.urlencode(),
        "f": request.GET,
        "choices": selectors.choices_for(user),  # type: ignore[arg-type]
        "may_import": user.has_role(REGISTRY_ROLES),  # type: ignore[union-attr]
        "import_columns": excel.IMPORT_COLUMNS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "enterprises/_ledger_rows.html", context)
    return render(request, "enterprises/ledger.html", context)


@role_required(STAFF_ROLES)
def ledger_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    rows = selectors.export_rows(user=user, now=timezone.now(), filters=_filters(request))  # type: ignore[arg-type]
    data = excel.export_workbook(
        rows.iterator(chunk_size=2000),
        contact=lambda e: selectors.contact_of(e, user),  # type: ignore[arg-type]
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%8F%B0%E8%B4%A6.xlsx"
    )
    return response


@require_POST
@role_required(REGISTRY_ROLES)
def ledger_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    errors: list[dict[str, Any]] = []
    try:
        if upload is None:
            raise InvalidInput("请选择要导入的 Excel 文件", field="file")
        rows = excel.read_rows(upload.read())
        made = services.enterprises_import(actor=request.user, now=timezone.now(), rows=rows)  # type: ignore[arg-type]
    except DomainError as exc:
        errors = list(exc.details.get("errors") or [])
        return render(
            request,
            "enterprises/import_result.html",
            {"message": readable(exc), "errors": errors},
            status=422,
        )
    messages.success(request, f"已导入 {len(made)} 家企业")
    return redirect("enterprises:ledger")


def _units(request: HttpRequest, district_id: int) -> list[Any]:
    """The departments a form names (园区吹哨): the lead first, in the order chosen."""
    ids = [i for i in (_int(v) for v in request.POST.getlist("units")) if i]
    lead = _int(request.POST.get("lead_unit"))
    if lead:
        ids = [lead, *[i for i in ids if i != lead]]
    return selectors.units_by_pks(ids, district_id=district_id)


# -- the enterprise page -----------------------------------------------------------------------


@role_required(STAFF_ROLES)
def enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    now = timezone.now()
    e = _found(selectors.enterprise_for, user, pk)
    page = selectors.enterprise_page(user=user, enterprise=e, now=now)  # type: ignore[arg-type]
    context = {
        "p": page,
        "e": e,
        "now": now,
        "today": now.astimezone(PERIOD_TZ).date().isoformat(),
        "choices": selectors.choices_for(user),  # type: ignore[arg-type]
        "levels": Level.choices,
        "serves": services.serves(user, e),  # type: ignore[arg-type]
        "whistles": services_problems.whistles_offered(
            actor=user,  # type: ignore[arg-type]
            problems=page.problems,
        ),
        "invite_url": request.session.pop(f"ent-invite-{e.pk}", ""),
    }
    return render(request, "enterprises/enterprise.html", context)


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    """Run a form's service; a refusal becomes a message on the enterprise page."""
    try:
        note = action()
    except DomainError as exc:
        messages.error(request, readable(exc))
    else:
        if note:
            messages.success(request, note)
    return redirect("enterprises:enterprise", pk=pk)


@require_POST
@role_required(STAFF_ROLES)
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, now, post = request.user, timezone.now(), request.POST

    def run() -> str:
        e = selectors.enterprise_for(user, pk)  # type: ignore[arg-type]
        try:
            day = date.fromisoformat(post.get("visited_on", ""))
        except ValueError as exc:
            raise InvalidInput("请填写走访日期", field="visited_on") from exc
        found = []
        if post.get("problem_title", "").strip():
            category = _int(post.get("category"))
            if category is None:
                raise InvalidInput("请选择问题类别", field="category")
            found.append(
                services.FoundProblem(
                    title=post.get("problem_title", ""),
                    content=post.get("problem_content", "") or post.get("problem_title", ""),
                    category_id=category,
                    level=post.get("level", "district"),
                    units=_units(request, e.district_id),
                )
            )
        visit = services.visit_log(
            actor=user,  # type: ignore[arg-type]
            now=now,
            enterprise=e,
            visited_on=day,
            topics=post.get("topics", ""),
            participants=post.get("participants", ""),
            problems=found,
        )
        return "已登记走访" + ("，发现的问题已登记为工单" if found else "") if visit else ""

    return _act(request, pk, run)


@require_POST
@role_required(STAFF_ROLES)
def problem_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, now, post = request.user, timezone.now(), request.POST

    def run() -> str:
        e = selectors.enterprise_for(user, pk)  # type: ignore[arg-type]
        problem = services_problems.problem_raise(
            actor=user,  # type: ignore[arg-type]
            now=now,
            enterprise=e,
            category_id=_int(post.get("category")) or 0,
            title=post.get("title", ""),
            content=post.get("content", "") or post.get("title", ""),
            level=post.get("level", Level.DISTRICT),
            source=post.get("source", Source.ASSIGNED),
            units=_units(request, e.district_id),
        )
        return f"已登记问题 {problem.ticket.number}"

    return _act(request, pk, run)


@require_POST
@role_required(STAFF_ROLES)
def problem_whistle(request: HttpRequest, pk: int) -> HttpResponse:
    user, now = request.user, timezone.now()
    problem = _found(selectors.problem_for, user, pk)

    def run() -> str:
        units = _units(request, problem.district_id)
        services_problems.problem_whistle(
            actor=user,
            now=now,
            problem=problem,
            units=units,
            note=request.POST.get("note", ""),  # type: ignore[arg-type]
        )
        return "已派往：" + "、".join(u.name for u in units)

    return _act(request, problem.enterprise_id, run)


@require_POST
@role_required(STAFF_ROLES)
def problem_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    user, now = request.user, timezone.now()
    problem = _found(selectors.problem_for, user, pk)

    def run() -> str:
        services_problems.problem_escalate(
            actor=user,  # type: ignore[arg-type]
            now=now,
            problem=problem,
            level=request.POST.get("level", ""),
            to=request.POST.get("to", ""),
            note=request.POST.get("note", ""),
        )
        return "已提级上报"

    return _act(request, problem.enterprise_id, run)


@require_POST
@role_required(STAFF_ROLES)
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    user, now = request.user, timezone.now()

    def run() -> str:
        e = selectors.enterprise_for(user, pk)  # type: ignore[arg-type]
        service = selectors.service_by_pk(_int(request.POST.get("service")) or 0)
        services_proxy.case_open(
            actor=user,  # type: ignore[arg-type]
            now=now,
            enterprise=e,
            service=service,
            project_name=request.POST.get("project_name", ""),
            note=request.POST.get("note", ""),
        )
        return f"已受理代办：{service.name}"

    return _act(request, pk, run)


@require_POST
@role_required(STAFF_ROLES)
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    user, now = request.user, timezone.now()

    def run() -> str:
        e = selectors.enterprise_for(user, pk)  # type: ignore[arg-type]
        issued = services_access.invitation_create(actor=user, now=now, enterprise=e)  # type: ignore[arg-type]
        url = request.build_absolute_uri(reverse("enterprises:e_invite", args=[issued.secret]))
        request.session[f"ent-invite-{pk}"] = url
        return "已生成邀请链接（7天内有效，仅可使用一次）"

    return _act(request, pk, run)


# -- the officer's desk ------------------------------------------------------------------------


@role_required(STAFF_ROLES)
def desk(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    d = selectors.desk(user=request.user, now=now)  # type: ignore[arg-type]
    return render(request, "enterprises/desk.html", {"d": d, "now": now})


# -- proxy steps (departments) and the overdue list (supervision) ------------------------------


@role_required(STEP_ROLES | STAFF_ROLES)
def steps(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    overdue = _bool(request.GET.get("overdue"))
    count, items = selectors.steps_list(
        user=request.user,
        now=now,
        overdue=overdue,
        limit=200,  # type: ignore[arg-type]
    )
    context = {"count": count, "items": items, "now": now, "overdue": overdue}
    return render(request, "enterprises/steps.html", context)


@require_POST
@role_required(STEP_ROLES)
def step_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user, now = request.user, timezone.now()
    try:
        step = selectors.step_for(user, pk)  # type: ignore[arg-type]
        if action == "accept":
            services_proxy.step_accept(actor=user, now=now, step=step)  # type: ignore[arg-type]
        elif action == "done":
            services_proxy.step_done(
                actor=user,
                now=now,
                step=step,
                note=request.POST.get("note", ""),  # type: ignore[arg-type]
            )
        elif action == "block":
            services_proxy.step_block(
                actor=user,
                now=now,
                step=step,
                reason=request.POST.get("reason", ""),  # type: ignore[arg-type]
            )
        else:
            raise InvalidInput("未知操作")
        messages.success(request, "已保存")
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect("enterprises:steps")


# -- reports and dashboard ---------------------------------------------------------------------


def _local_today(now: datetime) -> date:
    return now.astimezone(PERIOD_TZ).date()


@role_required(DISTRICT_WIDE_ROLES | SUPERVISION_ROLES | STAFF_ROLES)
def report(request: HttpRequest, kind: str) -> HttpResponse:
    """周报 (the last seven days to today) or 月报 (a calendar month, ``?month=YYYY-MM``)."""
    if kind not in ("weekly", "monthly"):
        raise Http404("no such report")
    now = timezone.now()
    user = request.user
    today = _local_today(now)
    if kind == "weekly":
        start_day = today - timedelta(days=6)
        start = datetime(start_day.year, start_day.month, start_day.day, tzinfo=PERIOD_TZ)
        end = datetime(today.year, today.month, today.day, tzinfo=PERIOD_TZ) + timedelta(days=1)
        title = f"万人助万企工作周报（{start_day:%Y年%m月%d日}—{today:%m月%d日}）"
    else:
        from duban.core.periods import parse_period

        try:
            period = parse_period(request.GET.get("month") or f"{today:%Y-%m}")
        except DomainError:
            period = parse_period(f"{today:%Y-%m}")
        start, end = period.start, period.end
        title = f"万人助万企工作月报（{start:%Y年%m月}）"
    district = user.district_pk  # type: ignore[union-attr]
    year_start, _ = selectors_figures.year_bounds(start.year)
    kw = {"district_id": district, "start": start, "end": end}
    ytd = {"district_id": district, "start": year_start, "end": end}
    context = {
        "title": title,
        "kind": kind,
        "now": now,
        "levels": selectors_figures.problem_figures(by="level", **kw),
        "categories": selectors_figures.problem_figures(by="category", **kw),
        "total": selectors_figures.problem_total(**kw),
        "ytd_levels": selectors_figures.problem_figures(by="level", **ytd),
        "ytd_total": selectors_figures.problem_total(**ytd),
        "ytd_categories": selectors_figures.problem_figures(by="category", **ytd),
        "proxy": selectors_figures.proxy_total(**kw),
        "ytd_proxy": selectors_figures.proxy_total(**ytd),
        "services": selectors_figures.proxy_figures(by="service", **ytd),
        "groups": selectors_figures.problem_figures(by="group", **kw),
        "coverage": selectors.coverage_by(district_id=district, now=now, by="group"),
        "overdue_steps": selectors.overdue_steps(district_id=district, now=now),
        "visits": selectors_figures.visits_between(**kw),
    }
    return render(request, "enterprises/report.html", context)


@role_required(DISTRICT_WIDE_ROLES | STAFF_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = request.user
    year = _int(request.GET.get("year")) or _local_today(now).year
    if not 2000 <= year <= 2100:
        year = _local_today(now).year
    district = user.district_pk  # type: ignore[union-attr]
    start, end = selectors_figures.year_bounds(year)
    kw = {"district_id": district, "start": start, "end": end}
    levels = selectors_figures.problem_figures(by="level", **kw)
    categories = selectors_figures.problem_figures(by="category", **kw)
    months = selectors_figures.problem_figures(by="month", **kw)
    services_rows = selectors_figures.proxy_figures(by="service", **kw)
    coverage = selectors.coverage_by(district_id=district, now=now, by="group")

    def pct(v: float | None) -> float | None:
        return None if v is None else round(v * 100, 1)

    chart = {
        "categories": [r.label for r in categories],
        "category_problems": [r.problems for r in categories],
        "category_solved": [r.solved for r in categories],
        "levels": [{"name": r.label, "value": r.problems} for r in levels],
        "months": [r.label for r in months],
        "resolution": [pct(r.resolution_rate) for r in months],
        "satisfaction": [pct(r.satisfaction_rate) for r in months],
        "services": [r.label for r in services_rows],
        "service_cases": [r.cases for r in services_rows],
        "service_completion": [pct(r.completion_rate) for r in services_rows],
        "groups": [r.label for r in coverage],
        "group_coverage": [pct(r.coverage_rate) for r in coverage],
    }
    context = {
        "year": year,
        "total": selectors_figures.problem_total(**kw),
        "levels": levels,
        "categories": categories,
        "proxy": selectors_figures.proxy_total(**kw),
        "services": services_rows,
        "units": selectors_figures.step_figures_by_unit(now=now, **kw),
        "officers": selectors_figures.problem_figures(by="officer", **kw),
        "coverage": coverage,
        "chart": chart,
    }
    return render(request, "enterprises/dashboard.html", context)
