"""What the ticket page and the desks say after an action succeeded.

Most actions read well as ``签收成功`` / ``申请延期成功``; those that do not (审核通过成功,
同意退单成功, 派单成功 without the unit …) say what happened instead, naming the unit the
ticket went to. Texts are marked for translation here and translated when shown.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Ticket

DONE: dict[str, str] = {
    "dispatch": gettext_noop("已派至%(unit)s"),
    "reassign": gettext_noop("已改派至%(unit)s"),
    "sub_dispatch": gettext_noop("已下派至%(unit)s"),
    "direct_answer": gettext_noop("已直接答复并办结"),
    "submit_part": gettext_noop("已向主办单位上报办理情况"),
    "approve_return": gettext_noop("已同意退单，工单待重新派单"),
    "reject_return": gettext_noop("已驳回退单申请"),
    "reject_extension": gettext_noop("已驳回延期申请"),
    "review_pass": gettext_noop("答复审核通过，等待回访"),
    "review_reject": gettext_noop("已退回承办单位重新答复"),
    "callback": gettext_noop("已记录回访结果"),
    "reopen": gettext_noop("已交承办单位重新办理"),
    "invalidate": gettext_noop("已作废"),
    "request_exemption": gettext_noop("已提交考核申诉，等待中心审核"),
    "approve_exemption": gettext_noop("已同意核减"),
    "reject_exemption": gettext_noop("已驳回考核申诉"),
    "assign_leader": gettext_noop("已安排领导包案"),
    "escalate": gettext_noop("已提级办理"),
}
# The unit a message names: where the ticket went.
_UNIT = {"dispatch": "primary_unit", "reassign": "primary_unit", "sub_dispatch": "handling_unit"}


def done_message(action: str, label: str, ticket: Ticket) -> str:
    """``20250303000001：已派至滨湖街道`` or ``…：签收成功`` for ``action`` done on ``ticket``."""
    text = DONE.get(action)
    if text is None:
        said = _("%(action)s成功") % {"action": _(label)}
    else:
        unit = getattr(ticket, _UNIT.get(action, ""), None)
        said = _(text) % {"unit": unit.name if unit is not None else ""}
    return f"{ticket.number}：{said}"
