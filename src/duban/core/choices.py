"""Enumerations shared across apps: what a ticket is (kind, appeal type, urgency) and how it came in.

Codes are stable API values. They live here, below every app, because the SLA rules key on
them as much as the tickets do; ``tickets.choices`` re-exports them with the ticket states.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    APPEAL = "appeal", _("民生诉求")
    ENTERPRISE = "enterprise", _("企业诉求")
    INSPECTION = "inspection", _("督查问题")
    PROJECT = "project", _("项目问题")


class AppealType(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    MINI_PROGRAM = "mini_program", _("小程序")
    GRID = "grid", _("网格员")
    MESSAGE_BOARD = "message_board", _("留言板")
    WALK_IN = "walk_in", _("来访")
    INSPECTION = "inspection", _("督查")
    IMPORT = "import", _("导入")
    API = "api", _("接口")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
