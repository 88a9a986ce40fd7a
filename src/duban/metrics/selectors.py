"""Reads of the figures and rankings, aggregated in SQL (see docs/metrics.md).

Every function runs a fixed number of queries whatever the number of units or
tickets: one for the settings row, then one or two aggregate queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal, cast

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Rank

from duban.core.errors import InvalidInput
from duban.core.periods import Period, month_period, parse_period, period_containing
from duban.org.models import Unit, UnitKind, User
from duban.tickets.choices import AssignmentRole, AssignmentStatus
from duban.tickets.models import Ticket, TicketAssignment

from .expressions import LocalMonth, Weights, composite, ticket_counts, ticket_rates
from .figures import (
    COUNT_FIELDS,
    RATE_FIELDS,
    CategoryFigures,
    Figures,
    MonthFigures,
    Ranking,
    RankingEntry,
    UnitFigures,
)
from .models import MetricSettings

RankingGroup = Literal["streets", "departments"]
GROUP_KINDS: dict[str, str] = {"streets": UnitKind.STREET, "departments": UnitKind.DEPARTMENT}
UNCATEGORISED = "未分类"


# --- scope ----------------------------------------------------------------------

# Matches no unit and no rollup row: a reader without a unit reads no district's figures.
NO_DISTRICT = 0


def reader_district(user: User) -> int:
    """The district whose figures a reader sees: their unit's (``NO_DISTRICT`` without one).

    The selectors' ``district=None`` means every district; pages and the API never pass it.
    """
    return user.district_pk or NO_DISTRICT


# --- settings -------------------------------------------------------------------


def get_metric_settings() -> MetricSettings:
    """The single settings row (a migration creates it); the defaults, unsaved, if missing.

    One query; a read never writes (the admin edits the row).
    """
    return MetricSettings.objects.order_by("pk").first() or MetricSettings()


def weights_of(ms: MetricSettings) -> Weights:
    """Weights as floats; negative weights count 0 and 基本满意 counts at most 1."""
    return Weights(
        response=max(0.0, float(ms.response_weight)),
        resolution=max(0.0, float(ms.resolution_weight)),
        satisfaction=max(0.0, float(ms.satisfaction_weight)),
        basic_satisfied=min(1.0, max(0.0, float(ms.basic_satisfied_weight))),
    )


# --- query builders -------------------------------------------------------------


def _with_figures(qs: QuerySet[Any], p: str, *, now: datetime, weights: Weights) -> QuerySet[Any]:
    """Add the counts, then the rates (except the return rate), then the composite."""
    counts = ticket_counts(p, now=now)
    return (
        qs.annotate(**counts)
        .annotate(**ticket_rates(weights))
        .annotate(composite=composite(weights))
    )


def _units_queryset(units: Iterable[Unit] | QuerySet[Unit] | None) -> QuerySet[Unit]:
    if units is None:
        return Unit.objects.active().filter(kind__in=[UnitKind.STREET, UnitKind.DEPARTMENT])
    if isinstance(units, QuerySet):
        return units
    return Unit.objects.filter(pk__in=[u.pk for u in units])


def _primary_assignments(start: datetime, end: datetime) -> QuerySet[TicketAssignment]:
    return TicketAssignment.objects.filter(
        role=AssignmentRole.PRIMARY, assigned_at__gte=start, assigned_at__lt=end
    ).order_by()


def _unit_figures_queryset(
    *,
    start: datetime,
    end: datetime,
    units: Iterable[Unit] | QuerySet[Unit] | None,
    now: datetime,
    weights: Weights,
) -> QuerySet[Any, dict[str, Any]]:
    """One row per unit (also units without tickets): ``values()`` rows of the figures.

    Tickets are joined through a ``FilteredRelation`` whose ON clause carries the
    period, so the join uses the ``ticket_unit_period`` index. The assignment counts
    come from one grouped query (:func:`_with_assignment_counts`): as correlated
    subqueries in this aggregate SQLite evaluated them once per joined ticket row.
    """
    period_tickets = FilteredRelation(
        "primary_tickets",
        condition=Q(
            primary_tickets__dispatched_at__gte=start, primary_tickets__dispatched_at__lt=end
        ),
    )
    qs = cast(
        "QuerySet[Any, dict[str, Any]]",
        _units_queryset(units)
        .annotate(t=period_tickets)
        .values("pk", "code", "name", "kind", "path"),
    )
    return _with_figures(qs, "t__", now=now, weights=weights)


def _with_assignment_counts(
    rows: Iterable[dict[str, Any]], *, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Add primary-assignment and return counts (one grouped query) to unit rows."""
    rows = list(rows)
    counts = {
        r["unit"]: r
        for r in _primary_assignments(start, end)
        .filter(unit__in=[r["pk"] for r in rows])
        .values("unit")
        .annotate(
            primary=Count("pk"), returned=Count("pk", filter=Q(status=AssignmentStatus.RETURNED))
        )
    }
    for row in rows:
        c = counts.get(row["pk"], {"primary": 0, "returned": 0})
        row["n_primary_assignments"], row["n_returned"] = c["primary"], c["returned"]
        row["return_rate"] = c["returned"] / c["primary"] if c["primary"] else None
    return rows


