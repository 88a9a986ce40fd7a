"""Where each role starts, and the navigation it sees."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duban.org.models import Role, UnitKind

# (url name, label, roles)
NAV = (
    ("web:intake", _("受理台"), {Role.OPERATOR}),
    ("web:centre", _("中心工作台"), {Role.OPERATOR, Role.DISPATCHER}),
    ("web:inbox", _("本单位待办"), {Role.HANDLER, Role.UNIT_HEAD}),
    ("web:supervision", _("督办台"), {Role.SUPERVISOR, Role.LEADER}),
    ("web:circular", _("月度通报"), {Role.SUPERVISOR, Role.LEADER}),
    (
        "web:search",
        _("工单查询"),
        {
            Role.OPERATOR,
            Role.DISPATCHER,
            Role.HANDLER,
            Role.UNIT_HEAD,
            Role.SUPERVISOR,
            Role.LEADER,
            Role.ADMIN,
        },
    ),
    (
        "metrics:dashboard",
        _("数据看板"),
        {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.UNIT_HEAD},
    ),
    (
        "metrics:rankings",
        _("飞虎榜/蜗牛榜"),
        {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.UNIT_HEAD},
    ),
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


def nav_items(role: str, current: str) -> list[dict[str, object]]:
    items = []
    for name, label, roles in NAV:
        if role in roles:
            url = reverse(name)
            items.append({"url": url, "label": label, "active": current.startswith(url)})
    if role == Role.ADMIN:
        items.append({"url": "/admin/", "label": _("系统管理"), "active": False})
    return items
