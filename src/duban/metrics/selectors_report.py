"""Reads behind the dashboard (数据看板), its panels and the monthly report (月度报告).

* ``cached_dashboard_data`` — the dashboard's figures (from the rollup) and heat by
  place, cached a minute per (role, unit, month).
* ``cached_hotspots`` — hot-spots (dispatch.hotspots) over the tickets a user may
  see, cached per (visibility scope, window) because clustering a month takes ~1 s.
* ``monthly_report`` — the month's district figures with the change from last
  month, 飞虎榜/蜗牛榜 of streets and departments, top categories, hot-spots and
  overdue counts by unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from duban.core.periods import Period
from duban.dispatch.hotspots import HotSpot, hotspots
from duban.dispatch.selectors import hotspot_records
from duban.org.models import Unit, User
from duban.org.roles import DISTRICT_WIDE_ROLES

from .figures import CategoryFigures, Figures, Ranking, UnitFigures
from .selectors import get_metric_settings, reader_district
from .selectors_places import StreetHeat, place_heat_as_of
from .selectors_rollup import dashboard_figures, rankings_from_rollup

HOTSPOT_CACHE_SECONDS = 300
PAST_HOTSPOT_CACHE_SECONDS = 6 * 3600
HOTSPOT_TOP = 8
PREVIOUS_TOP = 40  # clusters of the previous window searched for the same matter
MATCH_KEYWORDS = 3  # of six
RECENT_DAYS = 30
# The rolling "last 30 days" window ends on a 5-minute boundary so that its cache
# entry serves every request of those five minutes.
_WINDOW_STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    label: str


def month_window(period: Period) -> Window:
    return Window(since=period.start, until=period.end, label=period.label)


def recent_window(now: datetime, days: int = RECENT_DAYS) -> Window:
    step = int(_WINDOW_STEP.total_seconds())
    until = datetime.fromtimestamp((int(now.timestamp()) // step + 1) * step, tz=now.tzinfo)
    return Window(since=until - timedelta(days=days), until=until, label=f"近{days}天")


def _scope_key(user: User) -> str:
    """Users who see the same tickets share a key: district-wide roles by district, others by unit."""
    wide = user.role in DISTRICT_WIDE_ROLES
    return f"{'district' if wide else 'unit'}:{user.scope_path or '-'}"


def hotspot_cache_key(user: User, window: Window, top: int) -> str:
    raw = f"{_scope_key(user)}|{window.since.isoformat()}|{window.until.isoformat()}|{top}"
    return "duban:metrics:hotspots:" + hashlib.sha1(raw.encode()).hexdigest()


def _cache_seconds(window: Window) -> int:
    """A window that ended more than a day ago hardly changes: keep it for hours."""
    ended = window.until < timezone.now() - timedelta(days=1)
    return PAST_HOTSPOT_CACHE_SECONDS if ended else HOTSPOT_CACHE_SECONDS


def _clusters(
    user: User, window: Window, top: int, *, compute: bool = True
) -> list[HotSpot] | None:
    """dispatch.hotspots over the window, cached per (visibility scope, window, top).

    Without ``compute``, None when the clustering is not cached (it takes seconds).
    """
    key = hotspot_cache_key(user, window, top)
    found = cache.get(key)
    if found is not None:
        return [HotSpot(**spot) for spot in found]
    if not compute:
        return None
    records = hotspot_records(user=user, since=window.since, until=window.until)
    spots = hotspots(records, since=window.since, until=window.until, top=top)
    cache.set(key, [s.as_dict() for s in spots], _cache_seconds(window))
    return spots


def _same_matter(a: HotSpot, b: HotSpot) -> int:
    """Shared keywords of two clusters (the label counts as all of them)."""
    if a.label == b.label:
        return len(a.keywords) or 1
    return len(set(a.keywords) & set(b.keywords))


def with_growth(spots: list[HotSpot], before: list[HotSpot]) -> list[HotSpot]:
    """Growth = (volume + 1) / (volume of the same matter in the previous window + 1).

    The same matter is the previous cluster sharing the most keywords, at least
    ``MATCH_KEYWORDS``; none means the matter is new (previous volume 0).
    """
    out = []
    for spot in spots:
        best = max(before, key=lambda b: _same_matter(spot, b), default=None)
        prev = best.volume if best and _same_matter(spot, best) >= MATCH_KEYWORDS else 0
        out.append(replace(spot, growth=round((spot.volume + 1) / (prev + 1), 2)))
    return out


def cached_hotspots(*, user: User, window: Window, top: int = HOTSPOT_TOP) -> list[HotSpot]:
    """Top hot-spots of the tickets ``user`` may see, registered in the window.

    Clustering is cached per (scope, window): 5 minutes, or 6 hours for a window
    that ended more than a day ago. ``growth`` compares each cluster with the same
    matter in the preceding window of the same length (the growth that
    dispatch.hotspots computes splits the window itself at 30 days, which says
    nothing for a window of a month or less).
    """
    spots = _clusters(user, window, top)
    assert spots is not None
    return with_growth(spots, _clusters(user, _previous(window), PREVIOUS_TOP) or [])


def hotspots_if_cached(
    *, user: User, window: Window, top: int = HOTSPOT_TOP
) -> list[HotSpot] | None:
    """:func:`cached_hotspots` when both clusterings are cached, else None (no computing)."""
    spots = _clusters(user, window, top, compute=False)
    before = _clusters(user, _previous(window), PREVIOUS_TOP, compute=False)
    return None if spots is None or before is None else with_growth(spots, before)


def _previous(window: Window) -> Window:
    length = window.until - window.since
    return Window(since=window.since - length, until=window.since, label="")


# --- monthly report -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A figure this month, last month and the difference (rates in percentage points)."""

    label: str
    current: float | int | None
    previous: float | int | None
    is_rate: bool

    lower_is_better: bool = False

    @property
    def delta(self) -> float | int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    def _fmt(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        return f"{value * 100:.1f}%" if self.is_rate else str(value)

    @property
    def current_text(self) -> str:
        return self._fmt(self.current)

    @property
    def previous_text(self) -> str:
        return self._fmt(self.previous)

    @property
    def delta_text(self) -> str:
        """+2.3个百分点 / −12件 / 持平 / — (one side missing)."""
        delta = self.delta
        if delta is None:
            return "—"
        amount = round(delta * 100, 1) if self.is_rate else delta
        if amount == 0:
            return "持平"
        sign = "+" if amount > 0 else "−"
        unit = "个百分点" if self.is_rate else "件"
        return f"{sign}{abs(amount)}{unit}"

    @property
    def trend(self) -> str:
        """CSS class: ok when the change is for the better, bad when for the worse."""
        delta = self.delta
        if not delta or self.label == "派单量":
            return "mute"
        better = delta < 0 if self.lower_is_better else delta > 0
        return "ok" if better else "bad"


@dataclass(frozen=True)
class MonthlyReport:
    period: Period
    district: Figures
    previous: Figures
    changes: tuple[Change, ...]
    streets: Ranking
    departments: Ranking
    categories: tuple[CategoryFigures, ...]
    overdue: tuple[UnitFigures, ...]
    hotspots: tuple[HotSpot, ...] | None  # None: not computed yet, loaded by the page
    as_of: datetime  # the cut-off of the time-dependent counts (overdue): the rollup's moment

    @property
    def category_shares(self) -> list[tuple[CategoryFigures, float | None]]:
        total = self.district.dispatched
        return [(f, f.dispatched / total if total else None) for f in self.categories]

    @property
    def boards(self) -> list[tuple[str, Ranking]]:
        return [("街道/镇", self.streets), ("部门", self.departments)]


def _changes(cur: Figures, prev: Figures) -> tuple[Change, ...]:
    return (
        Change("派单量", cur.dispatched, prev.dispatched, False),
        Change("响应率", cur.response_rate, prev.response_rate, True),
        Change("解决率", cur.resolution_rate, prev.resolution_rate, True),
        Change("满意率", cur.satisfaction_rate, prev.satisfaction_rate, True),
        Change("按期办结率", cur.on_time_rate, prev.on_time_rate, True),
        Change("超期件数", cur.overdue_count, prev.overdue_count, False, lower_is_better=True),
    )


def monthly_report(
    *, user: User, period: Period, now: datetime, top_categories: int = 10
) -> MonthlyReport:
    """Everything on the 月度报告 page; a fixed number of queries (about fifteen).

    The district, unit and category figures come from the monthly rollup (as the
    dashboard's do); the rankings are computed live.
    """
    ms = get_metric_settings()
    district = reader_district(user)
    rolled = dashboard_figures(
        period=period, unit=None, now=now, months=2, settings=ms, district=district
    )
    previous, current = rolled.series
    overdue = sorted(
        (f for f in rolled.by_unit if f.overdue_count),
        key=lambda f: (-f.overdue_count, f.unit_name),
    )
    categories = rolled.by_category
    spots = hotspots_if_cached(user=user, window=month_window(period))
    return MonthlyReport(
        period=period,
        district=current,
        previous=previous,
        changes=_changes(current, previous),
        streets=rankings_from_rollup(
            period=period.label, group="streets", now=now, settings=ms, district=district
        ),
        departments=rankings_from_rollup(
            period=period.label, group="departments", now=now, settings=ms, district=district
        ),
        categories=tuple(categories[:top_categories]),
        overdue=tuple(overdue),
        # Same cache entry as the dashboard's panel for this month; when it is cold the
        # page loads the section afterwards (clustering a month takes seconds).
        hotspots=None if spots is None else tuple(spots[:5]),
        as_of=rolled.as_of,
    )


# --- the dashboard ------------------------------------------------------------------


@dataclass
class Dashboard:
    period: Period
    unit: Unit | None
    series: list[Figures]
    by_unit: list[Figures]
    by_category: list[Figures]
    places: list[StreetHeat]
    as_of: datetime  # the moment the rollup figures are as of
    places_as_of: datetime  # the moment the heat by place was counted (``PLACES_TTL``)


def _own_unit(user: User) -> Unit | None:
    """None (the whole district) for district-wide roles, else the user's unit."""
    return None if user.role in DISTRICT_WIDE_ROLES else user.unit


DASHBOARD_CACHE_SECONDS = 60


def cached_dashboard_data(*, user: User, period: Period, now: datetime) -> Dashboard:
    """The dashboard's figures, shared for a minute by users with the same view of them.

    The figures depend on the role and unit (scope) and the month only; a leader
    reloading the page should not recompute twelve months of aggregates each time.
    """
    key = f"duban:dashboard:{user.role}:{user.unit_id}:{period.label}"
    data = cache.get(key)
    if data is None:
        data = dashboard_data(user=user, period=period, now=now)
        cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


def dashboard_data(*, user: User, period: Period, now: datetime) -> Dashboard:
    unit = _own_unit(user)
    figures = dashboard_figures(period=period, unit=unit, now=now, district=reader_district(user))
    places, places_as_of = place_heat_as_of(
        user=user, period_start=period.start, period_end=period.end, now=now
    )
    return Dashboard(
        period=period,
        unit=unit,
        series=list(figures.series),
        by_unit=list(figures.by_unit),
        by_category=list(figures.by_category),
        places=places,
        as_of=figures.as_of,
        places_as_of=places_as_of,
    )
