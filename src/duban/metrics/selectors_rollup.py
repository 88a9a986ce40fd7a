"""Figures read from the monthly rollup (built by ``services.py``) instead of the tickets.

Same records and the same rate and composite expressions as ``selectors``: the
rollup's columns are summed under the ``n_<field>`` names that ``ticket_rates`` and
``composite`` reference, so a figure is defined once. A read is one query for the
months' freshness plus one aggregate over at most (units × categories) rows a month;
a stale or missing month is recomputed first (``services.ensure_fresh``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet, Sum

from duban.core.periods import Period, months_back, parse_period
from duban.org.models import Unit, path_segment
from duban.tickets.models import Category

from .expressions import Weights, composite, ratio, ticket_rates
from .figures import CategoryFigures, MonthFigures, Ranking, UnitFigures
from .models import MetricSettings, MonthlyRollup, RollupPeriod
from .rollup_rows import SUM_COLUMNS
from .selectors import (
    GROUP_KINDS,
    UNCATEGORISED,
    _figure_values,
    _units_queryset,
    _with_returns,
    get_metric_settings,
    rankings,
    weights_of,
)
from .services import ensure_fresh


@dataclass(frozen=True)
class RollupView:
    """The dashboard's figures from the rollup, with the moment they are as of."""

    series: list[MonthFigures]
    by_unit: list[UnitFigures]
    by_category: list[CategoryFigures]
    as_of: datetime


def _summed(qs: QuerySet[MonthlyRollup], group: Sequence[str], weights: Weights) -> QuerySet[Any]:
    sums = {f"n_{c}": Sum(c) for c in SUM_COLUMNS}
    return (
        qs.order_by()
        .values(*group)
        .annotate(**sums)
        .annotate(
            **ticket_rates(weights),
            mean_handling_hours=ratio(F("n_handling_hours_sum"), F("n_handling_count")),
        )
        .annotate(composite=composite(weights))
    )


def _values(
    row: dict[str, Any] | None, period_start: datetime, period_end: datetime
) -> dict[str, Any]:
    row = row or {}
    values = _figure_values(row, start=period_start, end=period_end)
    return _with_returns(
        values, int(row.get("n_primary_assignments") or 0), int(row.get("n_returned") or 0)
    )


def _scoped(
    periods: Sequence[Period], unit: Unit | None, district: int | None = None
) -> QuerySet[MonthlyRollup]:
    """The months' rows of one unit (its primary tickets) or of one district (all of them).

    ``district`` None with ``unit`` None: every district (tests, one-district commands).
    """
    qs = MonthlyRollup.objects.filter(period__in=[p.label for p in periods])
    if district is not None:
        qs = qs.filter(district_id=district)
    return qs if unit is None else qs.filter(unit=unit)


def _district_units(units: Sequence[Unit] | None, district: int | None) -> QuerySet[Unit]:
    qs = _units_queryset(units)
    if units is not None or district is None:
        return qs
    return qs.filter(path__startswith=path_segment(district))


def series_from_rollup(
    *,
    last: Period,
    months: int,
    unit: Unit | None,
    weights: Weights,
    district: int | None = None,
) -> list[MonthFigures]:
    """``months`` months up to ``last``, oldest first (the rollup must be fresh)."""
    periods = months_back(last.start, months)
    qs = _scoped(periods, unit, district)
    rows = {r["period"]: r for r in _summed(qs, ["period"], weights)}
    return [
        MonthFigures(period=p.label, **_values(rows.get(p.label), p.start, p.end)) for p in periods
    ]


def units_from_rollup(
    *,
    period: Period,
    units: Sequence[Unit] | None,
    weights: Weights,
    district: int | None = None,
) -> list[UnitFigures]:
    """Every requested unit (default: the district's active streets and departments), by path."""
    unit_rows = list(
        _district_units(units, district).order_by("path").values("pk", "code", "name", "kind")
    )
    qs = MonthlyRollup.objects.filter(period=period.label, unit__in=[u["pk"] for u in unit_rows])
    rows = {r["unit"]: r for r in _summed(qs, ["unit"], weights)}
    return [
        UnitFigures(
            unit_id=u["pk"],
            unit_code=u["code"],
            unit_name=u["name"],
            unit_kind=u["kind"],
            **_values(rows.get(u["pk"]), period.start, period.end),
        )
        for u in unit_rows
    ]


def categories_from_rollup(
    *, period: Period, unit: Unit | None, weights: Weights, district: int | None = None
) -> list[CategoryFigures]:
    """Level-1 categories with tickets dispatched in the month, busiest first."""
    qs = _scoped([period], unit, district)
    rows = [r for r in _summed(qs, ["category"], weights) if r["n_dispatched"]]
    names = dict(
        Category.objects.filter(pk__in=[r["category"] for r in rows if r["category"]]).values_list(
            "pk", "name"
        )
    )
    records = [
        CategoryFigures(
            category_id=r["category"],
            category_name=names.get(r["category"]) or UNCATEGORISED,
            **_values(r, period.start, period.end),
        )
        for r in rows
    ]
    records.sort(key=lambda f: (-f.dispatched, f.category_name))
    return records


