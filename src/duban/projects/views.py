"""The projects pages: ledger, project page, dispatch desk, reporter's form, my projects,
dashboard, red/black lists, the printable monthly bulletin and the contests.

Thin views: parse, call one service or selector, render. Charts are drawn by
``projects/charts.js`` from a ``json_script`` block (no inline scripts).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.core.periods import parse_period

from . import selectors
from . import selectors_contests as contests
from .excel import ledger_workbook, ranking_workbook
from .forms import (
    SEASONS,
    BlockerForm,
    ContestForm,
    ImportForm,
    LedgerFilterForm,
    ReportForm,
    ReviewForm,
    StageForm,
)
from .models import Contest, ContestState, Grouping, Stage
from .presenters import narrowed, project_rows
from .roles import (
    BLOCKER_ROLES,
    MY_PROJECT_ROLES,
    PROJECT_MANAGE_ROLES,
    PROJECT_READ_ROLES,
    PROJECT_REPORT_ROLES,
)
from .services import project_move_stage
from .services_blockers import blocker_raise
from .services_contests import (
    contest_close,
    contest_create,
    contest_publish,
    contest_score,
    contest_update,
)
from .services_import import project_import, template_headers
from .services_reports import report_approve, report_return, report_submit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today() -> Any:
    return selectors.today_of(timezone.now())


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _month(request: HttpRequest) -> tuple[int, int, str]:
    label = request.GET.get("period") or ""
    if label:
        try:
            p = parse_period(label)
            return p.start.year, p.start.month, ""
        except DomainError as exc:
            year, month = selectors.report_month(_today())
            return year, month, readable(exc)
    year, month = selectors.report_month(_today())
    return year, month, ""


def _filters(request: HttpRequest) -> tuple[LedgerFilterForm, selectors.LedgerFilters]:
    user = request.user
    form = LedgerFilterForm(
        request.GET or None,
        chains=selectors.chains(),
        streets=selectors.units_of(user.district_pk, "street"),  # type: ignore[union-attr]
        leads=selectors.leaders_of(user.district_pk),  # type: ignore[union-attr]
    )
    if not form.is_valid():
        return form, selectors.LedgerFilters()
    d = form.cleaned_data
    return form, selectors.LedgerFilters(
        name=d["name"],
        stage=d["stage"],
        level=d["level"],
        lag_status=d["lag_status"],
        chain=d["chain"],
        street=d["street"],
        lead=d["lead"],
        warning=d["warning"],
    )


@role_required(PROJECT_READ_ROLES)
def ledger(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    qs = selectors.ledger(user=request.user, today=_today(), filters=filters)  # type: ignore[arg-type]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/ledger.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "import_form": ImportForm(),
            "can_manage": request.user.has_role(PROJECT_MANAGE_ROLES),  # type: ignore[union-attr]
            "headers": template_headers(),
            "today": _today(),
        },
    )


@role_required(PROJECT_READ_ROLES)
def ledger_export(request: HttpRequest) -> HttpResponse:
    _, filters = _filters(request)
    qs = selectors.ledger(user=request.user, today=_today(), filters=filters)  # type: ignore[arg-type]
    return _xlsx(ledger_workbook(qs.iterator(chunk_size=500)), "重点项目台账.xlsx")


@role_required(PROJECT_MANAGE_ROLES)
@require_POST
def ledger_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    errors: list[dict[str, Any]] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = project_import(
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
                content=upload.read(),
                district=selectors.district_of(request.user),  # type: ignore[arg-type]
                good_rows_only=form.cleaned_data["good_rows_only"],
            )
        except DomainError as exc:
            messages.error(request, readable(exc))
            errors = list(exc.details.get("errors", []))
        else:
            messages.success(request, f"已导入{len(result.created)}个项目")
            errors = [e.as_dict() for e in result.errors]
            if not errors:
                return redirect("projects:ledger")
    else:
        messages.error(request, "请选择要导入的 .xlsx 文件")
    return render(
        request,
        "projects/import_result.html",
        {"errors": errors},
        status=200 if not errors else 422,
    )


@role_required(PROJECT_READ_ROLES)
def project_page(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    try:
        project = selectors.project_page(user=user, code=code, today=_today())  # type: ignore[arg-type]
    except DomainError:
        return render(request, "projects/not_found.html", status=404)
    return render(
        request,
        "projects/project.html",
        {
            "p": project,
            "stage_lag": selectors.stage_lag_text(project, _today()),
            "stages": selectors.project_stage_dates(project),
            "milestones": selectors.project_milestones(project),
            "task_force": selectors.project_task_force(project),
            "reports": selectors.project_reports(project).prefetch_related("photos", "revisions"),
            "blockers": selectors.project_blockers(project),
            "events": selectors.project_events(project),
            "chart": selectors.chart_data(project),
            "stage_form": StageForm(initial={"stage": _next_stage(project.stage)}),
            "blocker_form": BlockerForm(),
            "can_manage": user.has_role(PROJECT_MANAGE_ROLES),  # type: ignore[union-attr]
            "can_raise": user.has_role(BLOCKER_ROLES),  # type: ignore[union-attr]
        },
    )


@role_required(PROJECT_READ_ROLES)
def report_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A 形象进度 photo, to readers of its project only (no public media URL)."""
    try:
        photo = selectors.photo_for(user=request.user, pk=pk)  # type: ignore[arg-type]
    except DomainError as exc:
        raise Http404 from exc
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type or None)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _next_stage(stage: str) -> str:
    order = list(Stage.values)
    return order[min(order.index(stage) + 1, len(order) - 1)]


