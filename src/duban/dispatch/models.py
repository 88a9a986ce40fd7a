"""Smart-dispatch settings and the knowledge base (the catalogue is ``tickets.Category``)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# A confidence is a probability.
_UNIT_INTERVAL = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class DispatchSettings(models.Model):
    """Smart-dispatch switches (one row, editable by the admin)."""

    auto_dispatch = models.BooleanField(_("自动派单"), default=False)
    auto_threshold = models.FloatField(_("自动派单置信度阈值"), default=0.98)
    preselect_threshold = models.FloatField(
        _("预选主办单位置信度阈值"),
        default=0.6,
        validators=_UNIT_INTERVAL,
        help_text=_(
            "推荐单位的置信度达到此值时，受理台和派单表单才预选它为主办单位；"
            "低于此值只显示推荐，由人工选择"
        ),
    )
    duplicate_window_days = models.PositiveSmallIntegerField(_("重复件比对天数"), default=30)
    duplicate_threshold = models.FloatField(_("重复件相似度阈值"), default=0.4)

    class Meta:
        verbose_name = _("智能派单设置")
        verbose_name_plural = _("智能派单设置")

    def __str__(self) -> str:
        return "智能派单设置"


class KnowledgeEntry(models.Model):
    """A ready answer for direct handling (直办) of consultations."""

    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("答复口径"))
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    keywords = models.CharField(
        _("关键词"), max_length=300, blank=True, help_text=_("以空格或逗号分隔")
    )
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["question"]
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库")

    def __str__(self) -> str:
        return self.question
