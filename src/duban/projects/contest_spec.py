"""The checked set-up of a site-visit contest (观摩评比), shared by its create and edit services.

A contest names criteria with weights adding up to exactly 100, its entrants — projects of
the district or its streets and departments, never both — ranked in groups (streets with
streets, departments with departments; projects by the kind of their responsible unit) or in
one list, and its judges: active people of the district who can open the contest's page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from duban.org.models import Unit, UnitKind, User

from .errors import ContestWeights, InvalidContest
from .models import Grouping, Project
from .roles import PROJECT_READ_ROLES

MAX_CRITERIA = 20
MAX_ENTRANTS = 500
MAX_JUDGES = 50
ENTRANT_UNIT_KINDS = (UnitKind.STREET, UnitKind.DEPARTMENT)
PROJECTS_GROUP = "项目"
UNITS_GROUP = "参评单位"


@dataclass(frozen=True)
class EntrantSpec:
    """One entrant as it will be stored: a project, a unit, or a bare name, with its group."""

    name: str
    group: str
    project_id: int | None = None
    unit_id: int | None = None

    @property
    def key(self) -> tuple[str, object]:
        if self.project_id is not None:
            return ("project", self.project_id)
        if self.unit_id is not None:
            return ("unit", self.unit_id)
        return ("name", self.name)


@dataclass(frozen=True)
class ContestSpec:
    name: str
    season: str
    criteria: tuple[tuple[str, Decimal], ...]
    entrants: tuple[EntrantSpec, ...]
    judges: tuple[User, ...]
    drop_extremes: bool
    grouping: str

    def digest(self) -> str:
        """A stable fingerprint of the set-up (for an Idempotency-Key's request)."""
        data: dict[str, Any] = {
            "name": self.name,
            "season": self.season,
            "criteria": [[n, str(w)] for n, w in self.criteria],
            "entrants": sorted(str(e.key) for e in self.entrants),
            "judges": sorted(u.pk for u in self.judges),
            "drop_extremes": self.drop_extremes,
            "grouping": self.grouping,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _text(value: object, *, field: str, label: str, limit: int, required: bool) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise InvalidContest(f"{label}不能为空 / {field} is required", field=field)
    if len(text) > limit:
        raise InvalidContest(f"{label}不能超过{limit}个字 / {field} too long", field=field)
    return text


def check_criteria(criteria: Sequence[tuple[object, object]]) -> tuple[tuple[str, Decimal], ...]:
    """Named criteria with positive weights (two places at most) adding up to exactly 100."""
    if not criteria:
        raise InvalidContest("至少需要一个评分项 / at least one criterion", field="criteria")
    if len(criteria) > MAX_CRITERIA:
        raise InvalidContest(
            f"评分项不能超过{MAX_CRITERIA}个 / at most {MAX_CRITERIA} criteria", field="criteria"
        )
    out: list[tuple[str, Decimal]] = []
    for label, raw in criteria:
        name = _text(label, field="criteria", label="评分项名称", limit=30, required=True)
        try:
            weight = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise InvalidContest(
                f"评分项「{name}」的权重须为数字 / weights must be numbers", field="criteria"
            ) from None
        if not weight.is_finite() or weight <= 0 or weight > 100:
            raise InvalidContest(
                f"评分项「{name}」的权重须大于0且不超过100 / weights must be 0-100",
                field="criteria",
            )
        if weight != weight.quantize(Decimal("0.01")):
            raise InvalidContest(
                f"评分项「{name}」的权重最多两位小数 / two decimal places at most",
                field="criteria",
            )
        if any(name == seen for seen, _ in out):
            raise InvalidContest(
                f"评分项「{name}」重复 / criterion names must differ", field="criteria"
            )
        out.append((name, weight.quantize(Decimal("0.01"))))
    total = sum((w for _, w in out), Decimal(0))
    if total != 100:
        shown = f"{total.normalize():f}"
        raise ContestWeights(
            f"各评分项权重合计须为100，当前合计为{shown}，请调整 / weights add up to {shown}, "
            "not 100",
            field="criteria",
            total=shown,
        )
    return tuple(out)


def _entrants(
    entrants: Iterable[Project | Unit | tuple[str, str]], *, district_pk: int, grouping: str
) -> tuple[EntrantSpec, ...]:
    given = list(entrants)
    project_ids = [e.pk for e in given if isinstance(e, Project)]
    unit_ids = [e.pk for e in given if isinstance(e, Unit)]
    if project_ids and unit_ids:
        raise InvalidContest(
            "参评对象须同为项目或同为单位 / entrants are either projects or units",
            field="entrants",
        )
    projects = {
        p.pk: p
        for p in Project.objects.filter(pk__in=project_ids, district_id=district_pk).select_related(
            "unit"
        )
    }
    units = {
        u.pk: u
        for u in Unit.objects.in_district(district_pk).filter(
            pk__in=unit_ids, kind__in=ENTRANT_UNIT_KINDS, is_active=True
        )
    }
    out: dict[tuple[str, object], EntrantSpec] = {}
    for entrant in given:
        if isinstance(entrant, Project):
            p = projects.get(entrant.pk)
            if p is None:
                raise InvalidContest(
                    f"项目「{entrant.name}」不在本区 / project outside the district",
                    field="entrants",
                )
            group = UnitKind(p.unit.kind).label if grouping == Grouping.KIND else PROJECTS_GROUP
            spec = EntrantSpec(name=p.name[:200], group=str(group), project_id=p.pk)
        elif isinstance(entrant, Unit):
            u = units.get(entrant.pk)
            if u is None:
                raise InvalidContest(
                    f"「{entrant.name}」不是本区的街道/镇或部门 / not a street or department "
                    "of the district",
                    field="entrants",
                )
            group = u.get_kind_display() if grouping == Grouping.KIND else UNITS_GROUP
            spec = EntrantSpec(name=u.name, group=str(group), unit_id=u.pk)
        else:
            label, group = entrant
            spec = EntrantSpec(
                name=_text(label, field="entrants", label="参评对象", limit=200, required=True),
                group=_text(group, field="entrants", label="分组", limit=30, required=True),
            )
        out.setdefault(spec.key, spec)
    if not out:
        raise InvalidContest("至少需要一个参评对象 / at least one entrant", field="entrants")
    if len(out) > MAX_ENTRANTS:
        raise InvalidContest(
            f"参评对象不能超过{MAX_ENTRANTS}个 / too many entrants", field="entrants"
        )
    return tuple(out.values())


def _judges(judges: Iterable[User], *, district_pk: int) -> tuple[User, ...]:
    unique = {u.pk: u for u in judges}
    if not unique:
        raise InvalidContest("至少需要一名评委 / at least one judge", field="judges")
    if len(unique) > MAX_JUDGES:
        raise InvalidContest(f"评委不能超过{MAX_JUDGES}名 / too many judges", field="judges")
    for user in unique.values():
        if (
            not user.is_active
            or user.district_pk != district_pk
            or not user.has_role(PROJECT_READ_ROLES)
        ):
            raise InvalidContest(
                f"{user}不能担任评委（须为本区能查看项目的在职人员）/ not eligible as a judge",
                field="judges",
            )
    return tuple(unique.values())


def check_spec(
    *,
    district_pk: int,
    name: object,
    season: object,
    criteria: Sequence[tuple[object, object]],
    entrants: Iterable[Project | Unit | tuple[str, str]],
    judges: Iterable[User],
    drop_extremes: bool,
    grouping: str,
) -> ContestSpec:
    """The set-up checked field by field (each refusal names its ``field``)."""
    if grouping not in Grouping.values:
        raise InvalidContest("分组方式有误 / unknown grouping", field="grouping")
    return ContestSpec(
        name=_text(name, field="name", label="评比名称", limit=100, required=True),
        season=_text(season, field="season", label="主题", limit=30, required=False),
        criteria=check_criteria(criteria),
        entrants=_entrants(entrants, district_pk=district_pk, grouping=grouping),
        judges=_judges(judges, district_pk=district_pk),
        drop_extremes=bool(drop_extremes),
        grouping=grouping,
    )
