"""Enumerations of the ticket domain (codes are stable API values).

Kind, appeal type, urgency and channel are defined in ``core.choices`` (the SLA rules key
on them too) and re-exported here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.choices import AppealType as AppealType
from duban.core.choices import Channel as Channel
from duban.core.choices import Kind as Kind
from duban.core.choices import Urgency as Urgency


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    DISPATCHED = "dispatched", _("已派单")
    RETURN_PENDING = "return_pending", _("退单待审")
    ACCEPTED = "accepted", _("办理中")
    REPLIED = "replied", _("已答复")
    REVIEWED = "reviewed", _("待回访")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")
    INVALID = "invalid", _("无效")


OPEN_STATES = frozenset(
    {
        State.REGISTERED,
        State.DISPATCHED,
        State.RETURN_PENDING,
        State.ACCEPTED,
        State.REPLIED,
        State.REVIEWED,
        State.REOPENED,
    }
)


class ReplyResult(models.TextChoices):
    SOLVED = "solved", _("已解决")
    PARTLY = "partly", _("部分解决")
    EXPLAINED = "explained", _("已解释说明")
    CANNOT = "cannot", _("无法解决")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class SuperviseLevel(models.IntegerChoices):
    NONE = 0, _("无")
    NORMAL = 1, _("一般督办")
    KEY = 2, _("重点督办")
    LISTED = 3, _("挂牌督办")


class AssignmentRole(models.TextChoices):
    PRIMARY = "primary", _("主办")
    CO = "co", _("协办")
    SUB = "sub", _("下派")


class ExemptionReason(models.TextChoices):
    """Why a unit contests a ticket's count (考核申诉 / 核减)."""

    UNREASONABLE = "unreasonable", _("诉求不合理")
    OUT_OF_SCOPE = "out_of_scope", _("不属于本单位职责")
    REFUSES_SOLUTION = "refuses_solution", _("诉求人拒不接受合理解决方案")
    OTHER = "other", _("其他")


class ExemptionStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已核减")
    REJECTED = "rejected", _("已驳回")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("办理中")
    RETURNED = "returned", _("已退回")
    REASSIGNED = "reassigned", _("已改派")
    CONTRIBUTED = "contributed", _("已反馈")
    DONE = "done", _("已结束")


class Breach(models.TextChoices):
    ACCEPT = "accept", _("签收超时")
    CONTACT = "contact", _("联系超时")
    HANDLE = "handle", _("办理超期")
    CALLBACK = "callback", _("回访超时")
