"""Every type of ticket event, with its label (the one list; values are stored data and API).

This module imports nothing of the models, so ``tickets.models`` can use
:class:`EventType` as the choices of ``TicketEvent.type``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # Intake
    REGISTER = "register", _("登记")
    SUGGEST = "suggest", _("智能推荐")
    # Dispatch and returns (rules in tickets.services.base.TABLE, as are all below but breach)
    DISPATCH = "dispatch", _("派单")
    DIRECT_ANSWER = "direct_answer", _("直办答复")
    REASSIGN = "reassign", _("改派")
    REQUEST_RETURN = "request_return", _("申请退单")
    APPROVE_RETURN = "approve_return", _("同意退单")
    REJECT_RETURN = "reject_return", _("驳回退单")
    SUB_DISPATCH = "sub_dispatch", _("下派")
    SUBMIT_PART = "submit_part", _("协办反馈")
    # The unit's work
    ACCEPT = "accept", _("签收")
    RECORD_CONTACT = "record_contact", _("联系诉求人")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    REJECT_EXTENSION = "reject_extension", _("驳回延期")
    # A request nobody ruled on before the round it was asked for ended (the reply).
    EXTENSION_LAPSED = "extension_lapsed", _("延期申请失效")
    REPLY = "reply", _("答复")
    # The centre: review, call-back, rating, reopen, merge, invalidate
    REVIEW_PASS = "review_pass", _("审核通过")
    REVIEW_REJECT = "review_reject", _("审核退回")
    CALLBACK = "callback", _("回访")
    RATE_ONLINE = "rate_online", _("网上评价")
    REOPEN = "reopen", _("重办")
    MERGE = "merge", _("合并")
    CLOSE_WITH_MASTER = "close_with_master", _("随主工单办结")
    INVALIDATE = "invalidate", _("作废")
    # 考核申诉 / 核减 (overlays: the state is kept)
    REQUEST_EXEMPTION = "request_exemption", _("考核申诉")
    APPROVE_EXEMPTION = "approve_exemption", _("核减通过")
    REJECT_EXEMPTION = "reject_exemption", _("申诉驳回")
    # Overlays (the state is kept)
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")
    ASSIGN_LEADER = "assign_leader", _("领导包案")
    ESCALATE = "escalate", _("提级")
    REVEAL_CALLER = "reveal_caller", _("查看来电人信息")
    ATTACH = "attach", _("上传附件")
    ATTACH_PUBLIC = "attach_public", _("群众上传照片")
    # The periodic scan (`duban sla tick`)
    BREACH = "breach", _("超时")
