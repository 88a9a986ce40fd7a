"""Read-only records returned by the metrics selectors (frozen dataclasses).

Counts are integers over the tickets that count (an approved exemption takes a ticket
out; ``exempted`` says how many it took); rates are floats in ``[0, 1]`` or ``None`` when
their denominator is zero; ``composite`` is a 0–100 score or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

COUNT_FIELDS = (
    "dispatched",
    "due_for_response",
    "responded_in_time",
    "rated",
    "resolved",
    "satisfied",
    "basic_satisfied",
    "replied",
    "replied_on_time",
    "primary_assignments",
    "returned",
    "closed_or_rated",
    "reopened",
    "overdue_count",
    "exempted",
)
RATE_FIELDS = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "return_rate",
    "reopen_rate",
)


@dataclass(frozen=True, kw_only=True)
class Figures:
    """The figures of one group of tickets (a unit, a category, a month, the district)."""

    period_start: datetime
    period_end: datetime
    # Counts.
    dispatched: int
    due_for_response: int  # accepted, or accept deadline passed
    responded_in_time: int  # accepted by accept_due and first contact by contact_due
    rated: int  # callback got an answer: resolved is set and not unreachable
    resolved: int  # rated and resolved
    satisfied: int  # rated 满意
    basic_satisfied: int  # rated 基本满意
    replied: int
    replied_on_time: int  # replied by handle_due
    primary_assignments: int  # primary assignments made in the period
    returned: int  # of those, returned (退单 approved)
    closed_or_rated: int
    reopened: int  # closed-or-rated tickets with reopen_count > 0
    overdue_count: int
    # Tickets an approved exemption (考核申诉 / 核减) took out of every count above (not
    # out of the assignment counts, which follow the primary assignments).
    exempted: int
    mean_handling_hours: float | None  # mean of replied_at - dispatched_at
    # Rates in [0, 1], None when the denominator is 0.
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    return_rate: float | None
    reopen_rate: float | None
    # 0–100 weighted score of response/resolution/satisfaction, None if none available.
    composite: float | None

    @property
    def label(self) -> str:
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class UnitFigures(Figures):
    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str

    @property
    def label(self) -> str:
        return self.unit_name


@dataclass(frozen=True, kw_only=True)
class CategoryFigures(Figures):
    """Figures of one level-1 category; ``category_id`` None groups uncategorised tickets."""

    category_id: int | None
    category_name: str

    @property
    def label(self) -> str:
        return self.category_name


@dataclass(frozen=True, kw_only=True)
class MonthFigures(Figures):
    period: str  # "YYYY-MM"

    @property
    def label(self) -> str:
        return self.period


@dataclass(frozen=True, kw_only=True)
class RankingEntry:
    """One unit in a ranking. ``rank`` is None for units that are not ranked."""

    rank: int | None
    figures: UnitFigures
    previous_rank: int | None  # None: not ranked last month
    rank_change: int | None  # previous_rank - rank: positive = moved up
    previous_composite: float | None
    composite_change: float | None  # composite - previous_composite
    not_ranked_reason: str | None = None  # "min_volume" or "no_rates"

    @property
    def unit_id(self) -> int:
        return self.figures.unit_id

    @property
    def unit_name(self) -> str:
        return self.figures.unit_name

    @property
    def composite(self) -> float | None:
        return self.figures.composite


@dataclass(frozen=True, kw_only=True)
class Ranking:
    period: str  # "YYYY-MM"
    previous_period: str
    group: str  # "streets" | "departments"
    period_start: datetime
    period_end: datetime
    min_volume: int
    top_n: int
    ranked: tuple[RankingEntry, ...]  # by rank (composite desc), ties share a rank
    not_ranked: tuple[RankingEntry, ...]  # below min_volume or without any rate
    top: tuple[RankingEntry, ...]  # 飞虎榜: the first top_n ranked
    bottom: tuple[RankingEntry, ...]  # 蜗牛榜: the last top_n ranked, worst first
