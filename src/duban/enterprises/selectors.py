"""Reads of the enterprise service: who sees which enterprise, the ledger, the enterprise
page, the officer's desk, visit coverage, problems and proxy steps.

Scoping: district-wide roles read their district; a chief service officer reads the
enterprises they serve (their own, and those of the service groups they belong to or whose
task force they belong to); a department reads the proxy steps of its units; an enterprise
(on its own pages) reads only its own rows. Contacts are masked like callers' for readers
without ``PERSONAL_DATA_ROLES`` who do not serve the enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window

from duban.core.periods import PERIOD_TZ
from duban.org.models import Unit, UnitKind, User
from duban.org.roles import DISTRICT_WIDE_ROLES, Role
from duban.sla.selectors import get_calendar
from duban.tickets.selectors import mask_name, mask_phone

from .errors import EnterpriseNotFound
from .models import (
    CaseState,
    CoverageRule,
    Enterprise,
    EnterpriseEvent,
    IndustryChain,
    Park,
    Problem,
    ProblemCategory,
    ProxyCase,
    ProxyService,
    ProxyStep,
    ServiceGroup,
    StepState,
    Visit,
)
from .roles import CONTACT_ROLES, STEP_ROLES

OPEN_STEP_STATES = (StepState.PENDING, StepState.ACCEPTED, StepState.BLOCKED)


def today(now: datetime) -> date:
    return now.astimezone(PERIOD_TZ).date()


# -- scope -------------------------------------------------------------------------------------


def my_group_ids(user: User) -> QuerySet[Any]:
    """Ids of the service groups ``user`` belongs to, directly or through their task force."""
    return ServiceGroup.objects.filter(Q(members=user) | Q(parent__members=user)).values("pk")


def enterprises_visible_to(user: User, *, groups: list[int] | None = None) -> QuerySet[Enterprise]:
    """The enterprises ``user`` reads; ``groups``: the officer's group ids when the caller
    has already read them (``my_group_ids``), to spare the query."""
    if not getattr(user, "is_authenticated", False) or user.unit is None:
        return Enterprise.objects.none()
    qs = Enterprise.objects.filter(district_id=user.district_pk)
    if user.has_role(DISTRICT_WIDE_ROLES):
        return qs
    if user.has_role(Role.SERVICE_OFFICER):
        # The group ids as a list (a handful): the planner then walks the officer and group
        # indexes instead of scanning the district for the OR.
        if groups is None:
            groups = list(my_group_ids(user).values_list("pk", flat=True))
        return qs.filter(Q(officer=user) | Q(group_id__in=groups))
    return Enterprise.objects.none()


def may_read_registry(user: User) -> bool:
    return bool(user.unit) and user.has_role(DISTRICT_WIDE_ROLES | {Role.SERVICE_OFFICER})


def enterprise_for(user: User, pk: int) -> Enterprise:
    enterprise = (
        enterprises_visible_to(user)
        .select_related("chain", "park", "street", "officer", "group")
        .filter(pk=pk)
        .first()
    )
    if enterprise is None:
        raise EnterpriseNotFound("企业不存在或不在您的服务范围内")
    return enterprise


def contact_of(enterprise: Enterprise, user: User | None) -> dict[str, str]:
    """The contact as ``user`` may read it (``None``: the enterprise itself, unmasked)."""
    plain = user is None or user.has_role(CONTACT_ROLES) or enterprise.officer_id == user.pk
    if plain:
        return {"name": enterprise.contact_name, "phone": enterprise.contact_phone}
    return {
        "name": mask_name(enterprise.contact_name),
        "phone": mask_phone(enterprise.contact_phone),
    }


# -- the ledger --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilters:
    name: str = ""
    credit_code: str = ""
    chain: int | None = None
    park: int | None = None
    street: int | None = None
    officer: int | None = None
    group: int | None = None
    above_scale: bool | None = None
    specialized: bool | None = None
    high_tech: bool | None = None
    tech_sme: bool | None = None
    visit_overdue: bool | None = None


def coverage_rule(district_id: int) -> CoverageRule:
    rule = CoverageRule.objects.filter(district_id=district_id).first()
    return rule or CoverageRule(district_id=district_id)


def overdue_q(rule: CoverageRule, day: date) -> Q:
    """Enterprises whose last visit is older than their period (never visited: registered
    longer ago than the period)."""
    above = day - timedelta(days=rule.above_scale_days)
    other = day - timedelta(days=rule.other_days)

    def late(limit: date) -> Q:
        # registered before the limit day (local midnight), compared as a moment: no
        # per-row date cast
        moment = datetime(limit.year, limit.month, limit.day, tzinfo=PERIOD_TZ)
        return Q(last_visited_on__lt=limit) | Q(last_visited_on__isnull=True, created_at__lt=moment)

    return (Q(above_scale=True) & late(above)) | (Q(above_scale=False) & late(other))


def ledger(
    *, user: User, now: datetime, filters: LedgerFilters, limit: int = 50, offset: int = 0
) -> tuple[int, list[Enterprise]]:
    """One page of the user's enterprises and the count: two queries."""
    qs = ledger_queryset(user=user, now=now, filters=filters)
    count = qs.count()
    items = list(
        qs.select_related("chain", "park", "street", "officer", "group")
        .only(*LEDGER_COLUMNS)
        .order_by("name", "pk")[offset : offset + limit]
    )
    return count, items


