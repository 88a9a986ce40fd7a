"""The enterprise service's figures, aggregated in SQL.

Problems per level, category, unit (the ticket's primary unit), officer and group: problems,
solved, resolution rate (解决率 = solved / problems), average days to close-out and the
enterprises' satisfaction (satisfied or basically satisfied among the rated). Proxy cases
per service, officer and unit: cases, completed, completion rate (代办完成率), on time, and
satisfaction. "问题8类198个，解决区级问题165个，解决率99%" reads off ``problem_figures(by="level")``
and ``by="category"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth

from duban.core.periods import PERIOD_TZ
from duban.tickets.choices import Satisfaction

from .models import CaseState, Level, Problem, ProblemCategory, ProxyCase, ProxyStep

GOOD = [Satisfaction.SATISFIED, Satisfaction.BASIC]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=PERIOD_TZ), datetime(year + 1, 1, 1, tzinfo=PERIOD_TZ)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class ProblemRow:
    key: Any
    label: str
    problems: int
    solved: int
    open: int
    rated: int
    satisfied: int
    avg_days: float | None

    @property
    def resolution_rate(self) -> float | None:
        return rate(self.solved, self.problems)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.rated)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


PROBLEM_GROUPS = {
    "level": ("level", None),
    "category": ("category_id", "category__name"),
    "unit": ("ticket__primary_unit_id", "ticket__primary_unit__name"),
    "officer": ("officer_id", "officer__full_name"),
    "group": ("group_id", "group__name"),
    "month": ("month", None),
}


def _problem_annotations() -> dict[str, Any]:
    return {
        "problems": Count("pk"),
        "solved": Count("pk", filter=Q(solved=True)),
        "open": Count("pk", filter=Q(closed_at__isnull=True)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=GOOD)),
        "avg_days": Avg("close_days"),
    }


def problem_figures(
    *, district_id: int, start: datetime, end: datetime, by: str
) -> list[ProblemRow]:
    """One query: the problems raised in ``[start, end)`` grouped ``by`` level, category,
    unit, officer, group or month."""
    key, label = PROBLEM_GROUPS[by]
    qs = Problem.objects.filter(district_id=district_id, created_at__gte=start, created_at__lt=end)
    if by == "month":
        qs = qs.annotate(month=TruncMonth("created_at", tzinfo=PERIOD_TZ))
    fields = [key] + ([label] if label else [])
    rows = qs.values(*fields).annotate(**_problem_annotations()).order_by(key)
    out = []
    for r in rows:
        if by == "level":
            text = str(Level(r[key]).label)
        elif by == "month":
            text = r[key].strftime("%Y-%m") if r[key] else ""
        else:
            text = r[label] or "未分配"
        avg = r["avg_days"]
        out.append(
            ProblemRow(
                key=r[key] if by != "month" else text,
                label=text,
                problems=r["problems"],
                solved=r["solved"],
                open=r["open"],
                rated=r["rated"],
                satisfied=r["satisfied"],
                avg_days=round(avg, 1) if avg is not None else None,
            )
        )
    if by == "level":
        levels = {v: i for i, v in enumerate(Level.values)}
        out.sort(key=lambda row: levels[row.key])
    if by == "category":
        order: dict[Any, int] = dict(ProblemCategory.objects.values_list("pk", "sort_order"))
        out.sort(key=lambda row: (order.get(row.key, 0), row.label))
    return out


def _empty(key: Any, label: str) -> ProblemRow:
    return ProblemRow(
        key=key, label=label, problems=0, solved=0, open=0, rated=0, satisfied=0, avg_days=None
    )


def problem_total(*, district_id: int, start: datetime, end: datetime) -> ProblemRow:
    r = Problem.objects.filter(
        district_id=district_id, created_at__gte=start, created_at__lt=end
    ).aggregate(**_problem_annotations())
    avg = r["avg_days"]
    return ProblemRow(
        key=None,
        label="合计",
        problems=r["problems"],
        solved=r["solved"],
        open=r["open"],
        rated=r["rated"],
        satisfied=r["satisfied"],
        avg_days=round(avg, 1) if avg is not None else None,
    )


@dataclass(frozen=True)
class ProxyRow:
    key: Any
    label: str
    cases: int
    completed: int
    on_time: int
    rated: int
    satisfied: int

    @property
    def completion_rate(self) -> float | None:
        return rate(self.completed, self.cases)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.completed)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.rated)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "completion_rate": self.completion_rate,
            "on_time_rate": self.on_time_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


PROXY_GROUPS = {
    "service": ("service_id", "service__name"),
    "officer": ("officer_id", "officer__full_name"),
    "month": ("month", None),
}


def _proxy_annotations() -> dict[str, Any]:
    return {
        "cases": Count("pk"),
        "completed": Count("pk", filter=Q(state=CaseState.COMPLETED)),
        "on_time": Count("pk", filter=Q(on_time=True)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=GOOD)),
    }


def _proxy_row(key: Any, label: str, r: dict[str, Any]) -> ProxyRow:
    return ProxyRow(
        key=key,
        label=label,
        cases=r["cases"],
        completed=r["completed"],
        on_time=r["on_time"],
        rated=r["rated"],
        satisfied=r["satisfied"],
    )


def proxy_figures(*, district_id: int, start: datetime, end: datetime, by: str) -> list[ProxyRow]:
    """One query: the proxy cases opened in ``[start, end)`` per service, officer or month."""
    key, label = PROXY_GROUPS[by]
    qs = ProxyCase.objects.filter(
        district_id=district_id, created_at__gte=start, created_at__lt=end
    )
    if by == "month":
        qs = qs.annotate(month=TruncMonth("created_at", tzinfo=PERIOD_TZ))
    fields = [key] + ([label] if label else [])
    rows = qs.values(*fields).annotate(**_proxy_annotations()).order_by(key)
    out = []
    for r in rows:
        if by == "month":
            text = r[key].strftime("%Y-%m") if r[key] else ""
            out.append(_proxy_row(text, text, r))
        else:
            out.append(_proxy_row(r[key], r[label] or "未分配", r))
    return out


def proxy_total(*, district_id: int, start: datetime, end: datetime) -> ProxyRow:
    r = ProxyCase.objects.filter(
        district_id=district_id, created_at__gte=start, created_at__lt=end
    ).aggregate(**_proxy_annotations())
    return _proxy_row(None, "合计", r)


@dataclass(frozen=True)
class StepRow:
    key: int
    label: str
    steps: int
    done: int
    late: int
    open_overdue: int

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.done - self.late, self.done)


def step_figures_by_unit(
    *, district_id: int, start: datetime, end: datetime, now: datetime
) -> list[StepRow]:
    """Per responsible unit: steps of the cases opened in the period, done, done late and
    open past their limit (one query)."""
    rows = (
        ProxyStep.objects.filter(
            case__district_id=district_id, case__created_at__gte=start, case__created_at__lt=end
        )
        .exclude(state="waiting")
        .values("unit_id", "unit__name")
        .annotate(
            steps=Count("pk"),
            done=Count("pk", filter=Q(state="done")),
            late=Count("pk", filter=Q(late=True)),
            open_overdue=Count(
                "pk", filter=Q(state__in=["pending", "accepted", "blocked"], due_at__lt=now)
            ),
        )
        .order_by("unit__name")
    )
    return [
        StepRow(
            key=r["unit_id"],
            label=r["unit__name"],
            steps=r["steps"],
            done=r["done"],
            late=r["late"],
            open_overdue=r["open_overdue"],
        )
        for r in rows
    ]


def year_figures(*, district_id: int, year: int) -> dict[str, Any]:
    """The API's ``enterprise-figures``: the year's problems per level and category and its
    proxy cases, with their totals."""
    start, end = year_bounds(year)
    kw: dict[str, Any] = {"district_id": district_id, "start": start, "end": end}
    proxy = proxy_total(**kw)
    levels = {r.key: r for r in problem_figures(by="level", **kw)}
    cats = {r.key: r for r in problem_figures(by="category", **kw)}
    for value, label in Level.choices:
        levels.setdefault(value, _empty(value, str(label)))
    for pk, name in ProblemCategory.objects.filter(is_active=True).values_list("pk", "name"):
        cats.setdefault(pk, _empty(pk, name))
    order: dict[Any, int] = dict(ProblemCategory.objects.values_list("pk", "sort_order"))
    return {
        "year": year,
        "problems": problem_total(**kw).as_dict(),
        "by_level": [levels[v].as_dict() for v in Level.values],
        "by_category": [
            r.as_dict() for r in sorted(cats.values(), key=lambda r: (order.get(r.key, 0), r.label))
        ],
        "proxy": {
            **proxy.as_dict(),
            "by_service": [r.as_dict() for r in proxy_figures(by="service", **kw)],
        },
    }


@dataclass(frozen=True)
class VisitFigures:
    visits: int
    enterprises: int


def visits_between(*, district_id: int, start: datetime, end: datetime) -> VisitFigures:
    from .models import Visit

    s, e = start.astimezone(PERIOD_TZ).date(), end.astimezone(PERIOD_TZ).date()
    r = Visit.objects.filter(
        district_id=district_id, visited_on__gte=s, visited_on__lt=e
    ).aggregate(visits=Count("pk"), enterprises=Count("enterprise_id", distinct=True))
    return VisitFigures(visits=r["visits"], enterprises=r["enterprises"])
