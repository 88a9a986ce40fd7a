"""Territorial (属地) routing: which street/town does an appeal's text point at?

Every street or town is known by its own name and aliases, and by the place names of
it and of every unit below it (villages, communities, grids, roads). The street with
the longest, then most, matches wins; the deepest matching unit below it is reported
too, as a sub-dispatch hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max

from duban.org.models import Unit, UnitKind

MIN_NAME_LENGTH = 2


@dataclass(frozen=True)
class PlaceMatch:
    street_id: int
    street_name: str
    unit_id: int
    unit_name: str
    matched: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class PlaceIndex:
    """Place name → (street id, street name, unit id, unit name, depth)."""

    names: dict[str, tuple[int, str, int, str, int]]

    def match(self, text: str, *, limit: int = 3) -> list[PlaceMatch]:
        found: dict[int, list[tuple[str, int, str, int]]] = {}
        for name, (street_id, _street, unit_id, unit_name, depth) in self.names.items():
            if name in text:
                found.setdefault(street_id, []).append((name, unit_id, unit_name, depth))
        matches = []
        for street_id, hits in found.items():
            # Drop names contained in a longer matched name (东留 inside 东留村).
            names = [h[0] for h in hits]
            hits = [h for h in hits if not any(h[0] != other and h[0] in other for other in names)]
            best = max(hits, key=lambda h: (h[3], len(h[0])))
            score = max(len(h[0]) for h in hits) + 0.5 * (len(hits) - 1)
            street_name = self.names[hits[0][0]][1]
            matches.append(
                PlaceMatch(
                    street_id,
                    street_name,
                    best[1],
                    best[2],
                    tuple(sorted(h[0] for h in hits)),
                    score,
                )
            )
        matches.sort(key=lambda m: -m.score)
        return matches[:limit]


PLACE_INDEX_SECONDS = 60


def place_index() -> PlaceIndex:
    """The index of the active units, cached (Django cache) between intake calls.

    The key carries the number of units and the highest id, so a new unit is seen at
    once; an edited place name takes effect within a minute.
    """
    stamp = Unit.objects.active().aggregate(n=Count("pk"), m=Max("pk"))
    key = f"duban:place-index:{stamp['n']}:{stamp['m']}"
    index = cache.get(key)
    if index is None:
        index = build_place_index()
        cache.set(key, index, PLACE_INDEX_SECONDS)
    return index


def build_place_index(units: list[Unit] | None = None) -> PlaceIndex:
    units = units if units is not None else list(Unit.objects.active().order_by("path"))
    streets = {u.path: u for u in units if u.kind == UnitKind.STREET}
    names: dict[str, tuple[int, str, int, str, int]] = {}
    for unit in units:
        street = next((s for path, s in streets.items() if unit.path.startswith(path)), None)
        if street is None:
            continue
        for name in [unit.name, *unit.aliases, *unit.place_names]:
            name = (name or "").strip()
            if len(name) >= MIN_NAME_LENGTH:
                current = names.get(name)
                if current is None or unit.depth > current[4]:
                    names[name] = (street.pk, street.name, unit.pk, unit.name, unit.depth)
    return PlaceIndex(names)
