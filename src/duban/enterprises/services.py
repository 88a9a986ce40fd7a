"""Writes of the enterprise registry: enterprises, officers, service groups, visits, imports.

Every function is keyword-only, takes the actor and ``now``, runs in one transaction and
writes its own history row (``EnterpriseEvent``) and the admin's audit row. Problems are in
``services_problems``, proxy cases in ``services_proxy``, the enterprises' own way in in
``services_access``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from duban.core.errors import InvalidInput, PermissionDenied
from duban.core.periods import PERIOD_TZ
from duban.org.models import Unit, UnitKind, User
from duban.org.roles import DISTRICT_WIDE_ROLES, Role
from duban.org.services import audit_log
from duban.tickets.services.intake import normalise_phone

from . import credit_code as cc
from .errors import DuplicateEnterprise, ImportRejected, InvalidCreditCode, NotYourEnterprise
from .models import (
    CoverageRule,
    Enterprise,
    EnterpriseEvent,
    EventType,
    GroupKind,
    IndustryChain,
    Park,
    ServiceGroup,
    Size,
    Visit,
)
from .roles import REGISTRY_ROLES

FLAGS = ("above_scale", "specialized", "high_tech", "tech_sme")


# -- shared checks ---------------------------------------------------------------------------


def district_of(actor: User) -> Unit:
    if actor.unit is None:
        raise PermissionDenied("用户未归属单位")
    return Unit.objects.get(pk=actor.unit.district_pk)


def check_role(actor: User, roles: Iterable[str]) -> None:
    if not actor.is_active or not actor.has_role(frozenset(roles)):
        raise PermissionDenied("当前角色无权执行该操作")


def serves(actor: User, enterprise: Enterprise) -> bool:
    """Whether ``actor`` may act for ``enterprise``: its officer, a member of its service
    group (or the group's task force), or a district-wide role of its district."""
    if not actor.is_active or actor.unit is None:
        return False
    if actor.unit.district_pk != enterprise.district_id:
        return False
    if actor.has_role(DISTRICT_WIDE_ROLES):
        return True
    if not actor.has_role(Role.SERVICE_OFFICER):
        return False
    if enterprise.officer_id == actor.pk:
        return True
    if enterprise.group_id is None:
        return False
    return (
        ServiceGroup.objects.filter(pk=enterprise.group_id, members=actor).exists()
        or ServiceGroup.objects.filter(groups__pk=enterprise.group_id, members=actor).exists()
    )


def check_serves(actor: User, enterprise: Enterprise) -> None:
    if not serves(actor, enterprise):
        raise NotYourEnterprise("该企业不由您服务，无权操作")


def check_credit_code(value: str) -> str:
    code = cc.normalise(value or "")
    if (problem := cc.problem(code)) is not None:
        raise InvalidCreditCode(problem, field="credit_code")
    return code


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(f"{label}含有非法字符", field=field)
    if required and not value:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", field=field)
    return value


def _phone(value: str) -> str:
    if not value:
        return ""
    try:
        return normalise_phone(value)
    except InvalidInput as exc:
        raise InvalidInput("联系人手机号码格式不正确", field="contact_phone") from exc


def history(
    *,
    enterprise: Enterprise,
    type: str,
    actor: User | None,
    now: datetime,
    note: str = "",
    actor_label: str = "",
    **refs: Any,
) -> EnterpriseEvent:
    label = actor_label or (actor.full_name or actor.username if actor is not None else "")
    return EnterpriseEvent.objects.create(
        enterprise=enterprise,
        type=type,
        actor=actor,
        actor_label=label[:100],
        at=now,
        note=note[:500],
        **refs,
    )


# -- enterprises -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseData:
    """What a form, the API or an import row says of an enterprise (already parsed)."""

    name: str
    credit_code: str
    chain: IndustryChain | None = None
    park: Park | None = None
    street: Unit | None = None
    size: str = Size.SMALL
    above_scale: bool = False
    specialized: bool = False
    high_tech: bool = False
    tech_sme: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    officer: User | None = None
    group: ServiceGroup | None = None


def enterprise_data_refusal(data: EnterpriseData, *, district: Unit) -> InvalidInput | None:
    """Why ``data`` cannot be an enterprise of ``district`` (the first problem found)."""
    try:
        _clean(data, district=district)
    except InvalidInput as exc:
        return exc
    return None


def _clean(data: EnterpriseData, *, district: Unit) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _text(data.name, field="name", label="企业名称", limit=200),
        "credit_code": check_credit_code(data.credit_code),
        "contact_name": _text(
            data.contact_name, field="contact_name", label="联系人", limit=50, required=False
        ),
        "contact_phone": _phone(data.contact_phone),
    }
    if data.size not in Size.values:
        raise InvalidInput("企业规模无效", field="size")
    if data.park is not None and data.park.district_id != district.pk:
        raise InvalidInput("园区不属于本区", field="park")
    street = data.street
    if street is not None and (
        street.kind != UnitKind.STREET or street.district_pk != district.pk or not street.is_active
    ):
        raise InvalidInput("街道/镇不属于本区", field="street")
    officer = data.officer
    if officer is not None and (
        not officer.is_active
        or not officer.has_role(Role.SERVICE_OFFICER)
        or officer.district_pk != district.pk
    ):
        raise InvalidInput("首席服务员须为本区在岗的首席服务员", field="officer")
    group = data.group
    if group is not None and (
        group.district_id != district.pk or group.kind != GroupKind.SERVICE_GROUP
    ):
        raise InvalidInput("服务组不属于本区", field="group")
    values.update(
        chain=data.chain,
        park=data.park,
        street=street,
        size=data.size,
        officer=officer,
        group=group,
        **{flag: bool(getattr(data, flag)) for flag in FLAGS},
    )
    return values