@role_required(PROJECT_MANAGE_ROLES)
@require_POST
def project_stage(request: HttpRequest, code: str) -> HttpResponse:
    form = StageForm(request.POST)
    try:
        project = selectors.project_for(request.user, code)  # type: ignore[arg-type]
        if not form.is_valid():
            messages.error(request, "请选择阶段和日期")
        else:
            project_move_stage(
                project=project,
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
                stage=form.cleaned_data["stage"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "阶段已推进")
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect("projects:project", code=code)


@role_required(BLOCKER_ROLES)
@require_POST
def project_blocker(request: HttpRequest, code: str) -> HttpResponse:
    form = BlockerForm(request.POST)
    try:
        project = selectors.project_for(request.user, code)  # type: ignore[arg-type]
        if not form.is_valid():
            messages.error(request, "请填写问题标题和描述")
        else:
            blocker = blocker_raise(
                project=project,
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
                title=form.cleaned_data["title"],
                content=form.cleaned_data["content"],
            )
            messages.success(request, f"已提交协调事项，工单编号{blocker.ticket.number}")
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect("projects:project", code=code)


@role_required(PROJECT_MANAGE_ROLES)
def dispatch_desk(request: HttpRequest) -> HttpResponse:
    year, month, error = _month(request)
    desk = selectors.dispatch_desk(user=request.user, year=year, month=month)  # type: ignore[arg-type]
    return render(
        request,
        "projects/dispatch.html",
        {"d": desk, "period": f"{year}-{month:02d}", "error": error, "review_form": ReviewForm()},
    )


@role_required(PROJECT_MANAGE_ROLES)
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    try:
        report = selectors.report_for(user=request.user, pk=pk)  # type: ignore[arg-type]
        if not form.is_valid():
            messages.error(request, "请选择审核结果")
        elif form.cleaned_data["decision"] == "approve":
            report_approve(
                report=report,
                actor=request.user,
                now=timezone.now(),
                comment=form.cleaned_data["comment"],  # type: ignore[arg-type]
            )
            messages.success(request, f"已审核通过：{report}")
        else:
            report_return(
                report=report,
                actor=request.user,
                now=timezone.now(),
                comment=form.cleaned_data["comment"],  # type: ignore[arg-type]
            )
            messages.success(request, f"已退回：{report}")
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect(request.POST.get("next") or "projects:dispatch")


@role_required(PROJECT_REPORT_ROLES)
def report_form(request: HttpRequest) -> HttpResponse:
    user = request.user
    projects = list(selectors.reporter_projects(user=user))  # type: ignore[arg-type]
    code = (
        request.POST.get("project")
        or request.GET.get("project")
        or (projects[0].code if projects else "")
    )
    year, month = selectors.report_month(_today())
    form = ReportForm(
        request.POST or None, request.FILES or None, initial={"month": f"{year}-{month:02d}"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = selectors.project_for(user, code)  # type: ignore[arg-type]
            y, m = form.cleaned_data["month"]
            photo = form.cleaned_data.get("photo")
            report = report_submit(
                project=project,
                actor=user,  # type: ignore[arg-type]
                now=timezone.now(),
                year=y,
                month=m,
                investment_month=form.cleaned_data["investment_month"],
                progress=form.cleaned_data["progress"],
                problems=form.cleaned_data["problems"],
                requests=form.cleaned_data["requests"],
                correction_note=form.cleaned_data["correction_note"],
                photos=[photo] if photo else [],
            )
            messages.success(
                request, f"已报送{report}，本年累计{report.cumulative_year}万元，等待发改局审核"
            )
            return redirect(f"{request.path}?project={quote(code)}")
        except DomainError as exc:
            form.add_error(None, readable(exc))
    current = next((p for p in projects if p.code == code), None)
    recent = selectors.project_reports(current)[:6] if current else []
    return render(
        request,
        "projects/report_form.html",
        {"projects": projects, "current": current, "form": form, "recent": recent},
        status=422 if form.errors else 200,
    )


@role_required(MY_PROJECT_ROLES)
def my_projects(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "projects/mine.html",
        {
            "projects": project_rows(narrowed(selectors.my_projects(user=user, today=_today()))),  # type: ignore[arg-type]
            "warnings": project_rows(narrowed(selectors.warnings_for(user=user, today=_today()))),  # type: ignore[arg-type]
            "today": _today(),
        },
    )


@role_required(PROJECT_READ_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    d = selectors.dashboard(user=request.user, today=_today())  # type: ignore[arg-type]
    return render(
        request, "projects/dashboard.html", {"d": d, "chart": selectors.chart_for_dashboard(d)}
    )


@role_required(PROJECT_READ_ROLES)
def boards(request: HttpRequest) -> HttpResponse:
    year, month, error = _month(request)
    return render(
        request,
        "projects/boards.html",
        {
            "boards": selectors.boards(user=request.user, year=year, month=month, top=10),  # type: ignore[arg-type]
            "period": f"{year}-{month:02d}",
            "year": year,
            "month": month,
            "error": error,
        },
    )


@role_required(PROJECT_READ_ROLES)
def bulletin(request: HttpRequest) -> HttpResponse:
    year, month, error = _month(request)
    user = request.user
    return render(
        request,
        "projects/bulletin.html",
        {
            "d": selectors.dashboard(user=user, today=_today(), breakdowns=False),  # type: ignore[arg-type]
            "boards": selectors.boards(user=user, year=year, month=month, top=10),  # type: ignore[arg-type]
            "desk": selectors.dispatch_summary(user=user, year=year, month=month),  # type: ignore[arg-type]
            "year": year,
            "month": month,
            "period": f"{year}-{month:02d}",
            "error": error,
        },
    )


@role_required(PROJECT_READ_ROLES)
def contest_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/contests.html",
        {
            "contests": selectors.contests_visible(request.user),  # type: ignore[arg-type]
            "can_manage": request.user.has_role(PROJECT_MANAGE_ROLES),  # type: ignore[union-attr]
        },
    )


def _contest_form(request: HttpRequest, initial: dict[str, Any] | None = None) -> ContestForm:
    user = request.user
    return ContestForm(
        request.POST if request.method == "POST" else None,
        initial=initial
        or {"grouping": Grouping.KIND, "kind": "projects", "criterion_0": "", "weight_0": ""},
        projects=selectors.contest_projects(user),  # type: ignore[arg-type]
        units=selectors.contest_units(user),  # type: ignore[arg-type]
        judges=selectors.judge_candidates(user),  # type: ignore[arg-type]
    )


def _contest_fields(request: HttpRequest, form: ContestForm) -> dict[str, Any]:
    """The service's arguments from a valid set-up form (ids resolved in two queries)."""
    d = form.cleaned_data
    ids = d["entrant_ids"]
    if d["kind"] == "projects":
        entrants: list[Any] = list(selectors.contest_projects(request.user).filter(pk__in=ids))  # type: ignore[arg-type]
    else:
        entrants = list(selectors.contest_units(request.user).filter(pk__in=ids))  # type: ignore[arg-type]
    return {
        "name": d["name"],
        "season": d["season"],
        "criteria": d["criteria"],
        "entrants": entrants,
        "judges": list(selectors.judge_candidates(request.user).filter(pk__in=d["judges"])),  # type: ignore[arg-type]
        "drop_extremes": d["drop_extremes"],
        "grouping": d["grouping"],
    }


def _render_contest_form(
    request: HttpRequest, form: ContestForm, contest: Contest | None
) -> HttpResponse:
    return render(
        request,
        "projects/contest_form.html",
        {"form": form, "c": contest, "seasons": SEASONS},
        status=422 if form.errors else 200,
    )


@role_required(PROJECT_MANAGE_ROLES)
def contest_new(request: HttpRequest) -> HttpResponse:
    form = _contest_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            contest = contest_create(
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
                **_contest_fields(request, form),
            )
        except DomainError as exc:
            form.add_error(None, readable(exc))
        else:
            messages.success(request, f"已创建观摩评比「{contest.name}」，评委可以开始评分")
            return redirect("projects:contest", pk=contest.pk)
    return _render_contest_form(request, form, None)


@role_required(PROJECT_MANAGE_ROLES)
def contest_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contest = selectors.contest_for(request.user, pk)  # type: ignore[arg-type]
    except DomainError:
        return render(request, "projects/not_found.html", status=404)
    if contest.state != ContestState.OPEN or contests.scoring_started(contest):
        messages.error(request, "已有评委评分或评比已截止，评比设置不能再修改")
        return redirect("projects:contest", pk=pk)
    form = _contest_form(request, ContestForm.initial_for(contest))
    if request.method == "POST" and form.is_valid():
        try:
            contest_update(
                contest=contest,
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
                **_contest_fields(request, form),
            )
        except DomainError as exc:
            form.add_error(None, readable(exc))
        else:
            messages.success(request, "评比设置已保存")
            return redirect("projects:contest", pk=pk)
    return _render_contest_form(request, form, contest)


@role_required(PROJECT_READ_ROLES)
def contest_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        contest = selectors.contest_for(user, pk)  # type: ignore[arg-type]
    except DomainError:
        return render(request, "projects/not_found.html", status=404)
    judge = contests.is_judge(contest, user)  # type: ignore[arg-type]
    scored = contests.my_scored(contest, user) if judge else set()  # type: ignore[arg-type]
    manage = user.has_role(PROJECT_MANAGE_ROLES)  # type: ignore[union-attr]
    started = contests.scoring_started(contest)
    return render(
        request,
        "projects/contest.html",
        {
            "c": contest,
            "criteria": contest.criteria.all(),
            "entrants": contests.entrants(contest),
            "judge": judge and contest.state == ContestState.OPEN,
            "scored": scored,
            "ranking": contests.ranking(contest)
            if contests.ranking_visible(contest, user)
            else None,  # type: ignore[arg-type]
            "progress": contests.progress(contest) if manage else None,
            "can_manage": manage,
            "can_edit": manage and contest.state == ContestState.OPEN and not started,
            "judges": contests.judges(contest) if manage else [],
            "history": selectors.contest_history(contest) if manage else [],
        },
    )


@role_required(PROJECT_READ_ROLES)
@require_POST
def contest_score_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        contest = selectors.contest_for(user, pk)  # type: ignore[arg-type]
        entrant = contests.entrants(contest).filter(pk=request.POST.get("entrant") or 0).first()
        if entrant is None:
            raise selectors.ProjectNotFound("参评对象不存在")
        scores = {c.pk: request.POST.get(f"c{c.pk}", "") for c in contest.criteria.all()}
        if any(v == "" for v in scores.values()):
            messages.error(request, "请为每个评分项打分")
        else:
            contest_score(
                contest=contest, actor=user, now=timezone.now(), entrant=entrant, scores=scores
            )  # type: ignore[arg-type]
            messages.success(request, f"已提交对{entrant.name}的评分")
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect("projects:contest", pk=pk)


@role_required(PROJECT_MANAGE_ROLES)
@require_POST
def contest_state(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contest = selectors.contest_for(request.user, pk)  # type: ignore[arg-type]
        if request.POST.get("action") == "close":
            contest_close(contest=contest, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
            messages.success(request, "评比已截止，分数已冻结")
        else:
            contest_publish(contest=contest, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
            messages.success(request, "评比结果已发布")
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect("projects:contest", pk=pk)


@role_required(PROJECT_READ_ROLES)
def contest_export(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contest = selectors.contest_for(request.user, pk)  # type: ignore[arg-type]
    except DomainError:
        return render(request, "projects/not_found.html", status=404)
    if not contests.ranking_visible(contest, request.user):  # type: ignore[arg-type]
        return render(request, "projects/not_found.html", status=404)
    return _xlsx(ranking_workbook(contest.name, contests.ranking(contest)), f"{contest.name}.xlsx")
