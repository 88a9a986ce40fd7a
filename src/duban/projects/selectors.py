"""Reads of the project ledger: who sees what, progress and lag in SQL, desks and lists.

Progress is judged on the last approved report of the plan year, whose figures the review
service writes onto the project (``completed_this_year``, ``plan_to_date`` = the plan curve
at that month): completion = completed / annual plan, time elapsed (序时进度) = plan to date /
annual plan, and the gap between them in points decides 超前 / 正常 / 滞后. The comparison is
made on amounts (``(completed − plan) × 100 ≥ points × annual plan``) so both databases agree
to the cent. A stage lags when a planned stage date passed without the stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from duban.org.models import Unit, User
from duban.org.roles import PROJECT_OFFICE_ROLES, UNIT_ROLES, Role

from .errors import ContestNotFound, ProjectNotFound
from .models import (
    STAGE_ORDER,
    Blocker,
    Contest,
    ContestState,
    Judge,
    LagStatus,
    Level,
    MonthlyReport,
    PlanMonth,
    Project,
    ProjectSettings,
    ReportPhoto,
    ReportState,
    Stage,
    StageDate,
    TaskForceMember,
)

# Who sees every project of the district: the project office, supervision, the admin.
SEE_ALL_ROLES = PROJECT_OFFICE_ROLES | {Role.SUPERVISOR, Role.ADMIN}
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


def settings_for(district_id: int | None) -> ProjectSettings:
    found = ProjectSettings.objects.filter(district_id=district_id).first()
    return found or ProjectSettings(district_id=district_id)  # type: ignore[misc]


# -- scope ------------------------------------------------------------------------------------


def visible_to(user: User) -> QuerySet[Project]:
    """The projects ``user`` may read: the office and supervision the district's; a lead
    official his; a reporter hers; task-force members theirs; unit staff their unit's and
    their street's."""
    district = user.district_pk
    if district is None or not user.is_active:
        return Project.objects.none()
    qs = Project.objects.filter(district_id=district)
    if user.has_role(SEE_ALL_ROLES):
        return qs
    mine: Any = (
        Q(lead=user)
        | Q(reporter=user)
        | Exists(TaskForceMember.objects.filter(project=OuterRef("pk"), user=user))
    )
    if user.has_role(UNIT_ROLES) and user.unit is not None:
        path = user.unit.path
        mine |= Q(unit__path__startswith=path) | Q(street__path__startswith=path)
    return qs.filter(mine)


def project_for(user: User, code: str) -> Project:
    found = visible_to(user).filter(code=code).select_related("district").first()
    if found is None:
        raise ProjectNotFound("项目不存在或无权查看 / project not found", project=code)
    return found


def can_report(user: User, project: Project) -> bool:
    return project.reporter_id == user.pk or user.has_role(PROJECT_OFFICE_ROLES)


# -- progress and lag -------------------------------------------------------------------------


def lag_status(
    *,
    completed: Decimal,
    plan_to_date: Decimal,
    annual_plan: Decimal,
    ahead: Decimal,
    lagging: Decimal,
) -> str:
    """超前 / 正常 / 滞后 of one project (the same rule the SQL below applies)."""
    if annual_plan <= 0:
        return LagStatus.NORMAL
    gap = (completed - plan_to_date) * 100
    if gap >= ahead * annual_plan:
        return LagStatus.AHEAD
    if gap <= lagging * annual_plan:
        return LagStatus.LAGGING
    return LagStatus.NORMAL


