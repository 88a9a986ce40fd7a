"""Where each role starts, and the navigation it sees."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duban.org.models import UnitKind
from duban.org.roles import (
    CENTRE_ROLES,
    DASHBOARD_ROLES,
    INTAKE_ROLES,
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
)

HOME = {
    Role.OPERATOR: "web:intake",
    Role.DISPATCHER: "web:centre",
    Role.HANDLER: "web:inbox",
    Role.UNIT_HEAD: "web:inbox",
    Role.SUPERVISOR: "web:supervision",
    Role.LEADER: "metrics:dashboard",
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
