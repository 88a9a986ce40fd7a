"""Where each role starts, and the navigation it sees."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duban.org.models import UnitKind
from duban.org.roles import (
    CENTRE_ROLES,
    DASHBOARD_ROLES,
    INSPECTION_OFFICE_ROLES,
    INSPECTOR_ROLES,
    INTAKE_ROLES,
    PROJECT_OFFICE_ROLES,
    STATS_ROLES,
    SUPERVISION_ROLES,
    UNIT_ROLES,
    Role,
)

# (url name, label, roles)
NAV = (
    ("web:intake", _("受理台"), INTAKE_ROLES),
    ("web:centre", _("中心工作台"), CENTRE_ROLES),
    ("web:inbox", _("本单位待办"), UNIT_ROLES),
    ("web:supervision", _("督办台"), SUPERVISION_ROLES),
    ("web:circular", _("月度通报"), SUPERVISION_ROLES),
    ("web:search", _("工单查询"), CENTRE_ROLES | UNIT_ROLES | SUPERVISION_ROLES | {Role.ADMIN}),
    ("metrics:dashboard", _("数据看板"), DASHBOARD_ROLES),
    ("metrics:rankings", _("飞虎榜/蜗牛榜"), DASHBOARD_ROLES),
    # key projects (duban.projects.roles): the office's desk, the ledger, the reporter's form
    ("projects:dispatch", _("月度调度"), PROJECT_OFFICE_ROLES),
    (
        "projects:ledger",
        _("重点项目"),
        PROJECT_OFFICE_ROLES | {Role.PROJECT_REPORTER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN},
    ),
    ("projects:report", _("项目月报"), frozenset({Role.PROJECT_REPORTER})),
    ("projects:mine", _("我的项目"), frozenset({Role.LEADER})),
    # the readers of duban.indicators.selectors.READER_ROLES
    ("indicators:table", _("经济运行"), STATS_ROLES | SUPERVISION_ROLES | {Role.ADMIN}),
    # the enterprise service (duban.enterprises): officers' desk, departments' proxy steps, figures
    ("enterprises:desk", _("企业服务"), {Role.SERVICE_OFFICER}),
    ("enterprises:steps", _("代办环节"), UNIT_ROLES),
    ("enterprises:dashboard", _("万人助万企"), SUPERVISION_ROLES | {Role.ADMIN}),
    # inspections (督查检查): the inspector's phone pages, the office's and readers' desks
    ("inspections:phone", _("现场督查"), INSPECTOR_ROLES),
    (
        "inspections:dashboard",
        _("督查检查"),
        INSPECTOR_ROLES | INSPECTION_OFFICE_ROLES | SUPERVISION_ROLES | {Role.ADMIN},
    ),
    ("inspections:desk", _("督查整改"), UNIT_ROLES),
)

HOME = {
    Role.OPERATOR: "web:intake",
    Role.DISPATCHER: "web:centre",
    Role.HANDLER: "web:inbox",
    Role.UNIT_HEAD: "web:inbox",
    Role.SUPERVISOR: "web:supervision",
    Role.LEADER: "metrics:dashboard",
    Role.PROJECT_OFFICE: "projects:dispatch",
    Role.PROJECT_REPORTER: "projects:report",
    Role.STATS_OFFICE: "indicators:import",
    Role.SERVICE_OFFICER: "enterprises:desk",
    Role.INSPECTOR: "inspections:phone",
    Role.INSPECTION_OFFICE: "inspections:dashboard",
}


def home_url(who: object) -> str:
    """Landing page of a role (``who`` a role code) or of a user (grid workers: grid page)."""
    role: str = who if isinstance(who, str) else who.role  # type: ignore[attr-defined]
    unit = None if isinstance(who, str) else getattr(who, "unit", None)
    if role == Role.HANDLER and unit is not None and unit.kind == UnitKind.GRID:
        return reverse("web:grid")
    if role == Role.ADMIN:
        return "/admin/"
    name = HOME.get(role)  # type: ignore[call-overload]
    return reverse(name) if name else reverse("web:no_desk")


def nav_items(held: str | Iterable[str], current: str) -> list[dict[str, object]]:
    """The links of a user holding the role(s) ``held`` (``User.roles``), in NAV order."""
    mine = frozenset([held] if isinstance(held, str) else held)
    items = []
    for name, label, roles in NAV:
        if not mine.isdisjoint(roles):
            url = reverse(name)
            items.append({"url": url, "label": label, "active": current.startswith(url)})
    if Role.ADMIN in mine:
        items.append({"url": "/admin/", "label": _("系统管理"), "active": False})
    return items
