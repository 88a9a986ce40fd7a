"""Heat by place (诉求热力): ticket volume per street and per village/community.

Two queries whatever the number of tickets: the place tree (streets, villages and
communities, grids) and one aggregate over the month's tickets with a conditional
``COUNT(...) FILTER (WHERE ...)`` per place. The rule (see docs/dashboards.md):

* a **street** counts the tickets dispatched in the period whose primary or
  handling unit is the street or a unit below it (派往本街道), plus those whose
  location text names the street, one of its ``place_names``/``aliases`` or one of
  its villages and communities (地点提及);
* a **village/community** counts the tickets sub-dispatched to it (handling unit
  the village or a grid below it) plus those whose location text names it (its
  name, ``place_names`` or ``aliases``).

A ticket counts at most once per place, but may count for two places when its
location names both; the village counts of a street need not add up to the street.

A district-wide reader's month is read from the rollup (``PlaceRollup``, recounted by the
tick's refresh job, for a recent month every ``metrics.services.PLACES_TTL``, and as of
``RollupPeriod.places_at``): testing every place's names against every ticket of the month
is the dashboard's costliest query at a city's volume (docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from duban.core.periods import Period, period_containing
from duban.org.models import Unit, UnitKind, User
from duban.org.roles import DISTRICT_WIDE_ROLES
from duban.tickets.models import Ticket

PLACE_KINDS = (UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID)
MIN_NAME_LENGTH = 2  # a one-character place name would match almost any address


@dataclass(frozen=True, kw_only=True)
class PlaceHeat:
    """One street or village/community: tickets routed to it and named in the location."""

    unit_id: int
    name: str
    kind: str
    routed: int  # primary/handling unit at or below the place
    named: int  # location text names the place, not routed to it
    volume: int  # routed + named


@dataclass(frozen=True, kw_only=True)
class StreetHeat:
    street: PlaceHeat
    villages: tuple[PlaceHeat, ...]

    @property
    def unplaced(self) -> int:
        """Street tickets not attributed to any of its villages (at least 0)."""
        return max(0, self.street.volume - sum(v.volume for v in self.villages))


def _place_prefix(user: User) -> str | None:
    """The unit-path prefix of the places shown: a street user's own street, else the district."""
    unit = user.unit
    if unit is None:
        return None
    if user.role not in DISTRICT_WIDE_ROLES and unit.kind in PLACE_KINDS:
        return user.scope_path
    return unit.district_path


def _names(unit: Unit) -> set[str]:
    names = {unit.name, *unit.place_names, *unit.aliases}
    return {n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= MIN_NAME_LENGTH}


def _mentions(names: Iterable[str]) -> Q:
    q = Q(pk__isnull=True)  # never true: no name, no mention
    for name in sorted(names):
        q |= Q(location__contains=name)
    return q


def _conditions(place: Unit, tree: list[Unit], *, street: bool) -> tuple[Q, Q]:
    """(routed, named) conditions of one place over the ticket table."""
    below = [u for u in tree if u.path.startswith(place.path)]
    ids = [u.pk for u in below]
    names = _names(place)
    if street:
        routed = Q(primary_unit_id__in=ids) | Q(handling_unit_id__in=ids)
        for u in below:
            if u.kind == UnitKind.COMMUNITY:
                names |= _names(u)
    else:
        routed = Q(handling_unit_id__in=ids)
    return routed, _mentions(names)


def place_filter(place: Unit) -> Q:
    """Tickets that count for ``place`` in :func:`place_heat` (routed or named); one query.

    For the ticket list behind a treemap block or a row of the places table.
    """
    tree = list(
        Unit.objects.active()
        .filter(kind__in=PLACE_KINDS, path__startswith=place.path)
        .only("pk", "name", "kind", "path", "place_names", "aliases")
    )
    routed, named = _conditions(place, tree, street=place.kind == UnitKind.STREET)
    return routed | named


def _place_tree(prefix: str) -> list[Unit]:
    return list(
        Unit.objects.active()
        .filter(kind__in=PLACE_KINDS, path__startswith=prefix)
        .only("pk", "name", "kind", "path", "place_names", "aliases", "sort_order")
        .order_by("sort_order", "path")
    )


def _heat_places(tree: list[Unit]) -> list[Unit]:
    return [u for u in tree if u.kind in (UnitKind.STREET, UnitKind.COMMUNITY)]


def _heat_aggregates(places: list[Unit], tree: list[Unit]) -> dict[str, Any]:
    """``r<pk>``/``n<pk>`` (routed, named) counts of every place, for one ``aggregate``."""
    aggregates: dict[str, Any] = {}
    for u in places:
        routed, named = _conditions(u, tree, street=u.kind == UnitKind.STREET)
        aggregates[f"r{u.pk}"] = Count("pk", filter=routed)
        aggregates[f"n{u.pk}"] = Count("pk", filter=named & ~routed)
    return aggregates