# --- row → dataclass ------------------------------------------------------------


def _figure_values(row: dict[str, Any], *, start: datetime, end: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"period_start": start, "period_end": end}
    for name in COUNT_FIELDS:
        values[name] = int(row.get(f"n_{name}") or 0)
    for name in (*RATE_FIELDS, "composite", "mean_handling_hours"):
        value = row.get(name)
        values[name] = None if value is None else float(value)
    return values


def _with_returns(values: dict[str, Any], primary: int, returned: int) -> dict[str, Any]:
    values["primary_assignments"] = primary
    values["returned"] = returned
    values["return_rate"] = returned / primary if primary else None
    return values


def _unit_record(row: dict[str, Any], *, start: datetime, end: datetime) -> UnitFigures:
    return UnitFigures(
        unit_id=row["pk"],
        unit_code=row["code"],
        unit_name=row["name"],
        unit_kind=row["kind"],
        **_figure_values(row, start=start, end=end),
    )


# --- figures --------------------------------------------------------------------


def unit_figures(
    *,
    period_start: datetime,
    period_end: datetime,
    units: Iterable[Unit] | QuerySet[Unit] | None = None,
    now: datetime,
    settings: MetricSettings | None = None,
) -> list[UnitFigures]:
    """Figures per unit over tickets whose primary unit it is, dispatched in the period.

    ``units`` defaults to every active street and department; every requested unit
    gets a record, with zero counts and ``None`` rates when it had no tickets.
    Two queries (one without ``settings``).
    """
    weights = weights_of(settings or get_metric_settings())
    qs = _unit_figures_queryset(
        start=period_start, end=period_end, units=units, now=now, weights=weights
    ).order_by("path")
    rows = _with_assignment_counts(qs, start=period_start, end=period_end)
    return [_unit_record(row, start=period_start, end=period_end) for row in rows]


def district_figures(
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    settings: MetricSettings | None = None,
    district: int | None = None,
) -> Figures:
    """All dispatched tickets of the period combined (three queries).

    ``district``: that district's tickets only (None: every district).
    """
    weights = weights_of(settings or get_metric_settings())
    tickets = Ticket.objects.dispatched_between(period_start, period_end)
    assignments = _primary_assignments(period_start, period_end)
    if district is not None:
        tickets = tickets.filter(district_id=district)
        assignments = assignments.filter(ticket__district_id=district)
    qs = tickets.order_by().annotate(_all=Value(1)).values("_all")
    row = _with_figures(qs, "", now=now, weights=weights).get()
    returns = assignments.aggregate(
        primary=Count("pk"), returned=Count("pk", filter=Q(status=AssignmentStatus.RETURNED))
    )
    values = _figure_values(row, start=period_start, end=period_end)
    return Figures(**_with_returns(values, returns["primary"], returns["returned"]))


def _category_root(prefix: str) -> dict[str, Any]:
    """Level-1 ancestor of a ticket's category (the catalogue has three levels)."""
    c = f"{prefix}category"
    return {
        "root_id": Coalesce(f"{c}__parent__parent_id", f"{c}__parent_id", f"{c}_id"),
        "root_name": Coalesce(f"{c}__parent__parent__name", f"{c}__parent__name", f"{c}__name"),
    }