@transaction.atomic
def enterprise_create(*, actor: User, now: datetime, data: EnterpriseData) -> Enterprise:
    """Register an enterprise in the actor's district. An officer who registers one without
    naming its officer becomes its officer."""
    check_role(actor, REGISTRY_ROLES)
    district = district_of(actor)
    values = _clean(data, district=district)
    if values["officer"] is None and actor.has_role(Role.SERVICE_OFFICER):
        values["officer"] = actor
    if Enterprise.objects.filter(credit_code=values["credit_code"]).exists():
        raise DuplicateEnterprise(
            "统一社会信用代码已登记：" + values["credit_code"], field="credit_code"
        )
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(district=district, created_at=now, **values)
    except IntegrityError as exc:  # a concurrent registration of the same code won
        raise DuplicateEnterprise(
            "统一社会信用代码已登记：" + values["credit_code"], field="credit_code"
        ) from exc
    history(enterprise=enterprise, type=EventType.ENTERPRISE_CREATED, actor=actor, now=now)
    audit_log(actor=actor, obj=enterprise, message="企业入库", action="add")
    return enterprise


@transaction.atomic
def enterprise_assign(
    *,
    actor: User,
    now: datetime,
    enterprise: Enterprise,
    officer: User | None,
    group: ServiceGroup | None,
) -> Enterprise:
    """Name the enterprise's chief service officer and service group (district-wide roles)."""
    check_role(actor, DISTRICT_WIDE_ROLES)
    if actor.district_pk != enterprise.district_id:
        raise NotYourEnterprise("企业不在您的管辖范围内")
    district = enterprise.district
    data = EnterpriseData(
        name=enterprise.name,
        credit_code=enterprise.credit_code,
        officer=officer,
        group=group,
        size=enterprise.size,
    )
    values = _clean(data, district=district)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    locked.officer = values["officer"]
    locked.group = values["group"]
    locked.save(update_fields=["officer", "group"])
    who = officer.full_name or officer.username if officer else "无"
    note = f"首席服务员：{who}；服务组：{group.name if group else '无'}"
    history(enterprise=locked, type=EventType.OFFICER_ASSIGNED, actor=actor, now=now, note=note)
    audit_log(actor=actor, obj=locked, message=note)
    return locked


@transaction.atomic
def coverage_rule_set(
    *, actor: User, now: datetime, above_scale_days: int, other_days: int
) -> CoverageRule:
    check_role(actor, DISTRICT_WIDE_ROLES)
    for value, field in ((above_scale_days, "above_scale_days"), (other_days, "other_days")):
        if not 1 <= int(value) <= 366:
            raise InvalidInput("走访周期应为 1–366 天", field=field)
    rule, _ = CoverageRule.objects.select_for_update().get_or_create(district=district_of(actor))
    rule.above_scale_days, rule.other_days = above_scale_days, other_days
    rule.save()
    audit_log(actor=actor, obj=rule, message=f"规上 {above_scale_days} 天，其他 {other_days} 天")
    return rule