def _streets(places: list[Unit], counts: dict[int, tuple[int, int]]) -> list[StreetHeat]:
    """Streets (busiest first) with their villages, from (routed, named) per place id."""

    def heat(u: Unit) -> PlaceHeat:
        routed, named = counts.get(u.pk, (0, 0))
        return PlaceHeat(
            unit_id=u.pk,
            name=u.name,
            kind=u.kind,
            routed=routed,
            named=named,
            volume=routed + named,
        )

    streets = []
    for s in places:
        if s.kind != UnitKind.STREET:
            continue
        villages = [
            heat(u) for u in places if u.kind == UnitKind.COMMUNITY and u.path.startswith(s.path)
        ]
        villages.sort(key=lambda v: -v.volume)
        streets.append(StreetHeat(street=heat(s), villages=tuple(villages)))
    streets.sort(key=lambda s: -s.street.volume)
    return streets


def district_place_counts(
    periods: Sequence[Period],
) -> dict[tuple[str, int], dict[int, tuple[int, int]]]:
    """The rollup's heat: (month, district id) → place id → (routed, named), over each
    district's tickets dispatched in ``periods``, counted as :func:`place_heat` counts them
    for a district-wide reader (every place of the district, zeros included).

    One aggregate per district with places, grouped by month (``metrics.services``).
    """
    from .expressions import LocalMonth

    if not periods:
        return {}
    window = Q()
    for p in periods:
        window |= Q(dispatched_at__gte=p.start, dispatched_at__lt=p.end)
    trees: dict[str, list[Unit]] = {}
    for u in _place_tree(""):
        trees.setdefault(u.district_path, []).append(u)
    out: dict[tuple[str, int], dict[int, tuple[int, int]]] = {}
    for prefix, tree in trees.items():
        places = _heat_places(tree)
        if not places:
            continue
        district = int(prefix.rstrip("/"))
        zeros = {(p.label, district): {u.pk: (0, 0) for u in places} for p in periods}
        out.update(zeros)
        rows = (
            Ticket.objects.filter(window, district_id=district)
            .order_by()
            .annotate(month=LocalMonth("dispatched_at"))
            .values("month")
            .annotate(**_heat_aggregates(places, tree))
        )
        for row in cast(Iterable[dict[str, Any]], rows):
            key = (row["month"], district)
            if key in out:
                out[key] = {u.pk: (row[f"r{u.pk}"] or 0, row[f"n{u.pk}"] or 0) for u in places}
    return out


def _rolled_up(
    user: User, prefix: str, start: datetime, end: datetime
) -> tuple[dict, datetime] | None:
    """The month's rolled-up heat for a district-wide reader and the moment it was counted,
    or None (count it live): another reader's scope, a range that is not one month, or a
    month not rolled up yet."""
    from .models import PlaceRollup, RollupPeriod

    if not user.has_role(DISTRICT_WIDE_ROLES) or prefix != user.scope_path:
        return None
    month = period_containing(start)
    if (month.start, month.end) != (start, end):
        return None
    # The rows with the moment they were counted, in one query.
    counted_at = RollupPeriod.objects.filter(period=OuterRef("period")).values("places_at")
    rows = list(
        PlaceRollup.objects.filter(period=month.label, district_id=user.district_pk)
        .annotate(counted_at=Subquery(counted_at[:1]))
        .values_list("place_id", "routed", "named", "counted_at")
    )
    if not rows or rows[0][3] is None:  # none, or counted before the moment was kept
        return None
    return {place: (routed, named) for place, routed, named, _ in rows}, rows[0][3]


def place_heat(*, user: User, period_start: datetime, period_end: datetime) -> list[StreetHeat]:
    """Streets (busiest first), each with its villages/communities (busiest first); see
    :func:`place_heat_as_of`."""
    streets, _ = place_heat_as_of(
        user=user, period_start=period_start, period_end=period_end, now=timezone.now()
    )
    return streets


def place_heat_as_of(
    *, user: User, period_start: datetime, period_end: datetime, now: datetime
) -> tuple[list[StreetHeat], datetime]:
    """Streets (busiest first), each with its villages/communities (busiest first), and the
    moment they were counted.

    Over the tickets ``user`` may see dispatched in ``[period_start, period_end)``. A
    district-wide reader of a month reads the month's ``PlaceRollup`` rows (as of
    ``RollupPeriod.places_at``, see ``metrics.services``); another reader, or a month not
    rolled up yet, is counted live, as of ``now``. Two queries (plus the user's unit when
    not loaded yet).
    """
    prefix = _place_prefix(user)
    if prefix is None:
        return [], now
    tree = _place_tree(prefix)
    places = _heat_places(tree)
    if not places:
        return [], now
    rolled = _rolled_up(user, prefix, period_start, period_end)
    counted_at = now
    if rolled is not None:
        counts, counted_at = rolled
    else:
        row = (
            Ticket.objects.visible_to(user)
            .dispatched_between(period_start, period_end)
            .order_by()
            .aggregate(**_heat_aggregates(places, tree))
        )
        counts = {u.pk: (int(row[f"r{u.pk}"] or 0), int(row[f"n{u.pk}"] or 0)) for u in places}
    return _streets(places, counts), counted_at


def place_rows(streets: Iterable[StreetHeat]) -> list[tuple[str, PlaceHeat]]:
    """Flat (street name, place) rows for tables and Excel: each street, then its villages."""
    rows: list[tuple[str, PlaceHeat]] = []
    for s in streets:
        rows.append((s.street.name, s.street))
        rows.extend((s.street.name, v) for v in s.villages)
    return rows