def with_progress(
    qs: QuerySet[Project], *, rules: ProjectSettings, today: date
) -> QuerySet[Project]:
    """Annotate completion, time elapsed, lag status, stage lag and the warning level."""
    gap = (F("completed_this_year") - F("plan_to_date")) * 100
    annual = F("annual_plan")

    def rate(amount: str) -> Case:
        return Case(
            When(
                annual_plan__gt=0, then=Cast(F(amount), FloatField()) / Cast(annual, FloatField())
            ),
            default=Value(0.0),
            output_field=FloatField(),
        )

    red_before = today - timedelta(days=int(rules.red_stage_days))
    return qs.annotate(
        gap_amount=gap,
        completion_rate=rate("completed_this_year"),
        time_elapsed_rate=rate("plan_to_date"),
        lag_status=Case(
            When(annual_plan__lte=0, then=Value(LagStatus.NORMAL)),
            When(gap_amount__gte=Value(rules.ahead_points) * annual, then=Value(LagStatus.AHEAD)),
            When(
                gap_amount__lte=Value(rules.lagging_points) * annual, then=Value(LagStatus.LAGGING)
            ),
            default=Value(LagStatus.NORMAL),
            output_field=CharField(),
        ),
        stage_due=Case(
            When(next_stage_due__lt=today, then=F("next_stage_due")),
            default=None,
            output_field=DateField(),
        ),
        stage_due_stage=F("next_stage"),
    ).annotate(
        warning=Case(
            When(
                Q(annual_plan__gt=0, gap_amount__lte=Value(rules.red_points) * annual)
                | Q(next_stage_due__lt=red_before),
                then=Value("red"),
            ),
            When(
                Q(lag_status=LagStatus.LAGGING) | Q(next_stage_due__lt=today), then=Value("yellow")
            ),
            default=Value(""),
            output_field=CharField(),
        )
    )


def stage_lag_text(project: Any, today: date) -> str:
    """ "签约未落地（逾期 35 天）" for a project whose next planned stage date has passed."""
    due = getattr(project, "stage_due", None)
    if not due:
        return ""
    current = Stage(project.stage).label
    missed = Stage(getattr(project, "stage_due_stage", None) or STAGE_ORDER[-1]).label
    return f"{current}未{missed}（逾期{(today - due).days}天）"


@dataclass
class LedgerFilters:
    name: str = ""
    stage: str = ""
    level: str = ""
    lag_status: str = ""
    chain: int | None = None
    street: int | None = None
    lead: int | None = None
    unit: int | None = None
    warning: str = ""
    bonds: bool = False


def ledger(*, user: User, today: date, filters: LedgerFilters | None = None) -> QuerySet[Project]:
    """The ledger as ``user`` sees it, with progress annotations, filtered, ordered by code."""
    f = filters or LedgerFilters()
    rules = settings_for(user.district_pk)
    qs = with_progress(visible_to(user), rules=rules, today=today)
    if f.name:
        qs = qs.filter(Q(name__contains=f.name) | Q(code__contains=f.name))
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.level:
        qs = qs.filter(levels__contains=f",{f.level},")
    if f.lag_status:
        qs = qs.filter(lag_status=f.lag_status)  # type: ignore[misc]
    if f.chain:
        qs = qs.filter(chain_id=f.chain)
    if f.street:
        qs = qs.filter(street_id=f.street)
    if f.lead:
        qs = qs.filter(lead_id=f.lead)
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    if f.warning:
        qs = qs.filter(warning=f.warning)  # type: ignore[misc]
    if f.bonds:
        qs = qs.filter(bond_applied__gt=0)
    return qs.select_related("chain", "street", "unit", "lead").order_by("code")