# -- service groups --------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    actor: User,
    now: datetime,
    name: str,
    kind: str,
    parent: ServiceGroup | None = None,
    leader: User | None = None,
    members: Sequence[User] = (),
    sort_order: int = 0,
) -> ServiceGroup:
    """A task force (工作专班) or a service group (服务组, optionally under a task force)."""
    check_role(actor, DISTRICT_WIDE_ROLES)
    district = district_of(actor)
    name = _text(name, field="name", label="名称", limit=100)
    if kind not in GroupKind.values:
        raise InvalidInput("类型无效", field="kind")
    if parent is not None and (
        parent.kind != GroupKind.TASK_FORCE
        or parent.district_id != district.pk
        or kind != GroupKind.SERVICE_GROUP
    ):
        raise InvalidInput("服务组只能归属本区的工作专班", field="parent")
    people = [*members, *([leader] if leader else [])]
    if any(u.district_pk != district.pk for u in people):
        raise InvalidInput("成员须为本区人员", field="members")
    if ServiceGroup.objects.filter(district=district, name=name).exists():
        raise InvalidInput("名称已存在", field="name")
    group = ServiceGroup.objects.create(
        district=district,
        name=name,
        kind=kind,
        parent=parent,
        leader=leader,
        sort_order=sort_order,
    )
    group.members.set({u.pk for u in people})
    audit_log(actor=actor, obj=group, message="新建" + group.get_kind_display(), action="add")
    return group


# -- visits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundProblem:
    """A problem found on a visit (becomes a ticket of kind ``enterprise``)."""

    title: str
    content: str
    category_id: int
    level: str = "district"
    units: Sequence[Unit] = ()  # 园区吹哨: the departments it goes to at once


@transaction.atomic
def visit_log(
    *,
    actor: User,
    now: datetime,
    enterprise: Enterprise,
    visited_on: date,
    topics: str,
    participants: str = "",
    problems: Sequence[FoundProblem] = (),
) -> Visit:
    """Record a visit (走访) by one who serves the enterprise; each problem found becomes a
    problem ticket (source 自主发现)."""
    check_serves(actor, enterprise)
    topics = _text(topics, field="topics", label="交流内容", limit=5000)
    participants = _text(
        participants, field="participants", label="参加人员", limit=200, required=False
    )
    if not isinstance(visited_on, date) or visited_on > now.astimezone(PERIOD_TZ).date():
        raise InvalidInput("走访日期不能晚于今天", field="visited_on")
    visit = Visit.objects.create(
        district_id=enterprise.district_id,
        enterprise=enterprise,
        officer=actor,
        visited_on=visited_on,
        topics=topics,
        participants=participants,
        created_at=now,
    )
    Enterprise.objects.filter(pk=enterprise.pk).exclude(last_visited_on__gte=visited_on).update(
        last_visited_on=visited_on
    )
    history(
        enterprise=enterprise,
        type=EventType.VISIT,
        actor=actor,
        now=now,
        note=f"{visited_on:%Y-%m-%d} 走访：{topics[:80]}",
    )
    audit_log(actor=actor, obj=visit, message="走访登记", action="add")
    if problems:
        from .services_problems import problem_raise

        for found in problems:
            problem_raise(
                actor=actor,
                now=now,
                enterprise=enterprise,
                category_id=found.category_id,
                level=found.level,
                source="visit",
                title=found.title,
                content=found.content,
                visit=visit,
                units=found.units,
            )
    return visit


# -- Excel import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the sheet's row number (the header is row 1)
    field: str
    message: str


YES = {"是", "Y", "y", "1", "true", "True", "√"}
SIZES: dict[str, str] = {str(label): str(value) for value, label in Size.choices}


