"""The enterprise registry (万人助万企) and the industry-chain catalogue shared with projects."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndustryChain(models.Model):
    """An industry chain (产业链) of the district: 高端装备制造, 生物医药, 数字经济 … (admin-edited).

    Enterprises and key projects (``projects``, the layer above) both point at it.
    """

    name = models.CharField(_("名称"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """An industrial park (园区) of a district."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="park_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """An enterprise of the district's registry, keyed by its unified social credit code."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    street = models.ForeignKey(
        "org.Unit",
        verbose_name=_("街道/镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        indexes = [models.Index(fields=["district", "name"], name="enterprise_district_name")]

    def __str__(self) -> str:
        return self.name