def project_page(*, user: User, code: str, today: date) -> Project:
    """One project with its progress annotations (404 outside the reader's scope)."""
    rules = settings_for(user.district_pk)
    found = (
        with_progress(visible_to(user), rules=rules, today=today)
        .select_related("chain", "street", "unit", "lead", "reporter", "owner", "district")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise ProjectNotFound("项目不存在或无权查看 / project not found", project=code)
    return found


def project_reports(project: Project) -> QuerySet[MonthlyReport]:
    return project.reports.select_related("submitted_by", "reviewed_by").order_by("-year", "-month")


def project_stage_dates(project: Project) -> QuerySet[StageDate]:
    return project.stage_dates.order_by("id")


def project_milestones(project: Project) -> QuerySet[Any]:
    return project.milestones.order_by("id")


def project_task_force(project: Project) -> QuerySet[TaskForceMember]:
    return project.task_force.select_related("user", "user__unit").order_by("id")


def project_events(project: Project, limit: int = 50) -> list[Any]:
    return list(project.events.select_related("actor").order_by("-at", "-id")[:limit])


def chains() -> QuerySet[Any]:
    from duban.enterprises.models import IndustryChain

    return IndustryChain.objects.filter(is_active=True)


def district_of(user: User) -> Unit:
    return Unit.objects.get(pk=user.district_pk)  # type: ignore[misc]


def project_blockers(project: Project) -> QuerySet[Blocker]:
    return project.blockers.select_related("ticket", "ticket__primary_unit").order_by("-raised_at")


def chart_data(project: Project) -> dict[str, Any]:
    """The plan curve against the approved cumulative investment of the plan year."""
    year = project.plan_year
    plan = {
        p.month: float(p.cumulative) for p in PlanMonth.objects.filter(project=project, year=year)
    }
    actual = {
        r["month"]: float(r["cumulative_year"])
        for r in MonthlyReport.objects.filter(
            project=project, year=year, state=ReportState.APPROVED
        ).values("month", "cumulative_year")
    }
    months = range(1, 13)
    return {
        "months": [f"{m}月" for m in months],
        "plan": [plan.get(m) for m in months],
        "actual": [actual.get(m) for m in months],
    }


# -- monthly dispatch -------------------------------------------------------------------------


def report_month(today: date) -> tuple[int, int]:
    """The month being collected: the month before ``today``."""
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month


@dataclass
class DispatchDesk:
    year: int
    month: int
    missing: list[Project]
    to_review: list[MonthlyReport]
    late: list[MonthlyReport]
    by_unit: list[dict[str, Any]]
    close_day: int


def dispatch_desk(*, user: User, year: int, month: int) -> DispatchDesk:
    """Who has not reported the month, what waits for review, late reports by unit."""
    projects = visible_to(user).filter(is_active=True)
    month_reports = MonthlyReport.objects.filter(project__in=projects, year=year, month=month)
    missing = list(
        projects.exclude(Exists(month_reports.filter(project=OuterRef("pk"))))
        .select_related("unit", "reporter")
        .order_by("unit__name", "code")
    )
    to_review = list(
        month_reports.filter(state=ReportState.SUBMITTED)
        .select_related("project", "project__unit", "submitted_by")
        .order_by("submitted_at")
    )
    # Older months waiting too (a report returned and filed again, a late one).
    older = list(
        MonthlyReport.objects.filter(project__in=projects, state=ReportState.SUBMITTED)
        .exclude(year=year, month=month)
        .select_related("project", "project__unit", "submitted_by")
        .order_by("submitted_at")
    )
    late = list(month_reports.filter(late=True).select_related("project", "project__unit"))
    return DispatchDesk(
        year=year,
        month=month,
        missing=missing,
        to_review=to_review + older,
        late=late,
        by_unit=_by_unit(projects, year, month),
        close_day=int(settings_for(user.district_pk).report_close_day),
    )


def _by_unit(projects: QuerySet[Project], year: int, month: int) -> list[dict[str, Any]]:
    """Per responsible unit: projects, reported, late, missing — one grouped scan with the
    month's report joined (a project has at most one report a month)."""
    counts = (
        projects.annotate(
            month_report=FilteredRelation(
                "reports", condition=Q(reports__year=year, reports__month=month)
            )
        )
        .values("unit_id", "unit__name")
        .annotate(
            total=Count("pk"),
            reported=Count("month_report"),
            late=Count("month_report", filter=Q(month_report__late=True)),
        )
        .order_by("unit__name")
    )
    return [
        {**row, "missing": row["total"] - row["reported"]}
        for row in counts
        if row["total"] != row["reported"] or row["late"]
    ]


@dataclass
class DispatchSummary:
    """The bulletin's counts of the month's dispatch (no rows fetched)."""

    missing: int
    late: int
    to_review: int
    by_unit: list[dict[str, Any]]


def dispatch_summary(*, user: User, year: int, month: int) -> DispatchSummary:
    projects = visible_to(user).filter(is_active=True)
    by_unit = _by_unit(projects, year, month)
    waiting = MonthlyReport.objects.filter(project__in=projects, state=ReportState.SUBMITTED)
    return DispatchSummary(
        missing=sum(r["missing"] for r in by_unit),
        late=sum(r["late"] for r in by_unit),
        to_review=waiting.count(),
        by_unit=by_unit,
    )


def reporter_projects(*, user: User) -> QuerySet[Project]:
    return visible_to(user).filter(reporter=user, is_active=True).order_by("code")


def report_for(*, user: User, pk: int) -> MonthlyReport:
    found = (
        MonthlyReport.objects.filter(pk=pk, project__in=visible_to(user))
        .select_related("project", "submitted_by", "reviewed_by")
        .first()
    )
    if found is None:
        raise ProjectNotFound("报告不存在或无权查看 / report not found", pk=pk)
    return found


def photo_for(*, user: User, pk: int) -> ReportPhoto:
    """A report's photo, if ``user`` may read its project (the file is served by a view that
    asks this, never from a public media URL)."""
    found = ReportPhoto.objects.filter(pk=pk, report__project__in=visible_to(user)).first()
    if found is None:
        raise ProjectNotFound("照片不存在或无权查看 / photo not found", pk=pk)
    return found


# -- warnings on desks ------------------------------------------------------------------------


def warnings_for(*, user: User, today: date) -> QuerySet[Project]:
    """Yellow and red warnings of the projects ``user`` leads or whose unit is theirs."""
    rules = settings_for(user.district_pk)
    mine = Q(lead=user)
    if user.unit is not None and user.has_role(UNIT_ROLES):
        mine |= Q(unit__path__startswith=user.unit.path)
    qs = with_progress(visible_to(user).filter(mine), rules=rules, today=today)
    return qs.exclude(warning="").select_related("unit", "lead").order_by("-warning", "code")  # type: ignore[misc]


def my_projects(*, user: User, today: date) -> QuerySet[Project]:
    rules = settings_for(user.district_pk)
    member = Exists(TaskForceMember.objects.filter(project=OuterRef("pk"), user=user))
    qs = visible_to(user).filter(Q(lead=user) | member)
    return (
        with_progress(qs, rules=rules, today=today)
        .select_related("unit", "street")
        .order_by("code")
    )


# -- red and black lists (飞虎榜 / 蜗牛榜) -------------------------------------------------------


@dataclass
class Board:
    """One month's ranking of projects, units or lead officials by completion of plan."""

    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def red(self) -> list[dict[str, Any]]:
        return [_shown(r) for r in self.rows[:10]]

    @cached_property
    def black(self) -> list[dict[str, Any]]:
        return [_shown(r) for r in reversed(self.rows[-10:])]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A board row with its rate and change of rank as the page prints them."""
    change = row.get("change")
    arrow = "—" if not change else (f"↑{change}" if change > 0 else f"↓{-change}")
    rate = row.get("rate")
    return {**row, "rate_text": "—" if rate is None else f"{rate * 100:.1f}%", "change_text": arrow}


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def _approved(user: User, year: int, month: int) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.filter(
        project__in=visible_to(user), year=year, month=month, state=ReportState.APPROVED
    )


def _ranked(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    rank = 0
    last = None
    for index, row in enumerate(rows, start=1):
        if row[key] != last:
            rank, last = index, row[key]
        row["rank"] = rank
    return rows


def _group(user: User, year: int, month: int, by: str) -> list[dict[str, Any]]:
    """Completion per project / unit / lead official of one month, best first (SQL)."""
    qs = _approved(user, year, month)
    if by == "project":
        rows = qs.values(
            key=F("project_id"),
            label=F("project__name"),
            rate=F("completion_rate"),
            done=F("cumulative_year"),
            plan=F("annual_plan"),
        ).order_by("-completion_rate", "project_id")
    else:
        column = "project__unit" if by == "unit" else "project__lead"
        label = "project__unit__name" if by == "unit" else "project__lead__full_name"
        rows = (
            qs.filter(**{f"{column}__isnull": False})
            .values(key=F(column), label=F(label))
            .annotate(
                done=Sum("cumulative_year"),
                plan=Sum("annual_plan"),
                projects=Count("pk"),
            )
            .annotate(
                rate=Case(
                    When(
                        plan__gt=0,
                        then=Cast(F("done"), FloatField()) / Cast(F("plan"), FloatField()),
                    ),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            )
            .order_by("-rate", "label")
        )
    return _ranked([dict(r) for r in rows], "rate")


def _rates(user: User, year: int, month: int) -> list[tuple[int, float]]:
    """(project id, completion) of a month's approved reports, best first: bare tuples."""
    return list(
        _approved(user, year, month)
        .order_by("-completion_rate", "project_id")
        .values_list("project_id", "completion_rate")
    )


def _ranks(rates: list[tuple[int, float]]) -> list[int]:
    """Shared ranks (1, 1, 3 …) of rates sorted best first."""
    ranks: list[int] = []
    last = None
    for index, (_, rate) in enumerate(rates, start=1):
        ranks.append(index if rate != last else ranks[-1])
        last = rate
    return ranks


def _project_board(user: User, year: int, month: int, top: int) -> list[dict[str, Any]]:
    """The projects' board of a page: only its ``top`` best and ``top`` worst rows are
    built (ranked among all the month's projects, with the change from the month before);
    the names are read for those rows only."""
    rates = _rates(user, year, month)
    ranks = _ranks(rates)
    picked = list(range(len(rates)))
    if len(rates) > 2 * top:
        picked = picked[:top] + picked[-top:]
    before: dict[int, int] = {}
    if month > 1:
        earlier = _rates(user, *previous_month(year, month))
        before = {pk: rank for (pk, _), rank in zip(earlier, _ranks(earlier), strict=True)}
    names = dict(
        Project.objects.filter(pk__in=[rates[i][0] for i in picked]).values_list("pk", "name")
    )
    rows = []
    for i in picked:
        pk, rate = rates[i]
        prior = before.get(pk)
        rows.append(
            {
                "key": pk,
                "label": names.get(pk),
                "rate": rate,
                "rank": ranks[i],
                "change": None if prior is None else prior - ranks[i],
            }
        )
    return rows


def boards(*, user: User, year: int, month: int, top: int | None = None) -> list[Board]:
    """飞虎榜 / 蜗牛榜 of projects, responsible units and lead officials, with rank change.

    With ``top`` (the pages), the projects' board holds only its ``top`` best and worst
    rows; the units' and the officials' boards are short and always whole."""
    before = previous_month(year, month)
    out = []
    for by, title in (("project", "项目"), ("unit", "责任单位"), ("lead", "包联领导")):
        if by == "project" and top is not None:
            out.append(Board(title=title, rows=_project_board(user, year, month, top)))
            continue
        rows = _group(user, year, month, by)
        last = {r["key"]: r["rank"] for r in _group(user, *before, by)} if month > 1 else {}
        for row in rows:
            prior = last.get(row["key"])
            row["change"] = None if prior is None else prior - row["rank"]
        out.append(Board(title=title, rows=rows))
    return out


# -- dashboard --------------------------------------------------------------------------------


def dashboard(*, user: User, today: date, breakdowns: bool = True) -> dict[str, Any]:
    """Completion by level, chain and street; the stage funnel; lagging; special bonds.

    ``breakdowns=False`` (the bulletin) leaves out the chain, street and stage breakdowns."""
    qs = visible_to(user).filter(is_active=True)
    rules = settings_for(user.district_pk)
    money = {"output_field": MONEY_FIELD}
    level_sums: dict[str, Any] = {}
    for level in Level.values:
        has = Q(levels__contains=f",{level},")
        level_sums[f"{level}_n"] = Count("pk", filter=has)
        level_sums[f"{level}_plan"] = Coalesce(
            Sum("annual_plan", filter=has), Value(Decimal(0)), **money
        )
        level_sums[f"{level}_done"] = Coalesce(
            Sum("completed_this_year", filter=has), Value(Decimal(0)), **money
        )
        level_sums[f"{level}_total"] = Coalesce(
            Sum("total_investment", filter=has), Value(Decimal(0)), **money
        )
    bond = Q(bond_applied__gt=0)
    totals = qs.aggregate(
        n=Count("pk"),
        total=Coalesce(Sum("total_investment"), Value(Decimal(0)), **money),
        plan=Coalesce(Sum("annual_plan"), Value(Decimal(0)), **money),
        done=Coalesce(Sum("completed_this_year"), Value(Decimal(0)), **money),
        bond_n=Count("pk", filter=bond),
        bond_total=Coalesce(Sum("total_investment", filter=bond), Value(Decimal(0)), **money),
        bond_applied=Coalesce(Sum("bond_applied"), Value(Decimal(0)), **money),
        bond_received=Coalesce(Sum("bond_received"), Value(Decimal(0)), **money),
        bond_spent=Coalesce(Sum("bond_spent"), Value(Decimal(0)), **money),
        in_stats=Count("pk", filter=Q(in_stats=True)),
        **level_sums,
    )

    def ratio(done: Any, plan: Any) -> float | None:
        return float(done) / float(plan) if plan else None

    by_level = [
        {
            "label": str(Level(level).label),
            "count": totals[f"{level}_n"],
            "total": totals[f"{level}_total"],
            "plan": totals[f"{level}_plan"],
            "done": totals[f"{level}_done"],
            "rate": ratio(totals[f"{level}_done"], totals[f"{level}_plan"]),
        }
        for level in Level.values
    ]

    def grouped(column: str) -> list[dict[str, Any]]:
        rows = (
            qs.values(label=F(column))
            .annotate(count=Count("pk"), plan=Sum("annual_plan"), done=Sum("completed_this_year"))
            .order_by("label")
        )
        return [
            {**r, "label": r["label"] or "未分类", "rate": ratio(r["done"], r["plan"])}
            for r in rows
        ]

    stages = dict(qs.values_list("stage").annotate(n=Count("pk")).order_by()) if breakdowns else {}
    funnel = [{"label": str(Stage(s).label), "count": stages.get(s, 0)} for s in STAGE_ORDER]
    progress = with_progress(qs, rules=rules, today=today)
    status = dict(progress.values_list("lag_status").annotate(n=Count("pk")).order_by())  # type: ignore[misc]
    lagging = list(
        progress.filter(lag_status=LagStatus.LAGGING)  # type: ignore[misc]
        .select_related("unit", "lead")
        .order_by("completion_rate")[:20]
    )
    return {
        "totals": totals,
        "rate": ratio(totals["done"], totals["plan"]),
        "bond_spend_rate": ratio(totals["bond_spent"], totals["bond_received"]),
        "by_level": by_level,
        "by_chain": grouped("chain__name") if breakdowns else [],
        "by_street": grouped("street__name") if breakdowns else [],
        "funnel": funnel,
        "status": {s: status.get(s, 0) for s in LagStatus.values},
        "lagging": lagging,
    }


def chart_for_dashboard(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "levels": [r["label"] for r in d["by_level"]],
        "level_rate": [round((r["rate"] or 0) * 100, 1) for r in d["by_level"]],
        "chains": [r["label"] for r in d["by_chain"]],
        "chain_rate": [round((r["rate"] or 0) * 100, 1) for r in d["by_chain"]],
        "funnel": [{"name": r["label"], "value": r["count"]} for r in d["funnel"]],
    }


# -- contests ---------------------------------------------------------------------------------


def contests_visible(user: User) -> QuerySet[Contest]:
    """The office sees every contest of its district; a judge the contests they judge;
    everyone else the published ones."""
    from .roles import PROJECT_MANAGE_ROLES

    qs = Contest.objects.filter(district_id=user.district_pk)
    if not user.has_role(PROJECT_MANAGE_ROLES):
        judged = Exists(Judge.objects.filter(contest=OuterRef("pk"), user=user))
        qs = qs.filter(Q(state=ContestState.PUBLISHED) | judged)
    return qs.order_by("-created_at")


def contest_for(user: User, pk: int) -> Contest:
    found = contests_visible(user).filter(pk=pk).first()
    if found is None:
        raise ContestNotFound("评比不存在或无权查看 / contest not found", pk=pk)
    return found


def contest_by_key(user: User, key: str) -> Contest | None:
    """The contest ``user`` created with this Idempotency-Key, if any."""
    if not key:
        return None
    return Contest.objects.filter(created_by=user, idempotency_key=key).first()


# The people offered as judges on the set-up page (the service accepts any reader).
JUDGE_CANDIDATE_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.PROJECT_OFFICE, Role.UNIT_HEAD)