def _row_data(
    row: Mapping[str, str],
    *,
    district: Unit,
    chains: Mapping[str, IndustryChain],
    parks: Mapping[str, Park],
    streets: Mapping[str, Unit],
    officers: Mapping[str, User],
) -> tuple[EnterpriseData | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []

    def lookup(column: str, table: Mapping[str, Any], label: str) -> Any:
        value = (row.get(column) or "").strip()
        if not value:
            return None
        if value not in table:
            errors.append((column, f"{label}“{value}”不存在"))
        return table.get(value)

    size_label = (row.get("企业规模") or "").strip()
    if size_label and size_label not in SIZES:
        errors.append(("企业规模", f"企业规模“{size_label}”无效（大型/中型/小型/微型）"))
    data = EnterpriseData(
        name=row.get("企业名称") or "",
        credit_code=row.get("统一社会信用代码") or "",
        chain=lookup("产业链", chains, "产业链"),
        park=lookup("园区", parks, "园区"),
        street=lookup("街道/镇", streets, "街道/镇"),
        size=SIZES.get(size_label, str(Size.SMALL)),
        above_scale=(row.get("规上企业") or "").strip() in YES,
        specialized=(row.get("专精特新") or "").strip() in YES,
        high_tech=(row.get("高新技术企业") or "").strip() in YES,
        tech_sme=(row.get("科技型中小企业") or "").strip() in YES,
        contact_name=row.get("联系人") or "",
        contact_phone=row.get("联系人手机") or "",
        officer=lookup("首席服务员账号", officers, "首席服务员账号"),
    )
    if errors:
        return None, errors
    if (refusal := enterprise_data_refusal(data, district=district)) is not None:
        return None, [(str(refusal.details.get("field", "")), refusal.message)]
    return data, []


COLUMN_OF_FIELD = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "contact_name": "联系人",
    "contact_phone": "联系人手机",
    "officer": "首席服务员账号",
    "park": "园区",
    "street": "街道/镇",
    "size": "企业规模",
}


@transaction.atomic
def enterprises_import(
    *, actor: User, now: datetime, rows: Sequence[tuple[int, Mapping[str, str]]]
) -> list[Enterprise]:
    """Register every row or none: the rows' errors (bad credit code, duplicate in the sheet
    or the registry, unknown chain, park, street or officer) are all reported at once."""
    check_role(actor, REGISTRY_ROLES)
    district = district_of(actor)
    chains = {c.name: c for c in IndustryChain.objects.filter(is_active=True)}
    parks = {p.name: p for p in Park.objects.filter(district=district)}
    streets = {
        u.name: u
        for u in Unit.objects.filter(
            kind=UnitKind.STREET, path__startswith=district.path, is_active=True
        )
    }
    officers = {
        u.username: u
        for u in User.objects.with_role(Role.SERVICE_OFFICER).filter(
            is_active=True, unit__path__startswith=district.path
        )
    }
    errors: list[RowError] = []
    parsed: list[tuple[int, EnterpriseData]] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        data, row_errors = _row_data(
            row, district=district, chains=chains, parks=parks, streets=streets, officers=officers
        )
        for field, message in row_errors:
            errors.append(RowError(number, COLUMN_OF_FIELD.get(field, field), message))
        if data is None:
            continue
        code = cc.normalise(data.credit_code)
        if code in seen:
            errors.append(
                RowError(number, "统一社会信用代码", f"与第 {seen[code]} 行的信用代码重复")
            )
            continue
        seen[code] = number
        parsed.append((number, data))
    existing = set(
        Enterprise.objects.filter(credit_code__in=list(seen)).values_list("credit_code", flat=True)
    )
    for number, data in parsed:
        if cc.normalise(data.credit_code) in existing:
            errors.append(RowError(number, "统一社会信用代码", "该信用代码的企业已登记"))
    if not rows:
        errors.append(RowError(1, "", "表格中没有企业"))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportRejected(
            f"导入未执行：{len(errors)} 处错误，请修改后重新导入",
            errors=[{"row": e.row, "column": e.field, "message": e.message} for e in errors],
        )
    return [enterprise_create(actor=actor, now=now, data=data) for _, data in parsed]


# -- the admin's catalogues ------------------------------------------------------------------

CATALOGUE_ROLES = frozenset({Role.ADMIN})


@transaction.atomic
def catalogue_save(*, actor: User, now: datetime, obj: Any, adding: bool) -> Any:
    """Save a catalogue row the admin edits (industry chain, park, problem category, proxy
    service, step template, coverage rule): validated, saved and audited together."""
    check_role(actor, CATALOGUE_ROLES)
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages)) from exc
    obj.save()
    audit_log(
        actor=actor,
        obj=obj,
        message="新增" if adding else "修改",
        action="add" if adding else "change",
    )
    return obj