def figures_by_category(
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    units: Iterable[Unit] | QuerySet[Unit] | None = None,
    settings: MetricSettings | None = None,
) -> list[CategoryFigures]:
    """Figures per level-1 category, busiest first (three queries).

    ``units`` restricts to tickets whose primary unit is one of them (default: all).
    Uncategorised tickets form one group with ``category_id=None``.
    """
    weights = weights_of(settings or get_metric_settings())
    tickets = Ticket.objects.dispatched_between(period_start, period_end).order_by()
    assignments = _primary_assignments(period_start, period_end)
    if units is not None:
        unit_qs = _units_queryset(units)
        tickets = tickets.filter(primary_unit__in=unit_qs)
        assignments = assignments.filter(unit__in=unit_qs)
    qs = tickets.annotate(**_category_root("")).values("root_id", "root_name")
    rows = _with_figures(qs, "", now=now, weights=weights).order_by("-n_dispatched", "root_name")
    returns = {
        r["root_id"]: r
        for r in assignments.annotate(**_category_root("ticket__"))
        .values("root_id")  # type: ignore[misc]
        .annotate(
            primary=Count("pk"), returned=Count("pk", filter=Q(status=AssignmentStatus.RETURNED))
        )
    }
    records = []
    for row in rows:
        ret = returns.get(row["root_id"], {"primary": 0, "returned": 0})
        values = _figure_values(row, start=period_start, end=period_end)
        records.append(
            CategoryFigures(
                category_id=row["root_id"],
                category_name=row["root_name"] or UNCATEGORISED,
                **_with_returns(values, ret["primary"], ret["returned"]),
            )
        )
    return records


def _empty_values(start: datetime, end: datetime) -> dict[str, Any]:
    return _figure_values({}, start=start, end=end)


def monthly_series(
    *,
    unit: Unit | None = None,
    months: int = 12,
    now: datetime,
    settings: MetricSettings | None = None,
) -> list[MonthFigures]:
    """Figures per month for the ``months`` months up to the one containing ``now``.

    Oldest first; months without tickets are present with zero counts. For one unit
    (its primary tickets) or, with ``unit=None``, the whole district. Three queries.
    """
    if months < 1:
        raise InvalidInput("月份数须大于 0 / months must be at least 1", field="months")
    weights = weights_of(settings or get_metric_settings())
    last = period_containing(now)
    periods = [last]
    while len(periods) < months:
        periods.append(periods[-1].previous)
    periods.reverse()
    start, end = periods[0].start, periods[-1].end

    tickets = Ticket.objects.dispatched_between(start, end).order_by()
    assignments = _primary_assignments(start, end)
    if unit is not None:
        tickets = tickets.filter(primary_unit=unit)
        assignments = assignments.filter(unit=unit)
    qs = tickets.annotate(month=LocalMonth("dispatched_at")).values("month")
    rows = {r["month"]: r for r in _with_figures(qs, "", now=now, weights=weights)}
    returns = {
        r["month"]: r
        for r in assignments.annotate(month=LocalMonth("assigned_at"))
        .values("month")
        .annotate(
            primary=Count("pk"), returned=Count("pk", filter=Q(status=AssignmentStatus.RETURNED))
        )
    }
    series = []
    for period in periods:
        row = rows.get(period.label)
        values = (
            _figure_values(row, start=period.start, end=period.end)
            if row
            else _empty_values(period.start, period.end)
        )
        ret = returns.get(period.label, {"primary": 0, "returned": 0})
        series.append(
            MonthFigures(
                period=period.label, **_with_returns(values, ret["primary"], ret["returned"])
            )
        )
    return series


# --- rankings -------------------------------------------------------------------