def judge_candidates(user: User) -> QuerySet[User]:
    q = Q()
    for role in JUDGE_CANDIDATE_ROLES:
        q |= Q(role=role) | Q(extra_roles__contains=f",{role},")
    return (
        User.objects.filter(
            q, is_active=True, unit__path__startswith=f"{user.district_pk or 0:06d}/"
        )
        .select_related("unit")
        .order_by("unit__path", "full_name", "username")
    )


def contest_projects(user: User) -> QuerySet[Project]:
    """Projects that may take part in a contest: the district's active ones."""
    return (
        Project.objects.filter(district_id=user.district_pk, is_active=True)
        .only("pk", "code", "name")
        .order_by("code")
    )


def contest_units(user: User) -> QuerySet[Unit]:
    """Units that may take part: the district's streets and departments."""
    return (
        Unit.objects.in_district(user.district_pk or 0)
        .filter(kind__in=["street", "department"], is_active=True)
        .order_by("kind", "path")
    )


def contest_references(
    user: User, *, projects: list[str], units: list[str], judges: list[str]
) -> tuple[list[Any], list[User]]:
    """The API's entrants (project codes or unit codes) and judges (usernames) of the
    district, or ``invalid_contest`` naming what is unknown."""
    from .errors import InvalidContest

    def missing(wanted: list[str], found: set[str], label: str, field: str) -> None:
        unknown = sorted(set(wanted) - found)
        if unknown:
            raise InvalidContest(
                f"本区没有这些{label}：{'、'.join(unknown[:10])} / unknown {field}",
                field=field,
                unknown=unknown[:50],
            )

    def in_request_order(rows: list[Any], wanted: list[str], key: str) -> list[Any]:
        """The rows in the order the request named them (the database's order is none)."""
        position = {name: i for i, name in enumerate(wanted)}
        return sorted(rows, key=lambda row: position[getattr(row, key)])

    entrants: list[Any] = list(contest_projects(user).filter(code__in=projects))
    missing(projects, {p.code for p in entrants}, "项目", "projects")
    found_units = list(contest_units(user).filter(code__in=units))
    missing(units, {u.code for u in found_units}, "街道/镇或部门", "units")
    people = list(
        User.objects.filter(
            username__in=judges,
            is_active=True,
            unit__path__startswith=f"{user.district_pk or 0:06d}/",
        ).select_related("unit")
    )
    missing(judges, {u.username for u in people}, "用户", "judges")
    return (
        in_request_order(entrants, projects, "code") + in_request_order(found_units, units, "code"),
        in_request_order(people, judges, "username"),
    )


def contest_history(contest: Contest) -> list[Any]:
    return list(contest.events.select_related("actor").order_by("-at", "-id")[:100])


def units_of(district_pk: int | None, kind: str) -> QuerySet[Unit]:
    return Unit.objects.in_district(district_pk or 0).filter(kind=kind, is_active=True)


def leaders_of(district_pk: int | None) -> QuerySet[User]:
    return (
        User.objects.with_role(Role.LEADER)
        .filter(unit__path__startswith=f"{district_pk or 0:06d}/", is_active=True)
        .order_by("full_name")
    )


def today_of(now: datetime) -> date:
    from django.utils import timezone

    return timezone.localtime(now).date()