# What a ledger row shows (the page and the API's list): the related rows' labels only, not
# the streets' place names or the officers' whole accounts.
LEDGER_COLUMNS = (
    "name",
    "credit_code",
    "size",
    "above_scale",
    "specialized",
    "high_tech",
    "tech_sme",
    "contact_name",
    "contact_phone",
    "last_visited_on",
    "created_at",
    "chain__name",
    "park__name",
    "street__name",
    "officer__full_name",
    "officer__username",
    "group__name",
)


def ledger_queryset(*, user: User, now: datetime, filters: LedgerFilters) -> QuerySet[Enterprise]:
    qs = enterprises_visible_to(user)
    f = filters
    if f.name:
        qs = qs.filter(name__icontains=f.name.strip())
    if f.credit_code:
        qs = qs.filter(credit_code__startswith=f.credit_code.strip().upper())
    for field in ("chain", "park", "street", "officer", "group"):
        if (value := getattr(f, field)) is not None:
            qs = qs.filter(**{f"{field}_id": value})
    for flag in ("above_scale", "specialized", "high_tech", "tech_sme"):
        if (value := getattr(f, flag)) is not None:
            qs = qs.filter(**{flag: value})
    if f.visit_overdue is not None and user.district_pk is not None:
        q = overdue_q(coverage_rule(user.district_pk), today(now))
        qs = qs.filter(q) if f.visit_overdue else qs.exclude(q)
    return qs


def export_rows(*, user: User, now: datetime, filters: LedgerFilters) -> QuerySet[Enterprise]:
    return (
        ledger_queryset(user=user, now=now, filters=filters)
        .select_related("chain", "park", "street", "officer", "group")
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class Choices:
    """The options of the pages' selects, as unevaluated querysets of the labels they show:
    a page runs the query of a list only when its template reads it (the ledger its filters,
    the enterprise page its forms, an htmx page of rows none)."""

    chains: QuerySet[IndustryChain]
    parks: QuerySet[Park]
    streets: QuerySet[Unit]
    officers: QuerySet[User]
    groups: QuerySet[ServiceGroup]
    categories: QuerySet[ProblemCategory]
    departments: QuerySet[Unit]
    services: QuerySet[ProxyService]


def choices_for(user: User) -> Choices:
    district = user.district_pk
    prefix = user.unit.district_path if user.unit is not None else "-"
    units = Unit.objects.filter(path__startswith=prefix).only("pk", "name")
    return Choices(
        chains=IndustryChain.objects.filter(is_active=True).only("pk", "name"),
        parks=Park.objects.filter(district_id=district).only("pk", "name"),
        streets=units.filter(kind=UnitKind.STREET),
        officers=User.objects.with_role(Role.SERVICE_OFFICER)
        .filter(unit__path__startswith=prefix, is_active=True)
        .only("pk", "full_name", "username"),
        groups=ServiceGroup.objects.filter(district_id=district).only("pk", "name"),
        categories=ProblemCategory.objects.filter(is_active=True).only("pk", "name"),
        departments=units.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET]).order_by(
            "kind", "sort_order"
        ),
        services=ProxyService.objects.filter(is_active=True).only("pk", "name", "fast_track"),
    )


# -- the enterprise page -----------------------------------------------------------------------


@dataclass(frozen=True)
class EnterprisePage:
    enterprise: Enterprise
    contact: dict[str, str]
    visit_due: bool
    visits: list[Visit]
    problems: list[Problem]
    cases: list[ProxyCase]
    events: list[EnterpriseEvent]
    projects: list[Any]


