"""Reads over many months and many indicators: an indicator's trend, an area's ranks over
time and its targets, the composite rank, and the monthly 经济运行 report's sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from duban.org.models import User

from .calc import (
    cn_number,
    composite_scores,
    cumulative_label,
    ranks,
    shift_months,
    standard_scores,
)
from .errors import UnknownArea, UnknownIndicator
from .models import Area, CompositeScheme, Indicator, Target
from .selectors import (
    Catalogue,
    Table,
    build_table,
    catalogue,
    group_ranks,
    higher_is_better,
    load_frame,
    rank_keys,
    reader_district,
    resolve_period,
    sees_drafts,
    visible_releases,
)

MONTHS = 24


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 2)


def _window(releases: dict[str, Any], end: str | None) -> list[str]:
    periods = sorted(p for p in releases if end is None or p <= end)
    if not periods:
        return []
    start = shift_months(periods[-1], -(MONTHS - 1))
    return [p for p in periods if p >= start]


# -- an indicator's trend ----------------------------------------------------------------------


@dataclass
class Trend:
    indicator: Indicator
    periods: list[str]
    labels: list[str]
    series: list[dict[str, Any]]  # {"name", "home", "city", "growth": [...], "value": [...]}


def indicator_trend(*, user: User, code: str, end: str | None = None) -> Trend:
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    cat = catalogue(district)
    j = next((j for j, i in enumerate(cat.indicators) if i.code == code), None)
    if j is None:
        raise UnknownIndicator(f"没有指标“{code}”")
    periods = _window(releases, end)
    frame = load_frame(cat, releases, periods)
    series = [
        {
            "name": area.name,
            "home": area.is_home,
            "city": area.is_city,
            "growth": [_num(x) for x in frame.growth[:, i, j]],
            "value": [_num(x) for x in frame.value[:, i, j]],
        }
        for i, area in enumerate(cat.areas)
    ]
    return Trend(
        cat.indicators[j], frame.periods, [cumulative_label(p) for p in frame.periods], series
    )


# -- an area's page -------------------------------------------------------------------------


@dataclass
class TargetProgress:
    area: Area
    indicator: Indicator
    year: int
    target_value: float | None
    target_growth: float | None
    value: float | None
    growth: float | None
    done: float | None  # % of the annual value target reached
    elapsed: float  # 序时进度 (%): months elapsed / 12
    growth_gap: float | None  # growth minus target growth (points)

    @property
    def ahead(self) -> bool | None:
        if self.done is not None:
            return self.done >= self.elapsed
        if self.growth_gap is not None:
            return self.growth_gap >= 0
        return None


@dataclass
class AreaPage:
    area: Area
    group_code: str
    group_name: str
    period: str | None
    labels: list[str]
    rows: list[dict[str, Any]]  # per indicator: value, growth, rank, ranks over time
    targets: list[TargetProgress] = field(default_factory=list)


def area_page(*, user: User, code: str, group: str | None = None) -> AreaPage:
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    cat = catalogue(district)
    area = next((a for a in cat.areas if a.code == code), None)
    if area is None:
        raise UnknownArea(f"没有地区“{code}”")
    mine = [g for g in cat.groups if area.pk in cat.members[g.pk]]
    peer = next((g for g in mine if g.code == group), mine[0] if mine else None)
    periods = _window(releases, None)
    frame = load_frame(cat, releases, periods)
    index = cat.area_index()
    i = index[area.pk]
    members = [index[pk] for pk in cat.members[peer.pk]] if peer else [i]
    r = members.index(i) if i in members else None
    history = np.zeros((len(periods), len(cat.indicators)), dtype=int)
    for k in range(len(frame.periods)):
        if r is not None:
            history[k] = group_ranks(cat, frame, k, members)[r]
    last = len(frame.periods) - 1
    rows = []
    for j, ind in enumerate(cat.indicators):
        rows.append(
            {
                "indicator": ind,
                "value": _num(frame.value[last, i, j]) if last >= 0 else None,
                "growth": _num(frame.growth[last, i, j]) if last >= 0 else None,
                "rank": int(history[last, j]) or None if last >= 0 else None,
                "peers": len(members),
                "ranks": [int(x) or None for x in history[:, j]],
                "growths": [_num(x) for x in frame.growth[:, i, j]],
            }
        )
    period = frame.periods[-1] if frame.periods else None
    page = AreaPage(
        area,
        peer.code if peer else "",
        peer.name if peer else "",
        period,
        [cumulative_label(p) for p in frame.periods],
        rows,
    )
    if period:
        page.targets = _targets(cat, frame, area, period)
    return page


def _targets(cat: Catalogue, frame: Any, area: Area | None, period: str) -> list[TargetProgress]:
    """Progress of the targets of ``area`` (every area when None) against 序时进度."""
    year, month = int(period[:4]), int(period[5:7])
    k = frame.periods.index(period)
    index = cat.area_index()
    col = {ind.pk: j for j, ind in enumerate(cat.indicators)}
    qs = Target.objects.filter(district_id=cat.district, year=year)
    if area is not None:
        qs = qs.filter(area=area)
    out = []
    for target in qs.order_by("area__sort_order", "indicator__sort_order"):
        j = col.get(target.indicator_id)
        i = index.get(target.area_id)
        if j is None or i is None:
            continue
        value, growth = _num(frame.value[k, i, j]), _num(frame.growth[k, i, j])
        done = round(value / target.value * 100, 1) if value is not None and target.value else None
        out.append(
            TargetProgress(
                area=cat.areas[i],
                indicator=cat.indicators[j],
                year=year,
                target_value=target.value,
                target_growth=target.growth,
                value=value,
                growth=growth,
                done=done,
                elapsed=round(month / 12 * 100, 1),
                growth_gap=round(growth - target.growth, 1)
                if growth is not None and target.growth is not None
                else None,
            )
        )
    return out


def target_progress(*, user: User, period: str) -> list[TargetProgress]:
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    cat = catalogue(district)
    shown = resolve_period(period, releases)
    if shown not in releases:
        return []
    return _targets(cat, load_frame(cat, releases, [shown]), None, shown)


# -- the composite rank -----------------------------------------------------------------------


@dataclass
class Composite:
    scheme: CompositeScheme
    period: str
    group_name: str
    indicators: list[Indicator]
    weights: list[float]
    # per area: name, score, rank, and per indicator (figure, 50+10z score)
    rows: list[dict[str, Any]]


def composite_rank(*, user: User, scheme: str, period: str, group: str) -> Composite | None:
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    return composite_of(catalogue(district), releases, scheme=scheme, period=period, group=group)


def composite_of(
    cat: Catalogue, releases: dict[str, Any], *, scheme: str, period: str, group: str
) -> Composite | None:
    district = cat.district
    peer = cat.group(group)
    found = (
        CompositeScheme.objects.filter(district_id=district, code=scheme)
        .prefetch_related("weights")
        .first()
    )
    if found is None:
        return None
    shown = resolve_period(period, releases)
    frame = load_frame(cat, releases, [shown])
    col = {ind.pk: j for j, ind in enumerate(cat.indicators)}
    chosen = [(col[w.indicator_id], w.weight) for w in found.weights.all() if w.indicator_id in col]
    index = cat.area_index()
    members = [index[pk] for pk in cat.members[peer.pk]]
    inds = [cat.indicators[j] for j, _ in chosen]
    weights = [w for _, w in chosen]
    if not frame.periods or not chosen:
        return Composite(found, shown, peer.name, inds, weights, [])
    keys = rank_keys(cat, frame, 0)[np.ix_(members, [j for j, _ in chosen])]
    better = [higher_is_better(cat)[j] for j, _ in chosen]
    scores = standard_scores(keys, better)
    total = composite_scores(scores, weights)
    order = ranks([None if np.isnan(x) else float(x) for x in total])
    rows = [
        {
            "area": cat.areas[i],
            "score": _num(total[r]),
            "rank": order[r],
            "parts": [
                {
                    "indicator": inds[c],
                    "figure": _num(keys[r, c]),
                    "score": _num(scores[r, c]),
                    "weight": weights[c],
                }
                for c in range(len(inds))
            ],
        }
        for r, i in enumerate(members)
    ]
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0))
    return Composite(found, shown, peer.name, inds, weights, rows)


def table_page_data(
    *, user: User, period: str, group: str, scheme: str = "default"
) -> tuple[list[dict[str, Any]], Table, Composite | None]:
    """The monthly table page: the groups, the table and the composite, one catalogue read."""
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    cat = catalogue(district)
    groups = [{"code": g.code, "name": g.name, "peers": len(cat.members[g.pk])} for g in cat.groups]
    group = group or (cat.groups[0].code if cat.groups else "")
    table = build_table(cat, releases, period=period, group=group)
    composite = composite_of(cat, releases, scheme=scheme, period=period, group=group)
    return groups, table, composite


# -- the monthly 经济运行 report ----------------------------------------------------------------


@dataclass
class Report:
    period: str
    label: str
    home: Area | None
    tables: list[Table]
    sentences: list[str]
    targets: list[TargetProgress]


def _place(group_name: str, rank: int) -> str:
    return f"居{group_name}第{cn_number(rank)}"


def _figure(x: float) -> str:
    return f"{x:g}" if abs(x) >= 100 else f"{round(x, 1):g}"


def _change(growth: float) -> str:
    if growth < 0:
        return f"同比下降{_figure(-growth)}%"
    return f"同比增长{_figure(growth)}%"


def sentence(home_cells: list[Any], city_growth: float | None) -> str:
    """One indicator's sentence from its cells in each group the area belongs to."""
    cell = home_cells[0][1]
    ind = cell.indicator
    parts = []
    if cell.value is not None and cell.growth is not None:
        parts.append(f"完成{ind.name}{_figure(cell.value)}{ind.unit}，{_change(cell.growth)}")
    elif cell.growth is not None:
        parts.append(f"{ind.name}累计增速{_figure(cell.growth)}%")
    elif cell.value is not None:
        parts.append(f"完成{ind.name}{_figure(cell.value)}{ind.unit}")
    else:
        return ""
    for group, c in home_cells:
        if c.rank:
            parts.append(_place(group.name, c.rank))
    if cell.gap is not None:
        gap = round(cell.gap, 1)
        if gap > 0:
            parts.append(f"增速比全市高{_figure(gap)}个百分点")
        elif gap < 0:
            parts.append(f"增速比全市低{_figure(-gap)}个百分点")
        else:
            parts.append("增速与全市持平")
    if cell.base_effect and cell.two_year is not None:
        parts.append(f"受上年基数影响，两年平均增长{_figure(cell.two_year)}%")
    if cell.rank_change:
        moved = "前移" if cell.rank_change > 0 else "后移"
        parts.append(f"位次较上月{moved}{abs(cell.rank_change)}位")
    return "，".join(parts) + "。"


def monthly_report(*, user: User, period: str) -> Report:
    district = reader_district(user)
    releases = visible_releases(district, drafts=sees_drafts(user))
    cat = catalogue(district)
    home = cat.home
    groups = [g for g in cat.groups if home and home.pk in cat.members[g.pk]]
    tables = [build_table(cat, releases, period=period, group=g.code) for g in groups]
    shown = tables[0].shown if tables else resolve_period(period, releases)
    sentences = []
    if home and tables and tables[0].release is not None:
        for j, _ind in enumerate(cat.indicators):
            cells = []
            for table in tables:
                r = next((r for r, a in enumerate(table.areas) if a.pk == home.pk), None)
                if r is not None and table.grid:
                    cells.append((table.group, table.grid[r][j]))
            text = sentence(cells, None) if cells else ""
            if text:
                sentences.append(text)
    targets: list[TargetProgress] = []
    if home and shown in releases:
        frame = load_frame(cat, releases, [shown])
        targets = _targets(cat, frame, home, shown)
    return Report(shown, cumulative_label(shown), home, tables, sentences, targets)