def _ranked_rows(
    period: Period,
    *,
    kind: str,
    now: datetime,
    weights: Weights,
    min_volume: int,
    district: int | None = None,
) -> list[dict[str, Any]]:
    """Figures of every active unit of ``kind`` with its rank (NULL when not ranked).

    Eligible units (volume ≥ min_volume and a composite) are ranked by composite,
    highest first, with SQL ``RANK()`` (ties share a rank) partitioned by eligibility.
    ``district``: that district's units only.
    """
    units = Unit.objects.active().filter(kind=kind)
    if district is not None:
        units = units.in_district(district)
    qs: QuerySet[Any, dict[str, Any]] = _unit_figures_queryset(
        start=period.start, end=period.end, units=units, now=now, weights=weights
    )
    qs = qs.annotate(
        eligible=Case(
            When(Q(n_dispatched__gte=min_volume) & Q(composite__isnull=False), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).annotate(
        position=Window(
            Rank(), partition_by=[F("eligible")], order_by=[F("composite").desc(nulls_last=True)]
        )
    )
    rows = qs.order_by("-eligible", "position", "sort_order", "path")
    return _with_assignment_counts(rows, start=period.start, end=period.end)


RankedRows = Callable[..., list[dict[str, Any]]]


def rankings(
    *,
    period: str,
    group: RankingGroup | str,
    now: datetime,
    settings: MetricSettings | None = None,
    ranked_rows: RankedRows | None = None,
    district: int | None = None,
) -> Ranking:
    """飞虎榜/蜗牛榜 of one month among streets or among departments (three queries).

    ``period`` is "YYYY-MM"; the previous month is ranked the same way (with today's
    settings and ``now``) to give each entry its rank change. ``ranked_rows`` computes
    each month's rows (default: live over the tickets; ``selectors_rollup`` passes
    its own, over the monthly rollup). ``district``: rank that district's units only.
    """
    rows_of = ranked_rows or _ranked_rows
    if group not in GROUP_KINDS:
        raise InvalidInput(
            f"排名分组应为 streets 或 departments / group must be streets or departments: {group!r}",
            field="group",
        )
    current = parse_period(period)
    previous = current.previous
    ms = settings or get_metric_settings()
    weights = weights_of(ms)
    min_volume = max(1, int(ms.min_volume))
    kind = GROUP_KINDS[group]
    args: dict[str, Any] = {
        "kind": kind,
        "now": now,
        "weights": weights,
        "min_volume": min_volume,
        "district": district,
    }
    rows = rows_of(current, **args)
    before = {r["pk"]: r for r in rows_of(previous, **args) if r["eligible"]}

    ranked: list[RankingEntry] = []
    not_ranked: list[RankingEntry] = []
    for row in rows:
        figures = _unit_record(row, start=current.start, end=current.end)
        prev = before.get(row["pk"])
        prev_rank = prev["position"] if prev else None
        prev_composite = prev["composite"] if prev else None
        if row["eligible"]:
            rank = row["position"]
            ranked.append(
                RankingEntry(
                    rank=rank,
                    figures=figures,
                    previous_rank=prev_rank,
                    rank_change=None if prev_rank is None else prev_rank - rank,
                    previous_composite=prev_composite,
                    composite_change=(
                        None
                        if prev_composite is None or figures.composite is None
                        else figures.composite - prev_composite
                    ),
                )
            )
        else:
            reason = "min_volume" if figures.dispatched < min_volume else "no_rates"
            not_ranked.append(
                RankingEntry(
                    rank=None,
                    figures=figures,
                    previous_rank=prev_rank,
                    rank_change=None,
                    previous_composite=prev_composite,
                    composite_change=None,
                    not_ranked_reason=reason,
                )
            )

    top_n = int(ms.top_n)
    top = tuple(ranked[:top_n])
    rest = ranked[len(top) :]
    bottom = tuple(reversed(rest[-top_n:])) if top_n else ()
    return Ranking(
        period=current.label,
        previous_period=previous.label,
        group=group,
        period_start=current.start,
        period_end=current.end,
        min_volume=min_volume,
        top_n=top_n,
        ranked=tuple(ranked),
        not_ranked=tuple(not_ranked),
        top=top,
        bottom=bottom,
    )


__all__ = [
    "district_figures",
    "figures_by_category",
    "get_metric_settings",
    "month_period",
    "monthly_series",
    "parse_period",
    "rankings",
    "unit_figures",
]
