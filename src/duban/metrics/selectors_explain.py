"""Why a ranking row is where it is (「为何如此」): the counts behind each rate, the weights
of the composite, the rank group and minimum volume, and the exemptions (核减).

Built from the very ranking the page, the circular and the API show
(``selectors_rollup.rankings_from_rollup``): every number of the explanation is a field of
the row's figures or of ``MetricSettings``, never recomputed from the tickets, so it cannot
disagree with the row. Only the exemptions' list is read from the tickets, and only for a
reader who may see the unit's tickets (district-wide roles, the unit's own staff); the
others see how many were taken out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.core.errors import NotFound
from duban.org.models import Unit, User
from duban.tickets.choices import ExemptionReason, ExemptionStatus
from duban.tickets.models import TicketExemption

from .expressions import Weights
from .figures import Ranking, RankingEntry, UnitFigures
from .selectors import get_metric_settings, reader_district, weights_of
from .selectors_rollup import rankings_from_rollup

GROUP_LABELS = {"streets": gettext_lazy("街道/镇"), "departments": gettext_lazy("部门")}
NOT_RANKED = {
    "min_volume": gettext_lazy("派单量不足参与排名的最少件数"),
    "no_rates": gettext_lazy("尚无响应率、解决率、满意率，无法计算综合得分"),
}


@dataclass(frozen=True)
class Term:
    """One count of a rate: its label, the count and the factor it is taken with."""

    label: str
    count: int
    factor: float = 1.0  # 基本满意 counts with MetricSettings.basic_satisfied_weight


@dataclass(frozen=True)
class RateLine:
    """``key = (Σ numerator terms) ÷ denominator``, and its part of the composite."""

    key: str  # the figures' field, e.g. "response_rate"
    label: str
    numerator: tuple[Term, ...]
    denominator: Term
    value: float | None  # the row's own rate (None when the denominator is 0)
    weight: float | None = None  # its weight in the composite; None: not part of it
    points: float | None = None  # 100 × weight × value ÷ Σ weights of the rates present


@dataclass(frozen=True)
class ExemptionLine:
    ticket_number: str
    reason_kind: str
    reason_label: str
    ruled_at: datetime | None


@dataclass(frozen=True)
class Explanation:
    period: str
    previous_period: str
    group: str
    group_label: str
    unit_id: int
    unit_name: str
    rank: int | None
    ranked_units: int  # units ranked in the group this month
    board: str | None  # "top" (飞虎榜), "bottom" (蜗牛榜) or None
    not_ranked_reason: str | None  # "min_volume" | "no_rates"
    not_ranked_text: str
    dispatched: int  # the volume the minimum is compared with (exempted tickets left out)
    min_volume: int
    exempted: int  # tickets an approved exemption took out of every count
    rates: tuple[RateLine, ...]
    weight_total: float  # Σ composite weights of the rates present (the re-normalisation)
    composite: float | None
    previous_rank: int | None
    rank_change: int | None
    previous_composite: float | None
    composite_change: float | None
    # The exempted tickets, for a reader who may see the unit's tickets; None otherwise.
    exemptions: tuple[ExemptionLine, ...] | None


def _rate_lines(f: UnitFigures, w: Weights) -> tuple[tuple[RateLine, ...], float]:
    """The six rates of the row with their counts; the composite's weight total."""
    composite_rates = (
        ("response_rate", w.response),
        ("resolution_rate", w.resolution),
        ("satisfaction_rate", w.satisfaction),
    )
    weight_total = sum(w for key, w in composite_rates if getattr(f, key) is not None)

    def line(key: str, label: str, numerator: tuple[Term, ...], denominator: Term) -> RateLine:
        value = getattr(f, key)
        weight = dict(composite_rates).get(key)
        points = None
        if weight is not None and value is not None and weight_total:
            points = 100.0 * weight * value / weight_total
        return RateLine(key, label, numerator, denominator, value, weight, points)

    rated = Term(_("已评价"), f.rated)
    return (
        line(
            "response_rate",
            _("响应率"),
            (Term(_("按时签收并联系"), f.responded_in_time),),
            Term(_("应响应"), f.due_for_response),
        ),
        line("resolution_rate", _("解决率"), (Term(_("已解决"), f.resolved),), rated),
        line(
            "satisfaction_rate",
            _("满意率"),
            (
                Term(_("满意"), f.satisfied),
                Term(_("基本满意"), f.basic_satisfied, w.basic_satisfied),
            ),
            rated,
        ),
        line(
            "on_time_rate",
            _("按期办结率"),
            (Term(_("按期答复"), f.replied_on_time),),
            Term(_("已答复"), f.replied),
        ),
        line(
            "return_rate",
            _("退单率"),
            (Term(_("退单"), f.returned),),
            Term(_("主办派单"), f.primary_assignments),
        ),
        line(
            "reopen_rate",
            _("重办率"),
            (Term(_("重办"), f.reopened),),
            Term(_("已办结或已评价"), f.closed_or_rated),
        ),
    ), weight_total


