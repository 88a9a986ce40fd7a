"""Reads of the indicators module: which months a reader sees, and the monthly table with
ranks, rank changes, gaps to the city and two-year averages.

A page loads the catalogue (areas, groups, indicators) and the values of the few releases
it needs in a fixed number of queries, into numpy arrays (release × area × indicator);
ranks and scores are then computed column-wise by ``calc`` — never row by row.

Visibility: the statistics office sees the latest version of every month (draft and
approved included, marked as such); every other reader sees published months only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duban.core.errors import InvalidInput
from duban.core.periods import parse_period
from duban.org.models import User
from duban.org.roles import STATS_ROLES, SUPERVISION_ROLES, Role

from .calc import cumulative_label, rank_matrix, shift_months, two_year_average
from .errors import UnknownGroup
from .models import Area, AreaKind, Direction, Indicator, PeerGroup, RankBy, Release, ReleaseStatus

# Who reads the figures: the statistics office, supervision and the leaders, the administrator.
# (Read-only beside STATS_ROLES; org.roles has no group for "reads indicators" yet.)
READER_ROLES = STATS_ROLES | SUPERVISION_ROLES | {Role.ADMIN}
NO_DISTRICT = 0


def reader_district(user: User) -> int:
    return user.district_pk or NO_DISTRICT


def sees_drafts(user: User) -> bool:
    return user.has_role(STATS_ROLES)


# -- the catalogue ----------------------------------------------------------------------------


@dataclass
class Catalogue:
    district: int
    areas: list[Area]
    groups: list[PeerGroup]
    members: dict[int, list[int]]  # group id → area ids, in area order
    indicators: list[Indicator]

    @property
    def city(self) -> Area | None:
        return next((a for a in self.areas if a.kind == AreaKind.CITY), None)

    @property
    def home(self) -> Area | None:
        return next((a for a in self.areas if a.is_home), None)

    def group(self, code: str) -> PeerGroup:
        for group in self.groups:
            if group.code == code:
                return group
        codes = "、".join(g.code for g in self.groups)
        raise UnknownGroup(f"没有比较组“{code}”（可选：{codes}）", field="group")

    def area_index(self) -> dict[int, int]:
        return {a.pk: i for i, a in enumerate(self.areas)}


def catalogue(district: int) -> Catalogue:
    """Areas, peer groups with their members and active indicators: four queries."""
    areas = list(Area.objects.filter(district_id=district))
    groups = list(PeerGroup.objects.filter(district_id=district))
    order = {a.pk: i for i, a in enumerate(areas)}
    members: dict[int, list[int]] = {g.pk: [] for g in groups}
    for group_id, area_id in PeerGroup.areas.through.objects.filter(
        peergroup__district_id=district
    ).values_list("peergroup_id", "area_id"):
        members[group_id].append(area_id)
    for ids in members.values():
        ids.sort(key=lambda pk: order.get(pk, 0))
    indicators = list(Indicator.objects.filter(district_id=district, active=True))
    return Catalogue(district, areas, groups, members, indicators)


def group_list(user: User) -> list[dict[str, Any]]:
    cat = catalogue(reader_district(user))
    names = {a.pk: a.name for a in cat.areas}
    return [
        {
            "code": g.code,
            "name": g.name,
            "peers": len(cat.members[g.pk]),
            "areas": [names[pk] for pk in cat.members[g.pk]],
        }
        for g in cat.groups
    ]


# -- releases ---------------------------------------------------------------------------------


def visible_releases(district: int, *, drafts: bool) -> dict[str, Release]:
    """period → the release a reader sees (one query)."""
    qs = Release.objects.filter(district_id=district).exclude(status=ReleaseStatus.SUPERSEDED)
    if not drafts:
        qs = qs.filter(status=ReleaseStatus.PUBLISHED)
    out: dict[str, Release] = {}
    for release in qs.order_by("period", "version"):
        out[release.period] = release
    return out


def resolve_period(label: str, releases: dict[str, Release]) -> str:
    """The period whose figures answer ``label``: January shows 1-2月 when merged."""
    parse_period(label)
    if label not in releases and label.endswith("-01"):
        february = label[:5] + "02"
        if february in releases:
            return february
    return label


def previous_period(period: str, releases: dict[str, Release]) -> str | None:
    earlier = [p for p in releases if p < period]
    return max(earlier) if earlier else None


def latest_period(releases: dict[str, Release]) -> str | None:
    return max(releases) if releases else None


# -- values as arrays -------------------------------------------------------------------------


@dataclass
class Frame:
    """release × area × indicator arrays of the values, growth rates and outlier flags."""

    periods: list[str]
    value: np.ndarray
    growth: np.ndarray
    outlier: np.ndarray
    month: np.ndarray  # the month's own value, where reported

    def at(self, period: str | None) -> int | None:
        return self.periods.index(period) if period in self.periods else None


def load_frame(cat: Catalogue, releases: dict[str, Release], periods: list[str]) -> Frame:
    """One query for the values of ``periods`` (those without a release stay NaN)."""
    from .models import Value

    periods = [p for p in periods if p in releases]
    shape = (len(periods), len(cat.areas), len(cat.indicators))
    value = np.full(shape, np.nan)
    growth = np.full(shape, np.nan)
    outlier = np.zeros(shape, dtype=bool)
    month = np.full(shape, np.nan)
    by_release = {releases[p].pk: k for k, p in enumerate(periods)}
    areas = cat.area_index()
    indicators = {ind.pk: j for j, ind in enumerate(cat.indicators)}
    if by_release:
        for release, area, indicator, v, g, o, mv in Value.objects.filter(
            release_id__in=list(by_release)
        ).values_list(
            "release_id", "area_id", "indicator_id", "value", "growth", "outlier", "month_value"
        ):
            j = indicators.get(indicator)
            i = areas.get(area)
            if j is None or i is None:
                continue
            k = by_release[release]
            value[k, i, j] = np.nan if v is None else v
            growth[k, i, j] = np.nan if g is None else g
            outlier[k, i, j] = o
            month[k, i, j] = np.nan if mv is None else mv
    return Frame(periods, value, growth, outlier, month)


def rank_keys(cat: Catalogue, frame: Frame, k: int) -> np.ndarray:
    """area × indicator: the figure each indicator is ranked by (growth or value)."""
    by_growth = np.array([ind.rank_by == RankBy.GROWTH for ind in cat.indicators], dtype=bool)
    return np.where(by_growth[None, :], frame.growth[k], frame.value[k])


def higher_is_better(cat: Catalogue) -> list[bool]:
    return [ind.direction == Direction.HIGHER for ind in cat.indicators]


def group_ranks(cat: Catalogue, frame: Frame, k: int | None, rows: list[int]) -> np.ndarray:
    """Ranks (0 = unranked) of the areas at ``rows`` for release ``k``."""
    if k is None:
        return np.zeros((len(rows), len(cat.indicators)), dtype=int)
    return rank_matrix(rank_keys(cat, frame, k)[rows, :], higher_is_better(cat))


# -- the monthly table ------------------------------------------------------------------------


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


@dataclass
class Cell:
    area: Area
    indicator: Indicator
    value: float | None
    growth: float | None
    month_value: float | None
    rank: int | None
    previous_rank: int | None
    rank_change: int | None  # positive: moved up
    peers: int
    gap: float | None  # growth minus the city's, in points
    two_year: float | None
    base_effect: bool
    outlier: bool

    def as_row(self) -> dict[str, Any]:
        return {
            "area": self.area.name,
            "area_code": self.area.code,
            "indicator": self.indicator.name,
            "indicator_code": self.indicator.code,
            "unit": self.indicator.unit,
            "value": self.value,
            "growth": self.growth,
            "month_value": self.month_value,
            "rank": self.rank,
            "previous_rank": self.previous_rank,
            "rank_change": self.rank_change,
            "peers": self.peers,
            "gap_to_city": self.gap,
            "two_year_average": self.two_year,
            "base_effect": self.base_effect,
            "outlier": self.outlier,
            "ranked_by": self.indicator.rank_by,
            "direction": self.indicator.direction,
        }


@dataclass
class Table:
    period: str  # the month asked for
    shown: str  # the month whose figures are shown (1-2月 for a merged January)
    label: str
    group: PeerGroup
    release: Release | None
    previous: str | None
    indicators: list[Indicator]
    areas: list[Area]
    grid: list[list[Cell]] = field(default_factory=list)  # areas × indicators
    city: list[dict[str, Any]] = field(default_factory=list)  # the city's figures per indicator

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [cell.as_row() for line in self.grid for cell in line]

    @property
    def previous_label(self) -> str:
        return cumulative_label(self.previous) if self.previous else "—"

    @property
    def status(self) -> str | None:
        return self.release.status if self.release else None


def monthly_table(*, user: User, period: str, group: str) -> Table:
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    cat = catalogue(district)
    return build_table(cat, releases, period=period, group=group)


def build_table(cat: Catalogue, releases: dict[str, Release], *, period: str, group: str) -> Table:
    peer = cat.group(group)
    shown = resolve_period(period, releases)
    previous = previous_period(shown, releases)
    last_year = shift_months(shown, -12)
    frame = load_frame(cat, releases, [shown, *([previous] if previous else []), last_year])
    k, kp, ky = frame.at(shown), frame.at(previous), frame.at(last_year)
    index = cat.area_index()
    rows = [index[pk] for pk in cat.members[peer.pk] if pk in index]
    areas = [cat.areas[i] for i in rows]
    table = Table(
        period,
        shown,
        cumulative_label(shown),
        peer,
        releases.get(shown),
        previous,
        cat.indicators,
        areas,
    )
    if k is None:
        return table
    now_ranks = group_ranks(cat, frame, k, rows)
    before = group_ranks(cat, frame, kp, rows)
    city = cat.city
    city_growth = (
        frame.growth[k, index[city.pk], :] if city else np.full(len(cat.indicators), np.nan)
    )
    thresholds = np.array([float(i.base_effect_threshold) for i in cat.indicators])
    for r, i in enumerate(rows):
        line = []
        for j, ind in enumerate(cat.indicators):
            g = frame.growth[k, i, j]
            g1 = frame.growth[ky, i, j] if ky is not None else np.nan
            rank = int(now_ranks[r, j]) or None
            prev = int(before[r, j]) or None
            base = bool(not np.isnan(g1) and abs(g1) >= thresholds[j])
            line.append(
                Cell(
                    area=cat.areas[i],
                    indicator=ind,
                    value=_num(frame.value[k, i, j]),
                    growth=_num(g),
                    month_value=_num(frame.month[k, i, j]),
                    rank=rank,
                    previous_rank=prev,
                    rank_change=(prev - rank) if rank and prev else None,
                    peers=len(rows),
                    gap=_num(g - city_growth[j]) if not np.isnan(city_growth[j]) else None,
                    two_year=two_year_average(_num(g), _num(g1)) if base else None,
                    base_effect=base,
                    outlier=bool(frame.outlier[k, i, j]),
                )
            )
        table.grid.append(line)
    if city:
        c = index[city.pk]
        table.city = [
            {
                "indicator": ind,
                "value": _num(frame.value[k, c, j]),
                "growth": _num(frame.growth[k, c, j]),
            }
            for j, ind in enumerate(cat.indicators)
        ]
    return table


def default_period(user: User) -> str | None:
    district = reader_district(user)
    return latest_period(visible_releases(district, drafts=sees_drafts(user)))


def release_list(user: User) -> list[Release]:
    """Every version of every month, newest first (the statistics office's history)."""
    district = reader_district(user)
    qs = Release.objects.filter(district_id=district).select_related(
        "imported_by", "approved_by", "published_by"
    )
    if not sees_drafts(user):
        qs = qs.filter(status__in=[ReleaseStatus.PUBLISHED, ReleaseStatus.SUPERSEDED])
    return list(qs.order_by("-period", "-version"))


def check_period(label: str) -> str:
    try:
        return parse_period(label).label
    except InvalidInput:
        raise
