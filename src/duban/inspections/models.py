"""Inspections (督查检查): programmes and their checklists, sites and the responsibility map,
rounds and their site checks, findings (fixed on the spot or rectified through a ticket of
kind ``inspection``), 回头看 visits, and the 约谈/问责 records.

Every scoped table carries its district; the reads of the desk and the rankings are indexed
on (district, …, time). Scores are stored where they are decided (a finding's deduction, a
site check's score) so that every ranking is one SQL aggregate.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The default deduction rules (points): per finding; when not fixed in time; when the same
# problem is found again within the programme's window; when a higher-level inspection
# found it.
DEFAULT_DEDUCT_FINDING = Decimal("0.3")
DEFAULT_DEDUCT_OVERDUE = Decimal("1")
DEFAULT_DEDUCT_REPEAT = Decimal("2")
DEFAULT_DEDUCT_HIGHER = Decimal("2")
FULL_SCORE = Decimal("100")


def _points(verbose: str, default: Decimal) -> models.DecimalField:
    return models.DecimalField(_(verbose), max_digits=6, decimal_places=2, default=default)


class SiteType(models.TextChoices):
    RESIDENTIAL = "residential", _("小区")
    MARKET = "market", _("农贸市场")
    MAIN_ROAD = "main_road", _("主次干道")
    BACK_STREET = "back_street", _("背街小巷")
    TOILET = "toilet", _("公厕")
    TRANSFER = "transfer", _("垃圾中转站")
    SCHOOL = "school", _("学校周边")
    SERVICE_HALL = "service_hall", _("政务服务大厅")
    VILLAGE = "village", _("村庄")
    WATER = "water", _("供水工程")


class Level(models.TextChoices):
    DISTRICT = "district", _("区级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")


class Programme(models.Model):
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("编码"), max_length=64)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    repeat_window_days = models.PositiveIntegerField(_("重复问题判定天数"), default=30)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("督查项目")
        verbose_name_plural = _("督查项目")
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="insp_programme_code")
        ]

    def __str__(self) -> str:
        return self.name


class Board(models.Model):
    """A 测评项目板块 (the first level of a checklist)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("督查项目"), on_delete=models.CASCADE, related_name="boards"
    )
    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评板块")
        verbose_name_plural = _("测评板块")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="insp_board_code")
        ]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A 测评内容 (the second level)."""

    board = models.ForeignKey(
        Board, verbose_name=_("测评板块"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=200)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评内容")
        verbose_name_plural = _("测评内容")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["board", "code"], name="insp_item_code")]

    def __str__(self) -> str:
        return self.name


class Standard(models.Model):
    """A 测评标准 (the third level): what an inspector checks, where, and what it costs."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("督查项目"), on_delete=models.CASCADE, related_name="standards"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("测评内容"), on_delete=models.CASCADE, related_name="standards"
    )
    code = models.CharField(_("编号"), max_length=32)
    text = models.CharField(_("标准"), max_length=500)
    site_types = models.JSONField(_("适用点位类型"), default=list)
    score = _points("分值", Decimal("1"))
    photo_required = models.BooleanField(_("须附照片"), default=True)
    deduct_finding = _points("每个问题扣分", DEFAULT_DEDUCT_FINDING)
    deduct_overdue = _points("未按期整改加扣", DEFAULT_DEDUCT_OVERDUE)
    deduct_repeat = _points("重复问题加扣", DEFAULT_DEDUCT_REPEAT)
    deduct_higher = _points("上级督查发现加扣", DEFAULT_DEDUCT_HIGHER)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评标准")
        verbose_name_plural = _("测评标准")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="insp_standard_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def site_type_labels(self) -> str:
        labels = dict(SiteType.choices)
        return "、".join(str(labels.get(t, t)) for t in self.site_types)

    def applies_to(self, site_type: str) -> bool:
        return not self.site_types or site_type in self.site_types