def _competition_ranks(rows: list[dict[str, Any]]) -> None:
    """SQL ``RANK() OVER (ORDER BY composite DESC NULLS LAST)``: ties share a rank."""
    rows.sort(key=lambda r: (r["composite"] is None, -(r["composite"] or 0.0)))
    for i, row in enumerate(rows):
        same = i and rows[i - 1]["composite"] == row["composite"]
        row["position"] = rows[i - 1]["position"] if same else i + 1


def _ranked_rollup_rows(
    period: Period,
    *,
    units: Sequence[Mapping[str, Any]],
    weights: Weights,
    min_volume: int,
    **_: Any,
) -> list[dict[str, Any]]:
    """The rows ``selectors.rankings`` ranks, from the (fresh) rollup instead of the tickets."""
    qs = MonthlyRollup.objects.filter(period=period.label, unit__in=[u["pk"] for u in units])
    sums = {r["unit"]: r for r in _summed(qs, ["unit"], weights)}
    rows = []
    for unit in units:
        row = {**unit, **sums.get(unit["pk"], {"composite": None})}
        primary, returned = row.get("n_primary_assignments") or 0, row.get("n_returned") or 0
        row["return_rate"] = returned / primary if primary else None
        row["eligible"] = int(
            (row.get("n_dispatched") or 0) >= min_volume and row["composite"] is not None
        )
        rows.append(row)
    eligible = [r for r in rows if r["eligible"]]
    others = [r for r in rows if not r["eligible"]]
    _competition_ranks(eligible)
    _competition_ranks(others)
    order = lambda r: (r["position"], r["sort_order"], r["path"])  # noqa: E731
    return sorted(eligible, key=order) + sorted(others, key=order)


def rankings_from_rollup(
    *,
    period: str,
    group: str,
    now: datetime,
    settings: MetricSettings | None = None,
    district: int | None = None,
) -> Ranking:
    """:func:`selectors.rankings` over the monthly rollup: the same records.

    Five queries, as the live rankings: settings, the two months' freshness, the
    units, one sum over each month's rollup rows. ``district``: rank that district's
    units only (None: every active unit of the group).
    """
    kind = GROUP_KINDS.get(group)
    if kind is None:  # the live function refuses it, before anything is computed
        return rankings(period=period, group=group, now=now, settings=settings)
    current = parse_period(period)
    ensure_fresh([current.previous, current], now=now)
    candidates = Unit.objects.active().filter(kind=kind)
    if district is not None:
        candidates = candidates.in_district(district)
    units = list(candidates.values("pk", "code", "name", "kind", "path", "sort_order"))

    def rows(month: Period, **kwargs: Any) -> list[dict[str, Any]]:
        return _ranked_rollup_rows(month, units=units, **kwargs)

    return rankings(period=period, group=group, now=now, settings=settings, ranked_rows=rows)


def dashboard_figures(
    *,
    period: Period,
    unit: Unit | None,
    now: datetime,
    months: int = 12,
    settings: MetricSettings | None = None,
    district: int | None = None,
) -> RollupView:
    """Twelve-month series, units and categories of ``period`` for the district or one unit.

    ``unit`` None: the district ``district`` (all its tickets; its streets and
    departments in ``by_unit``); otherwise that unit's primary tickets only.
    """
    weights = weights_of(settings or get_metric_settings())
    as_of = ensure_fresh(months_back(period.start, months), now=now)
    units = None if unit is None else [unit]
    return RollupView(
        series=series_from_rollup(
            last=period, months=months, unit=unit, weights=weights, district=district
        ),
        by_unit=units_from_rollup(period=period, units=units, weights=weights, district=district),
        by_category=categories_from_rollup(
            period=period, unit=unit, weights=weights, district=district
        ),
        as_of=as_of,
    )


def months_as_of(periods: Sequence[Period], *, now: datetime) -> dict[str, datetime]:
    """Refresh the months that need it; the moment each month's counts are as of.

    The cut-off of the time-dependent counts (overdue, accept deadline passed): a reader
    that lists the tickets behind a count lists them as of this moment. Two queries when
    the months are fresh.
    """
    ensure_fresh(periods, now=now)
    labels = [p.label for p in periods]
    return dict(RollupPeriod.objects.filter(period__in=labels).values_list("period", "computed_at"))


def month_figures(
    *,
    period: Period,
    unit: Unit | None,
    now: datetime,
    district: int | None,
    settings: MetricSettings | None = None,
) -> MonthFigures | UnitFigures:
    """One month's figures of a unit or of a district from the rollup (the metrics API).

    The same rows the dashboard, the report and the circular sum, so the same numbers.
    Three queries when the month is fresh (settings, freshness, one sum).
    """
    weights = weights_of(settings or get_metric_settings())
    ensure_fresh([period], now=now)
    if unit is not None:
        (figures,) = units_from_rollup(period=period, units=[unit], weights=weights)
        return figures
    (month,) = series_from_rollup(
        last=period, months=1, unit=None, weights=weights, district=district
    )
    return month


def unit_overdue_counts(*, period: Period, district: int) -> list[tuple[int, int]]:
    """(primary unit, overdue tickets) of the district's month, units in tree order, those
    with none left out: the month's overdue figure split by unit (one query)."""
    rows = (
        MonthlyRollup.objects.filter(period=period.label, district_id=district)
        .values("unit_id", "unit__path")
        .annotate(n=Sum("overdue_count"))
        .filter(n__gt=0)
        .order_by("unit__path")
    )
    return [(r["unit_id"], r["n"]) for r in rows]
