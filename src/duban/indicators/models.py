"""Economic indicators (经济运行): areas and peer groups, the indicator catalogue, monthly
releases of figures (draft → approved → published, corrections as new versions), targets
and composite-rank schemes.

Every table carries the deploying district (the root unit of its org tree): each district
keeps its own copy of the city's figures, imported by its own statistics office.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    CITY = "city", _("全市")
    DISTRICT = "district", _("区")
    COUNTY = "county", _("县")
    COUNTY_CITY = "county_city", _("县级市")
    ZONE = "zone", _("功能区")


class Area(models.Model):
    """A county, district or zone compared with its peers, or the city (the reference)."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=50)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=AreaKind.choices)
    is_home = models.BooleanField(_("本区"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="ind_area_code_unique"),
            models.UniqueConstraint(fields=["district", "name"], name="ind_area_name_unique"),
        ]
        indexes = [models.Index(fields=["district", "sort_order"], name="ind_area_district_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.kind == AreaKind.CITY


class PeerGroup(models.Model):
    """Areas ranked together: 全市各县区, 六区, 县(市)."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=50)
    areas = models.ManyToManyField(Area, verbose_name=_("成员"), related_name="groups")
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("比较组")
        verbose_name_plural = _("比较组")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="ind_group_code_unique"),
        ]
        indexes = [models.Index(fields=["district", "sort_order"], name="ind_group_district_idx")]

    def __str__(self) -> str:
        return self.name


class Reported(models.TextChoices):
    BOTH = "both", _("累计值和增速")
    VALUE = "value", _("仅累计值")
    GROWTH = "growth", _("仅增速")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class RankBy(models.TextChoices):
    GROWTH = "growth", _("按增速")
    VALUE = "value", _("按累计值")


class Indicator(models.Model):
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=50)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    unit = models.CharField(_("计量单位"), max_length=16, help_text=_("如 亿元、万元、%"))
    reported = models.CharField(
        _("报送内容"), max_length=8, choices=Reported.choices, default=Reported.BOTH
    )
    direction = models.CharField(
        _("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    rank_by = models.CharField(
        _("排名依据"), max_length=8, choices=RankBy.choices, default=RankBy.GROWTH
    )
    merged_jan_feb = models.BooleanField(
        _("1-2月合并发布"), default=True, help_text=_("1月不单独发布，2月数据即“1-2月”累计")
    )
    # Last year's growth of the same period beyond ±this many points marks an abnormal base:
    # the page then shows the two-year average growth beside this year's.
    base_effect_threshold = models.DecimalField(
        _("基数异常阈值(百分点)"), max_digits=6, decimal_places=1, default=15
    )
    # A growth rate further than this many standard deviations from the area's own history
    # is flagged on import (a warning, not an error).
    outlier_sigma = models.DecimalField(
        _("异常值阈值(标准差倍数)"), max_digits=4, decimal_places=1, default=3
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标目录")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="ind_indicator_code_unique"),
            models.UniqueConstraint(fields=["district", "name"], name="ind_indicator_name_unique"),
        ]
        indexes = [
            models.Index(fields=["district", "sort_order"], name="ind_indicator_district_idx")
        ]

    def __str__(self) -> str:
        return self.name


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    APPROVED = "approved", _("已审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已更正")


class Release(models.Model):
    """One version of one month's figures. A correction after publication is a new version;
    the old one is kept (``superseded``) as the history."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("统计月份"), max_length=7)  # "YYYY-MM" (1-2月 is "YYYY-02")
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT
    )
    source_name = models.CharField(_("来源文件"), max_length=200, blank=True)
    reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    imported_at = models.DateTimeField(_("导入时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度数据")
        verbose_name_plural = _("月度数据")
        ordering = ["-period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "period", "version"], name="ind_release_version_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "status", "period"], name="ind_release_status_idx"),
            models.Index(fields=["district", "period", "version"], name="ind_release_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period} 第{self.version}版"


class Value(models.Model):
    """One area's figures for one indicator in one release."""

    release = models.ForeignKey(
        Release, verbose_name=_("月度数据"), on_delete=models.CASCADE, related_name="values"
    )
    area = models.ForeignKey(Area, verbose_name=_("地区"), on_delete=models.PROTECT)
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT)
    value = models.FloatField(_("累计值"), null=True, blank=True)
    growth = models.FloatField(_("累计增速(%)"), null=True, blank=True)
    month_value = models.FloatField(_("当月值"), null=True, blank=True)
    outlier = models.BooleanField(_("异常值"), default=False)

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = _("指标数值")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "area", "indicator"], name="ind_value_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["area", "indicator", "release"], name="ind_value_area_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.indicator}"


class Target(models.Model):
    """An area's annual target for an indicator: a value, a growth rate, or both."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(Area, verbose_name=_("地区"), on_delete=models.CASCADE)
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.FloatField(_("目标值"), null=True, blank=True)
    growth = models.FloatField(_("目标增速(%)"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [
            models.UniqueConstraint(fields=["area", "indicator", "year"], name="ind_target_unique"),
        ]
        indexes = [models.Index(fields=["district", "year"], name="ind_target_district_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.area} {self.indicator}"


class CompositeScheme(models.Model):
    """A composite rank: weighted standard scores (50 + 10·z) of chosen indicators."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("综合排名方案")
        verbose_name_plural = _("综合排名方案")
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="ind_scheme_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CompositeWeight(models.Model):
    scheme = models.ForeignKey(
        CompositeScheme, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="weights"
    )
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE)
    weight = models.FloatField(_("权重"))

    class Meta:
        verbose_name = _("权重")
        verbose_name_plural = _("权重")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="ind_weight_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} × {self.weight}"
