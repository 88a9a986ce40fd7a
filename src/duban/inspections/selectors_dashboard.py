"""The 督查看板's figures: findings by board and by item, the most common problems,
rectification on time, repeats, and the streets' mean scores.

One grouped scan of the period's findings by standard gives every count on the page (the
figures are SQL counts per standard, defined once in ``FIGURES``); the checklist's few
hundred standards (one query) carry each standard's counts up to its item and its board.
The streets' scores are one grouped scan of the period's site checks — the chart shows no
change from the period before, so that period is not read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from duban.org.models import Unit, User

from .models import Finding, Programme, Standard
from .selectors import RankRow, Window, pair_sums, ranked_rows, scoped

# Each figure of the page as a count over one standard's findings of the period.
FIGURES: dict[str, Any] = {
    "findings": Count("pk"),
    "fixed": Count("pk", filter=Q(fixed_on_spot=True)),
    "ticketed": Count("pk", filter=Q(ticket__isnull=False)),
    "rectified": Count("pk", filter=Q(rectified_at__isnull=False)),
    "on_time": Count("pk", filter=Q(rectified_at__isnull=False, overdue=False)),
    "repeats": Count("pk", filter=Q(repeat=True)),
    "closed": Count("pk", filter=Q(state=Finding.State.CLOSED)),
}
TOP = 10  # rows of the by-item chart and of the most common problems


@dataclass(frozen=True)
class Bar:
    """A board or an item and its number of findings."""

    name: str
    n: int


@dataclass(frozen=True)
class Problem:
    """A standard and its number of findings."""

    code: str
    text: str
    n: int


@dataclass
class Dashboard:
    totals: dict[str, Any]
    by_board: list[Bar]
    by_item: list[Bar]
    common: list[Problem]
    streets: list[RankRow]


def findings_by_standard(
    user: User, *, window: Window, programme: Programme | None = None
) -> dict[int, dict[str, int]]:
    """``FIGURES`` per standard over the period's findings the reader may see (one query)."""
    qs = scoped(Finding.objects.filter(found_at__gte=window.start, found_at__lt=window.end), user)
    if programme is not None:
        qs = qs.filter(programme=programme)
    rows = qs.order_by().values("standard_id").annotate(**FIGURES)
    return {row.pop("standard_id"): row for row in rows}


def street_scores(
    user: User, *, window: Window, programme: Programme | None = None
) -> list[RankRow]:
    """The streets ranked by their site checks' mean score in the period (as the 飞虎榜's
    streets, without the change from the period before): two queries."""
    if user.district_pk is None:
        return []
    pairs = pair_sums(user.district_pk, window, programme, None)
    names = dict(
        Unit.objects.filter(pk__in={p["street_id"] for p in pairs}).values_list("pk", "name")
    )
    return ranked_rows(pairs, "streets", names)


def dashboard(user: User, *, window: Window, programme: Programme | None = None) -> Dashboard:
    """Findings by board and item, the most common problems, rectification on time, repeats
    and the streets' scores: four queries whatever the period's size."""
    counts = findings_by_standard(user, window=window, programme=programme)
    by_board: Counter[str] = Counter()
    by_item: Counter[str] = Counter()
    common: Counter[tuple[str, str]] = Counter()
    for pk, code, text, item, board in Standard.objects.filter(pk__in=counts).values_list(
        "pk", "code", "text", "item__name", "item__board__name"
    ):
        n = counts[pk]["findings"]
        by_board[board] += n
        by_item[item] += n
        common[(code, text)] += n
    totals: dict[str, Any] = dict.fromkeys(FIGURES, 0)
    for row in counts.values():
        for name, n in row.items():
            totals[name] += n
    rectified = totals["rectified"]
    totals["on_time_rate"] = round(100 * totals["on_time"] / rectified, 1) if rectified else None
    return Dashboard(
        totals=totals,
        by_board=[Bar(name, n) for name, n in sorted(by_board.items(), key=_most)],
        by_item=[Bar(name, n) for name, n in sorted(by_item.items(), key=_most)[:TOP]],
        common=[
            Problem(code, text, n) for (code, text), n in sorted(common.items(), key=_most)[:TOP]
        ],
        streets=street_scores(user, window=window, programme=programme),
    )


def _most(entry: tuple[Any, int]) -> tuple[int, Any]:
    """The most findings first, then by name (or code)."""
    return -entry[1], entry[0]