class Site(models.Model):
    """A 点位 and who answers for it (分包责任制)."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("编码"), max_length=64)
    name = models.CharField(_("名称"), max_length=100)
    type = models.CharField(_("点位类型"), max_length=20, choices=SiteType.choices)
    street = models.ForeignKey(
        "org.Unit", verbose_name=_("街道/镇"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("地点"), max_length=200, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    overseer = models.CharField(_("包联领导/干部"), max_length=50, blank=True)
    overseer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包联干部账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("点位")
        verbose_name_plural = _("点位")
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="insp_site_code")]
        indexes = [
            models.Index(fields=["district", "street", "name"], name="insp_site_street"),
            models.Index(fields=["district", "unit", "name"], name="insp_site_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """An inspection round (一周一督查): which inspector checks which sites."""

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("督查项目"), on_delete=models.PROTECT, related_name="rounds"
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(
        _("督查层级"), max_length=10, choices=Level.choices, default="district"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default="open")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("督查轮次")
        verbose_name_plural = _("督查轮次")
        indexes = [models.Index(fields=["district", "starts_on"], name="insp_round_start")]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    round = models.ForeignKey(
        Round, verbose_name=_("督查轮次"), on_delete=models.CASCADE, related_name="assignments"
    )
    site = models.ForeignKey(Site, verbose_name=_("点位"), on_delete=models.PROTECT)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督查员"),
        on_delete=models.PROTECT,
        related_name="inspection_assignments",
    )

    class Meta:
        verbose_name = _("督查分工")
        verbose_name_plural = _("督查分工")
        constraints = [
            models.UniqueConstraint(fields=["round", "site"], name="insp_assignment_site")
        ]
        indexes = [models.Index(fields=["inspector", "round"], name="insp_assign_inspector")]

    def __str__(self) -> str:
        return f"{self.round} · {self.site}"


class SiteCheck(models.Model):
    """One site checked in one round; its score is 100 less its findings' deductions."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("督查项目"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("督查轮次"), on_delete=models.PROTECT, related_name="checks"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("点位"), on_delete=models.PROTECT, related_name="checks"
    )
    street = models.ForeignKey(
        "org.Unit", verbose_name=_("街道/镇"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督查员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("检查时间"))
    client_token = models.CharField(_("提交标识"), max_length=64)
    results = models.JSONField(_("逐条结果"), default=dict)
    findings_count = models.PositiveIntegerField(_("问题数"), default=0)
    deduction = models.DecimalField(_("扣分"), max_digits=8, decimal_places=2, default=0)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, default=FULL_SCORE)

    class Meta:
        verbose_name = _("点位检查")
        verbose_name_plural = _("点位检查")
        constraints = [
            models.UniqueConstraint(fields=["round", "site"], name="insp_check_round_site"),
            models.UniqueConstraint(fields=["inspector", "client_token"], name="insp_check_token"),
        ]
        indexes = [
            # Covering: a period's rankings and the dashboard's street scores sum the site
            # checks from this index alone (SQLite reads no table row; PostgreSQL can scan
            # index-only).
            models.Index(
                fields=[
                    "district",
                    "checked_at",
                    "programme",
                    "street",
                    "unit",
                    "score",
                    "findings_count",
                    "deduction",
                ],
                name="insp_check_period",
            ),
            models.Index(fields=["district", "street", "checked_at"], name="insp_check_street"),
            models.Index(fields=["district", "unit", "checked_at"], name="insp_check_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.checked_at:%Y-%m-%d}"


class Finding(models.Model):
    class State(models.TextChoices):
        FIXED = "fixed", _("立行立改")
        RECTIFYING = "rectifying", _("整改中")
        AWAITING = "awaiting", _("待回头看")
        CLOSED = "closed", _("已销号")

    class Verification(models.TextChoices):
        PENDING = "pending", _("待回头看")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未通过")

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("督查项目"), on_delete=models.PROTECT, related_name="+"
    )
    site_check = models.ForeignKey(
        SiteCheck, verbose_name=_("点位检查"), on_delete=models.PROTECT, related_name="findings"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("点位"), on_delete=models.PROTECT, related_name="findings"
    )
    standard = models.ForeignKey(
        Standard, verbose_name=_("测评标准"), on_delete=models.PROTECT, related_name="findings"
    )
    street = models.ForeignKey(
        "org.Unit", verbose_name=_("街道/镇"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("发现时间"))
    description = models.CharField(_("问题描述"), max_length=500)
    place = models.CharField(_("具体位置"), max_length=200, blank=True)
    fixed_on_spot = models.BooleanField(_("立行立改"), default=False)
    repeat = models.BooleanField(_("重复问题"), default=False)
    higher_level = models.BooleanField(_("上级督查发现"), default=False)
    overdue = models.BooleanField(_("未按期整改"), default=False)
    deduction = models.DecimalField(_("扣分"), max_digits=6, decimal_places=2, default=0)
    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("整改工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_finding",
    )
    state = models.CharField(_("状态"), max_length=12, choices=State.choices)
    verification = models.CharField(
        _("回头看"), max_length=10, choices=Verification.choices, blank=True, default=""
    )
    due_at = models.DateTimeField(_("整改期限"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("整改回复时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("回头看时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督查问题")
        verbose_name_plural = _("督查问题")
        indexes = [
            models.Index(fields=["district", "state", "unit"], name="insp_finding_open"),
            # Covering: the dashboard counts a period's findings by standard from this index.
            models.Index(
                fields=[
                    "district",
                    "found_at",
                    "programme",
                    "standard",
                    "fixed_on_spot",
                    "ticket",
                    "rectified_at",
                    "overdue",
                    "repeat",
                    "state",
                ],
                name="insp_finding_period",
            ),
            models.Index(fields=["site", "standard", "found_at"], name="insp_finding_repeat"),
            models.Index(fields=["programme", "found_at"], name="insp_finding_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.description}"


class Photo(models.Model):
    class Kind(models.TextChoices):
        FOUND = "found", _("问题照片")
        AFTER = "after", _("整改后照片")
        VERIFY = "verify", _("回头看照片")

    finding = models.ForeignKey(
        Finding, verbose_name=_("督查问题"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="inspections/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self) -> str:
        return self.name


class Verification(models.Model):
    """A 回头看 visit: the rectification confirmed (销号) or rejected with a reason."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("督查问题"), on_delete=models.CASCADE, related_name="verifications"
    )
    confirmed = models.BooleanField(_("整改到位"))
    reason = models.CharField(_("意见"), max_length=500, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回头看人员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("回头看记录")
        verbose_name_plural = _("回头看记录")
        ordering = ["verified_at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.verified_at:%Y-%m-%d}"


class Sanction(models.Model):
    """约谈 or 问责 decided on a bottom unit of a ranking."""

    class Kind(models.TextChoices):
        SUMMONS = "summons", _("约谈")
        ACCOUNTABILITY = "accountability", _("问责")

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("对象单位"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("所属期"), max_length=10)
    reason = models.CharField(_("事由"), max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("约谈/问责记录")
        verbose_name_plural = _("约谈/问责记录")
        indexes = [models.Index(fields=["district", "decided_at"], name="insp_sanction_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.unit}"