def projects_of(enterprise: Enterprise) -> list[Any]:
    """The enterprise's key projects: the projects app (above this one) points here with
    ``related_name="projects"``; read through the relation, never imported."""
    related = getattr(enterprise, "projects", None)
    return list(related.all()[:20]) if related is not None else []


def problems_of(enterprise: Enterprise) -> QuerySet[Problem]:
    return (
        Problem.objects.filter(enterprise=enterprise)
        .select_related("category", "ticket", "ticket__primary_unit")
        .order_by("-created_at", "-id")
    )


def cases_of(enterprise: Enterprise) -> QuerySet[ProxyCase]:
    return (
        ProxyCase.objects.filter(enterprise=enterprise)
        .select_related("service")
        .prefetch_related("steps__unit")
        .order_by("-created_at", "-id")
    )


def enterprise_page(*, user: User | None, enterprise: Enterprise, now: datetime) -> EnterprisePage:
    rule = coverage_rule(enterprise.district_id)
    due = Enterprise.objects.filter(pk=enterprise.pk).filter(overdue_q(rule, today(now))).exists()
    return EnterprisePage(
        enterprise=enterprise,
        contact=contact_of(enterprise, user),
        visit_due=due,
        visits=list(enterprise.visits.select_related("officer").order_by("-visited_on")[:20]),
        problems=list(problems_of(enterprise)[:50]),
        cases=list(cases_of(enterprise)[:50]),
        events=list(enterprise.events.select_related("problem__ticket")[:50]),
        projects=projects_of(enterprise),
    )


# -- the officer's desk ------------------------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    enterprises: int
    visits_due: list[Enterprise]
    visits_due_count: int
    open_problems: list[Problem]
    open_cases: list[ProxyCase]
    recent_visits: list[Visit]


def desk(*, user: User, now: datetime, limit: int = 20) -> Desk:
    """The officer's desk: fixed queries whatever the number of enterprises. Its lists are
    scoped through the officer and group columns the rows carry (indexed), or by the
    district for district-wide roles; both counts come from one pass over the enterprises."""
    if user.has_role(DISTRICT_WIDE_ROLES):
        mine = enterprises_visible_to(user)
        problems = cases = visits = Q(district_id=user.district_pk)
    else:
        # the officer's own and her groups' rows, through the indexed officer/group columns
        groups = list(my_group_ids(user).values_list("pk", flat=True))
        mine = enterprises_visible_to(user, groups=groups)
        problems = Q(officer=user) | Q(group_id__in=groups)
        cases = Q(officer=user) | Q(enterprise__group_id__in=groups)
        visits = Q(officer=user)
    due = overdue_q(coverage_rule(user.district_pk or 0), today(now))
    counts = mine.aggregate(enterprises=Count("pk"), due=Count("pk", filter=due))
    return Desk(
        enterprises=counts["enterprises"],
        visits_due=list(
            mine.filter(due)
            .only("pk", "name", "above_scale", "last_visited_on")
            .order_by("last_visited_on", "name")[:limit]
        ),
        visits_due_count=counts["due"],
        open_problems=list(
            Problem.objects.filter(problems, closed_at__isnull=True)
            .select_related("enterprise", "category", "ticket", "ticket__primary_unit")
            .order_by("-created_at")[:limit]
        ),
        open_cases=list(
            ProxyCase.objects.filter(cases, state=CaseState.OPEN)
            .select_related("enterprise", "service")
            .order_by("due_at")[:limit]
        ),
        recent_visits=list(
            Visit.objects.filter(visits)
            .select_related("enterprise")
            .order_by("-visited_on", "-id")[:limit]
        ),
    )


@dataclass(frozen=True)
class CoverageRow:
    key: int | None
    label: str
    enterprises: int
    overdue: int

    @property
    def coverage_rate(self) -> float | None:
        return None if not self.enterprises else round(1 - self.overdue / self.enterprises, 4)


