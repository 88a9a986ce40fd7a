"""The roles a user may have, and the groups of roles that pages, the API and the rules share.

A group is defined here once and imported wherever a page, a rule or a read needs it;
a view or a rule never spells out its own set of roles.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("受理员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    UNIT_HEAD = "unit_head", _("单位负责人")
    SUPERVISOR = "supervisor", _("督办员")
    LEADER = "leader", _("区领导")
    SERVICE_OFFICER = "service_officer", _("首席服务员")
    PROJECT_REPORTER = "project_reporter", _("项目填报员")
    PROJECT_OFFICE = "project_office", _("项目办(发改局)")
    STATS_OFFICE = "stats_office", _("统计局")
    INSPECTOR = "inspector", _("督查员")
    INSPECTION_OFFICE = "inspection_office", _("创文办/督查办")
    ADMIN = "admin", _("系统管理员")


# A user holds one primary role (``User.role``) and may hold further ones
# (``User.extra_roles``: a 发改局 clerk also handles tickets, a leader is also a project's
# 包联领导). Every check asks ``user.has_role(group)``, which looks at all of them.

# The operator's intake desk (受理台).
INTAKE_ROLES = frozenset({Role.OPERATOR})
# The 12345 service centre: registers, dispatches, calls back, merges (中心工作台).
CENTRE_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER})
# Decide returns, extensions and reviews.
DISPATCHER_ROLES = frozenset({Role.DISPATCHER})
# A unit's staff: accept, handle and reply for their unit (本单位待办).
UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_HEAD})
# The supervision desk (督办台) and the monthly circular (月度通报).
SUPERVISION_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})
# Read and export the monthly circular (page, print view, Excel, Word): supervision and
# the administrator.
CIRCULAR_ROLES = SUPERVISION_ROLES | {Role.ADMIN}
# May urge a ticket (催办): supervision and the dispatchers.
URGE_ROLES = SUPERVISION_ROLES | DISPATCHER_ROLES
# The dashboard, the rankings and the monthly report.
DASHBOARD_ROLES = frozenset(
    {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.UNIT_HEAD}
)
# -- modules --------------------------------------------------------------------------
# Key projects (项目为王): the development office runs the ledger and the monthly dispatch.
PROJECT_OFFICE_ROLES = frozenset({Role.PROJECT_OFFICE})
# Enterprise service (万人助万企): chief service officers.
SERVICE_OFFICER_ROLES = frozenset({Role.SERVICE_OFFICER})
# Economic indicators: only the statistics office writes.
STATS_ROLES = frozenset({Role.STATS_OFFICE})
# Inspections (督查检查): inspectors walk the rounds; the 创文办/督查办 runs programmes.
INSPECTOR_ROLES = frozenset({Role.INSPECTOR})
INSPECTION_OFFICE_ROLES = frozenset({Role.INSPECTION_OFFICE})

# Work spans the whole district although they sit in one unit (the service centre, the
# supervision office, the leadership).
DISTRICT_WIDE_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.DISPATCHER,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMIN,
        Role.PROJECT_OFFICE,
        Role.STATS_OFFICE,
        Role.INSPECTION_OFFICE,
    }
)
# See callers' personal data in lists and API output.
PERSONAL_DATA_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN})