def exempted_tickets(
    *, unit_id: int, period_start: datetime, period_end: datetime
) -> tuple[ExemptionLine, ...]:
    """The tickets an approved exemption took out of the unit's month (one query).

    The tickets the rollup's ``exempted`` counts: primary unit ``unit_id``, dispatched in
    the month, exempt; each with the approved request's reason and ruling date.
    """
    rows = (
        TicketExemption.objects.filter(
            status=ExemptionStatus.APPROVED,
            ticket__exempt=True,
            ticket__primary_unit_id=unit_id,
            ticket__dispatched_at__gte=period_start,
            ticket__dispatched_at__lt=period_end,
        )
        .order_by("ruled_at", "ticket__number")
        .values_list("ticket__number", "reason_kind", "ruled_at")
    )
    labels = dict(ExemptionReason.choices)
    return tuple(
        ExemptionLine(number, kind, str(labels.get(kind, kind)), ruled_at)
        for number, kind, ruled_at in rows
    )


def _find(ranking: Ranking, unit_id: int) -> RankingEntry:
    for entry in (*ranking.ranked, *ranking.not_ranked):
        if entry.unit_id == unit_id:
            return entry
    raise NotFound("该单位不在此排名中 / the unit is not in this ranking", field="unit")


def explain_entry(*, ranking: Ranking, unit: Unit, reader: User, weights: Weights) -> Explanation:
    """The explanation of ``unit``'s row in ``ranking``, ranked with ``weights`` (one query
    for the exemptions when the reader may see them, none otherwise)."""
    entry = _find(ranking, unit.pk)
    f = entry.figures
    rates, weight_total = _rate_lines(f, weights)
    board = None
    if any(e.unit_id == unit.pk for e in ranking.top):
        board = "top"
    elif any(e.unit_id == unit.pk for e in ranking.bottom):
        board = "bottom"
    exemptions = None
    if reader.can_see_unit(unit):
        exemptions = exempted_tickets(
            unit_id=unit.pk, period_start=ranking.period_start, period_end=ranking.period_end
        )
    reason = entry.not_ranked_reason
    return Explanation(
        period=ranking.period,
        previous_period=ranking.previous_period,
        group=ranking.group,
        group_label=str(GROUP_LABELS.get(ranking.group, ranking.group)),
        unit_id=unit.pk,
        unit_name=f.unit_name,
        rank=entry.rank,
        ranked_units=len(ranking.ranked),
        board=board,
        not_ranked_reason=reason,
        not_ranked_text=str(NOT_RANKED[reason]) if reason else "",
        dispatched=f.dispatched,
        min_volume=ranking.min_volume,
        exempted=f.exempted,
        rates=rates,
        weight_total=weight_total,
        composite=f.composite,
        previous_rank=entry.previous_rank,
        rank_change=entry.rank_change,
        previous_composite=entry.previous_composite,
        composite_change=entry.composite_change,
        exemptions=exemptions,
    )


def ranking_explanation(
    *, period: str, group: str, unit: Unit, reader: User, now: datetime
) -> Explanation:
    """Why ``unit`` stands where it does in the reader's district's ranking of ``period``.

    The ranking is ``rankings_from_rollup`` (what the rankings page, the circular and the
    API show). Six queries when the months are fresh: settings, freshness, units, the two
    months' sums and the exemptions (five for a reader who may not see them); the caller
    resolved ``unit``.
    """
    ms = get_metric_settings()
    ranking = rankings_from_rollup(
        period=period, group=group, now=now, settings=ms, district=reader_district(reader)
    )
    return explain_entry(ranking=ranking, unit=unit, reader=reader, weights=weights_of(ms))
