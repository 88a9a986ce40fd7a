"""Configurable weights of the figures (one row; defaults from PRODUCT.md)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricSettings(models.Model):
    response_weight = models.DecimalField(
        _("响应率权重"), max_digits=4, decimal_places=2, default=Decimal("0.30")
    )
    resolution_weight = models.DecimalField(
        _("解决率权重"), max_digits=4, decimal_places=2, default=Decimal("0.35")
    )
    satisfaction_weight = models.DecimalField(
        _("满意率权重"), max_digits=4, decimal_places=2, default=Decimal("0.35")
    )
    # Weight of 基本满意 in the satisfaction rate (满意 counts 1).
    basic_satisfied_weight = models.DecimalField(
        _("基本满意折算"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    min_volume = models.PositiveIntegerField(_("参与排名最少工单数"), default=10)
    top_n = models.PositiveSmallIntegerField(_("榜单数量"), default=3)

    class Meta:
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")

    def __str__(self) -> str:
        return "考核设置"
