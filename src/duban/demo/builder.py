"""Builds the demo district's units, users, category catalogue and knowledge base
(idempotent by code, name and question)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from duban.dispatch.models import KnowledgeEntry
from duban.dispatch.services import knowledge_save
from duban.org.models import Role, Unit, UnitKind, User
from duban.org.services import unit_create, user_create
from duban.tickets.models import Category

from . import data
from .data_knowledge import KNOWLEDGE


@dataclass
class World:
    """Everything the simulation needs, keyed by unit code."""

    district: Unit
    centre: Unit
    units: dict[str, Unit]
    departments: list[Unit]
    streets: list[Unit]
    communities: dict[str, list[Unit]]  # street code → communities/villages
    grids: dict[str, list[Unit]]  # community code → grids
    place_street: dict[str, str]  # place name → street code
    place_community: dict[str, str]  # place name → community code
    users: dict[str, User]
    staff: dict[str, list[User]] = field(default_factory=dict)  # unit code → handler/head
    leaves: dict[str, list[tuple[Category, str, float, list[str], list[str]]]] = field(
        default_factory=dict
    )  # kind → (leaf, unit code, weight, appeal types, issues)


def _unit(code: str, name: str, kind: str, parent: Unit | None, **extra: object) -> Unit:
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return unit_create(code=code, name=name, kind=kind, parent=parent, **extra)  # type: ignore[arg-type]


def build_units() -> tuple[dict[str, Unit], dict[str, list[str]]]:
    code, name, aliases = data.DISTRICT
    district = _unit(code, name, UnitKind.DISTRICT, None, aliases=aliases)
    units = {code: district}
    units["centre"] = _unit(
        data.CENTRE[0], data.CENTRE[1], UnitKind.CENTRE, district, aliases=data.CENTRE[2]
    )
    for i, (code, name, aliases) in enumerate(data.DEPARTMENTS):
        units[code] = _unit(
            code, name, UnitKind.DEPARTMENT, district, aliases=aliases, sort_order=i
        )
    children: dict[str, list[str]] = {}
    for i, (code, name, roads, communities) in enumerate(data.STREETS):
        landmarks = [lm for lm, street in data.LANDMARKS if street == code]
        places = [c[1] for c in communities] + roads + landmarks
        street = _unit(
            code, name, UnitKind.STREET, district, place_names=places, sort_order=100 + i
        )
        units[code] = street
        children[code] = []
        for j, (ccode, cname, grids) in enumerate(communities):
            community = _unit(ccode, cname, UnitKind.COMMUNITY, street, sort_order=j)
            units[ccode] = community
            children[code].append(ccode)
            for k, gname in enumerate(grids):
                gcode = f"{ccode}-grid{k + 1}"
                units[gcode] = _unit(gcode, gname, UnitKind.GRID, community, sort_order=k)
    return units, children


def _make_user(username: str, role: str, unit: Unit, full_name: str, password: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = user_create(username=username, role=role, unit=unit, full_name=full_name)
    # One hash for every demo login: hashing ~100 passwords would take most of a minute.
    user.password = password
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["password", "is_staff", "is_superuser"])
    return user


def build_users(units: dict[str, Unit]) -> dict[str, User]:
    users: dict[str, User] = {}
    hashed = make_password(data.DEMO_PASSWORD)
    _user = partial(_make_user, password=hashed)
    for username, role, code, full_name in data.CENTRE_USERS:
        users[username] = _user(username, role, units[code], full_name)
    for code, unit in units.items():
        if unit.kind in (UnitKind.DEPARTMENT, UnitKind.STREET):
            users[f"{code}_handler"] = _user(
                f"{code}_handler", Role.HANDLER, unit, f"{unit.name}承办人"
            )
            users[f"{code}_head"] = _user(
                f"{code}_head", Role.UNIT_HEAD, unit, f"{unit.name}负责人"
            )
        elif unit.kind in (UnitKind.COMMUNITY, UnitKind.GRID):
            username = f"{code.replace('-', '_')}_handler"
            users[username] = _user(username, Role.HANDLER, unit, f"{unit.name}承办人")
    return users


def build_categories(units: dict[str, Unit]) -> dict[str, list[tuple]]:
    leaves: dict[str, list[tuple]] = {}

    def node(name: str, parent: Category | None, level: int, **extra: object) -> Category:
        full = f"{parent.full_name}/{name}" if parent else name
        cat, _ = Category.objects.get_or_create(
            full_name=full, defaults={"name": name, "parent": parent, "level": level, **extra}
        )
        return cat

    for kind, catalogue in data.CATALOGUES.items():
        leaves[kind] = []
        for l1, level2 in catalogue.items():
            c1 = node(l1, None, 1)
            for l2, level3 in level2.items():
                c2 = node(l2, c1, 2)
                for name, unit_code, weight, types, issues in level3:
                    territorial = unit_code == "*"
                    c3 = node(
                        name,
                        c2,
                        3,
                        default_unit=None if territorial else units[unit_code],
                        territorial=territorial,
                    )
                    leaves[kind].append((c3, unit_code, weight, types.split(","), issues))
    return leaves


def build_knowledge() -> int:
    """The district's ready answers for consultations (``data_knowledge``), through the
    dispatch services; entries already there (by question) are kept as edited."""
    existing = set(KnowledgeEntry.objects.values_list("question", flat=True))
    categories = {c.full_name: c for c in Category.objects.all()}
    now, created = timezone.now(), 0
    for question, answer, category, keywords in KNOWLEDGE:
        if question in existing:
            continue
        knowledge_save(
            entry=None,
            question=question,
            answer=answer,
            category=categories[category] if category else None,
            keywords=keywords,
            actor=None,
            now=now,
        )
        created += 1
    return created


@transaction.atomic
def build_world() -> World:
    units, children = build_units()
    users = build_users(units)
    leaves = build_categories(units)
    build_knowledge()
    place_street: dict[str, str] = {}
    place_community: dict[str, str] = {}
    for code, _name, roads, communities in data.STREETS:
        for road in roads:
            place_street[road] = code
        for ccode, cname, _grids in communities:
            place_street[cname] = code
            place_community[cname] = ccode
    for landmark, street in data.LANDMARKS:
        place_street[landmark] = street
    staff = {
        code: [users[f"{code}_handler"], users[f"{code}_head"]]
        for code in units
        if f"{code}_head" in users
    }
    for code, unit in units.items():
        if unit.kind in (UnitKind.COMMUNITY, UnitKind.GRID):
            staff[code] = [users[f"{code.replace('-', '_')}_handler"]]
    return World(
        district=units[data.DISTRICT[0]],
        centre=units["centre"],
        units=units,
        departments=[units[c] for c, _n, _a in data.DEPARTMENTS],
        streets=[units[s[0]] for s in data.STREETS],
        communities={s: [units[c] for c in cs] for s, cs in children.items()},
        grids={
            c: [u for u in units.values() if u.parent_id == units[c].pk and u.kind == UnitKind.GRID]
            for cs in children.values()
            for c in cs
        },
        place_street=place_street,
        place_community=place_community,
        users=users,
        staff=staff,
        leaves=leaves,
    )


def login_rows() -> list[tuple[str, str, str]]:
    """(username, role, unit) of every demo login, centre and supervision first."""
    order = {r: i for i, r in enumerate(Role.values)}
    rows = [
        (u.username, u.get_role_display(), u.unit.name if u.unit else "")
        for u in User.objects.select_related("unit").order_by("username")
    ]
    roles = {u.username: u.role for u in User.objects.only("username", "role")}
    return sorted(rows, key=lambda r: (order.get(roles[r[0]], 99), r[0]))
