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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

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


def place_heat(*, user: User, period_start: datetime, period_end: datetime) -> list[StreetHeat]:
    """Streets (busiest first), each with its villages/communities (busiest first).

    Over the tickets ``user`` may see dispatched in ``[period_start, period_end)``.
    Two queries (plus the user's unit when not loaded yet).
    """
    prefix = _place_prefix(user)
    if prefix is None:
        return []
    tree = list(
        Unit.objects.active()
        .filter(kind__in=PLACE_KINDS, path__startswith=prefix)
        .only("pk", "name", "kind", "path", "place_names", "aliases", "sort_order")
        .order_by("sort_order", "path")
    )
    places = [u for u in tree if u.kind in (UnitKind.STREET, UnitKind.COMMUNITY)]
    if not places:
        return []
    aggregates: dict[str, Any] = {}
    for u in places:
        routed, named = _conditions(u, tree, street=u.kind == UnitKind.STREET)
        aggregates[f"r{u.pk}"] = Count("pk", filter=routed)
        aggregates[f"n{u.pk}"] = Count("pk", filter=named & ~routed)
    row = (
        Ticket.objects.visible_to(user)
        .dispatched_between(period_start, period_end)
        .order_by()
        .aggregate(**aggregates)
    )

    def heat(u: Unit) -> PlaceHeat:
        routed, named = int(row[f"r{u.pk}"] or 0), int(row[f"n{u.pk}"] or 0)
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


def place_rows(streets: Iterable[StreetHeat]) -> list[tuple[str, PlaceHeat]]:
    """Flat (street name, place) rows for tables and Excel: each street, then its villages."""
    rows: list[tuple[str, PlaceHeat]] = []
    for s in streets:
        rows.append((s.street.name, s.street))
        rows.extend((s.street.name, v) for v in s.villages)
    return rows