def coverage_by(*, district_id: int, now: datetime, by: str) -> list[CoverageRow]:
    """Enterprises and overdue visits per officer or per service group, by label ("未分配"
    last): one pass over the district's enterprises grouped by the bare column, then the
    labels of the few keys (joining the label onto every enterprise row cost a third more
    than the pass itself on a 20,000-enterprise registry)."""
    column = {"officer": "officer_id", "group": "group_id"}[by]
    q = overdue_q(coverage_rule(district_id), today(now))
    rows = list(
        Enterprise.objects.filter(district_id=district_id)
        .values(column)
        .annotate(enterprises=Count("pk"), overdue=Count("pk", filter=q))
        .order_by()
    )
    keys = [r[column] for r in rows if r[column] is not None]
    if by == "officer":
        labels = dict(User.objects.filter(pk__in=keys).values_list("pk", "full_name"))
    else:
        labels = dict(ServiceGroup.objects.filter(pk__in=keys).values_list("pk", "name"))
    out = [
        CoverageRow(
            key=r[column],
            label=labels.get(r[column]) or "未分配",
            enterprises=r["enterprises"],
            overdue=r["overdue"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda row: (row.key is None, row.label))


# -- problems and steps ------------------------------------------------------------------------


def problems_visible_to(user: User) -> QuerySet[Problem]:
    """Problems of the enterprises the user serves or reads."""
    return Problem.objects.filter(enterprise_id__in=enterprises_visible_to(user).values("pk"))


def problem_for(user: User, pk: int) -> Problem:
    problem = (
        problems_visible_to(user)
        .select_related("enterprise", "category", "ticket", "ticket__primary_unit")
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        raise EnterpriseNotFound("问题不存在或不在您的服务范围内")
    return problem


def problems_list(
    *,
    user: User,
    level: str = "",
    category: int | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Problem]]:
    qs = problems_visible_to(user)
    if level:
        qs = qs.filter(level=level)
    if category is not None:
        qs = qs.filter(category_id=category)
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    count = qs.count()
    items = list(
        qs.select_related("enterprise", "category", "ticket").order_by("-created_at", "-id")[
            offset : offset + limit
        ]
    )
    return count, items


def steps_visible_to(user: User) -> QuerySet[ProxyStep]:
    """Proxy steps: a unit's staff see their units' steps; officers and district-wide roles
    the steps of the enterprises they read."""
    if not getattr(user, "is_authenticated", False) or user.unit is None:
        return ProxyStep.objects.none()
    q = Q(pk__in=[])
    if user.has_role(STEP_ROLES):
        scope = user.scope_path or "-"
        q |= Q(unit__path__startswith=scope) & Q(case__district_id=user.district_pk)
    if user.has_role(DISTRICT_WIDE_ROLES):
        # the case carries its enterprise's district: one column, no subquery
        q |= Q(case__district_id=user.district_pk)
    elif user.has_role(Role.SERVICE_OFFICER):
        q |= Q(case__enterprise_id__in=enterprises_visible_to(user).values("pk"))
    return ProxyStep.objects.filter(q)


def steps_list(
    *,
    user: User,
    now: datetime,
    open_only: bool = True,
    overdue: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ProxyStep]]:
    qs = steps_visible_to(user)
    if open_only:
        qs = qs.filter(state__in=OPEN_STEP_STATES)
    if overdue is not None:
        late = Q(state__in=OPEN_STEP_STATES, due_at__lt=now)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    count = qs.count()
    items = list(
        qs.select_related("case", "case__enterprise", "case__service", "unit").order_by(
            "due_at", "pk"
        )[offset : offset + limit]
    )
    return count, items


def step_for(user: User, pk: int) -> ProxyStep:
    step = (
        steps_visible_to(user)
        .select_related("case", "case__enterprise", "case__service", "unit")
        .filter(pk=pk)
        .first()
    )
    if step is None:
        raise EnterpriseNotFound("代办环节不存在或不在您的范围内")
    return step


def overdue_steps(*, district_id: int, now: datetime, limit: int = 50) -> list[ProxyStep]:
    """Open steps past their limit in the district (the weekly and monthly reports' list)."""
    return list(
        ProxyStep.objects.filter(
            case__district_id=district_id, state__in=OPEN_STEP_STATES, due_at__lt=now
        )
        .select_related("case", "case__enterprise", "case__service", "unit")
        .order_by("due_at")[:limit]
    )


@dataclass(frozen=True)
class LateStep:
    step: ProxyStep
    # Whole working days from the limit's day to today on the district's calendar (0: the
    # limit passed today, after its working hours).
    days_late: int


@dataclass(frozen=True)
class LateSteps:
    """Open proxy steps past their limit that a reader may see, most overdue first."""

    count: int
    rows: list[LateStep]
    # Whether the reader opens the enterprise page (registry readers); a department reads
    # its steps on 代办环节 instead.
    case_pages: bool


# What a desk's row shows: the joined rows' labels only (the sort then carries narrow rows).
LATE_STEP_COLUMNS = (
    "order",
    "name",
    "state",
    "due_at",
    "blocked_reason",
    "case__enterprise__name",
    "case__service__name",
    "unit__name",
)


def late_steps_for(*, user: User, now: datetime, limit: int = 10) -> LateSteps:
    """The overdue proxy steps of the supervision desk (district-wide roles: the district)
    and of a unit's inbox (its subtree's steps): one query whatever their number (the total
    is a window count over the same rows), plus the working calendar (cached per process)
    when there is a row to count days for."""
    rows = list(
        steps_visible_to(user)
        .filter(state__in=OPEN_STEP_STATES, due_at__lt=now)
        .select_related("case", "case__enterprise", "case__service", "unit")
        .only(*LATE_STEP_COLUMNS)
        .annotate(total=Window(Count("pk")))
        .order_by("due_at", "pk")[:limit]
    )
    if not rows:
        return LateSteps(count=0, rows=[], case_pages=False)
    calendar = get_calendar()
    today_local = calendar.local(now).date()
    return LateSteps(
        count=rows[0].total,  # type: ignore[attr-defined]
        rows=[
            LateStep(
                step=step,
                days_late=calendar.workdays_between(
                    calendar.local(step.due_at).date(),  # type: ignore[arg-type]
                    today_local,
                ),
            )
            for step in rows
        ],
        case_pages=may_read_registry(user),
    )


def case_for(user: User, pk: int) -> ProxyCase:
    case = (
        ProxyCase.objects.filter(
            Q(enterprise_id__in=enterprises_visible_to(user).values("pk"))
            | Q(Exists(steps_visible_to(user).filter(case_id=OuterRef("pk"))))
        )
        .select_related("enterprise", "service")
        .prefetch_related("steps__unit")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise EnterpriseNotFound("代办件不存在或不在您的范围内")
    return case


def cases_list(
    *, user: User, open_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[int, list[ProxyCase]]:
    qs = ProxyCase.objects.filter(enterprise_id__in=enterprises_visible_to(user).values("pk"))
    if open_only:
        qs = qs.filter(state=CaseState.OPEN)
    count = qs.count()
    items = list(
        qs.select_related("enterprise", "service").order_by("-created_at", "-id")[
            offset : offset + limit
        ]
    )
    return count, items


# -- the enterprise's own pages ----------------------------------------------------------------


def own_problem(enterprise: Enterprise, pk: int) -> Problem:
    problem = problems_of(enterprise).filter(pk=pk).first()
    if problem is None:
        raise EnterpriseNotFound("问题不存在")
    return problem


def own_case(enterprise: Enterprise, pk: int) -> ProxyCase:
    case = cases_of(enterprise).filter(pk=pk).first()
    if case is None:
        raise EnterpriseNotFound("代办件不存在")
    return case


def enterprise_by_pk(pk: int | None) -> Enterprise | None:
    if pk is None:
        return None
    return Enterprise.objects.filter(pk=pk).first()


def categories() -> list[ProblemCategory]:
    return list(ProblemCategory.objects.filter(is_active=True))


def services() -> list[ProxyService]:
    return list(ProxyService.objects.filter(is_active=True))


def group_by_pk(pk: int) -> ServiceGroup | None:
    return ServiceGroup.objects.filter(pk=pk).first()


def units_by_pks(pks: list[int], *, district_id: int) -> list[Unit]:
    found = {u.pk: u for u in Unit.objects.filter(pk__in=pks)}
    return [found[pk] for pk in pks if pk in found and found[pk].district_pk == district_id]


def lookups_by_pk(**pks: int | None) -> dict[str, Any]:
    """The chain, park, street, officer and group a form or the API names by id (None when
    absent or unknown; the service refuses what is not of the district)."""
    models: dict[str, Any] = {
        "chain": IndustryChain,
        "park": Park,
        "street": Unit,
        "officer": User,
        "group": ServiceGroup,
    }
    out: dict[str, Any] = {}
    for name, pk in pks.items():
        out[name] = models[name].objects.filter(pk=pk).first() if pk else None
    return out


def services_with_steps() -> list[ProxyService]:
    return list(ProxyService.objects.filter(is_active=True).prefetch_related("steps__unit"))


def service_by_pk(pk: int) -> ProxyService:
    service = ProxyService.objects.filter(pk=pk, is_active=True).first()
    if service is None:
        raise EnterpriseNotFound("代办事项不存在")
    return service
