"""Deadline rules and the working-day calendar, both editable data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.choices import AppealType, Kind, Urgency

from .durations import DurationSpecError, parse_duration


class CalendarSource(models.TextChoices):
    """Where a calendar day or year came from."""

    ADMIN = "admin", _("手工录入")
    LIBRARY = "chinesecalendar", _("节假日数据包")
    RULE = "holidays", _("按规则推算")
    NOTICE = "notice", _("国务院通知")


class CalendarDay(models.Model):
    """A day whose status differs from, or names, the plain Mon–Fri rule.

    Holidays falling on weekdays (off), make-up working days (调休) on weekends (on),
    and named holidays. Days not listed follow the Mon–Fri rule.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("说明"), max_length=50, blank=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=CalendarSource.choices, default=CalendarSource.ADMIN
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历日")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class CalendarStatus(models.TextChoices):
    # Statutory holidays computed by rule (the ``holidays`` package), no make-up days:
    # what a year looks like before the State Council publishes its arrangement.
    PROVISIONAL = "provisional", _("暂定")
    # The State Council's arrangement: entered by the admin or copied from chinesecalendar.
    CONFIRMED = "confirmed", _("已确认")


class CalendarYear(models.Model):
    """A year whose holidays have been entered; other years fall back to Mon–Fri.

    A *provisional* year was seeded by rule (statutory holidays, no make-up days) until
    the admin enters the State Council's notice, which confirms it.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CalendarStatus.choices,
        default=CalendarStatus.CONFIRMED,
    )
    source = models.CharField(
        _("来源"), max_length=40, choices=CalendarSource.choices, default=CalendarSource.ADMIN
    )
    notice = models.TextField(
        _("放假安排"), blank=True, help_text=_("确认时录入的国务院办公厅放假安排原文")
    )
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")

    def __str__(self) -> str:
        return f"{self.year}（{self.get_status_display()}）"

    @property
    def is_provisional(self) -> bool:
        return self.status == CalendarStatus.PROVISIONAL


class WorkingPeriod(models.Model):
    """Working hours of a working day (default 08:30–12:00 and 14:30–18:00)."""

    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        ordering = ["start"]
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError(_("结束时间必须晚于开始时间"))


def validate_duration(value: str) -> None:
    try:
        parse_duration(value)
    except DurationSpecError as exc:
        raise ValidationError(
            _(
                "时限写法有误：%(value)s（应为数字加单位，如 30分钟、24小时、2个工作小时、15个工作日）"
            ),
            params={"value": value},
            code="duration",
        ) from exc


class SlaRule(models.Model):
    """Deadlines per kind × appeal type × urgency; blank fields match anything.

    Durations are written like ``2wh`` (working hours), ``30min``, ``24h``, ``10wd``
    (working days). The most specific matching rule wins (urgency weighs most).
    """

    kind = models.CharField(_("工单类别"), max_length=20, blank=True, choices=Kind.choices)
    appeal_type = models.CharField(
        _("诉求类型"), max_length=20, blank=True, choices=AppealType.choices
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, blank=True, choices=Urgency.choices)
    accept_within = models.CharField(_("签收时限"), max_length=12, validators=[validate_duration])
    contact_within = models.CharField(
        _("首次联系时限"), max_length=12, validators=[validate_duration]
    )
    return_window = models.CharField(_("退单时限"), max_length=12, validators=[validate_duration])
    handle_within = models.CharField(_("办理时限"), max_length=12, validators=[validate_duration])
    extension_max = models.CharField(_("延期上限"), max_length=12, validators=[validate_duration])
    callback_within = models.CharField(_("回访时限"), max_length=12, validators=[validate_duration])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "appeal_type", "urgency"], name="sla_rule_unique_key"
            )
        ]
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self) -> str:
        any_ = _("任意")
        return "/".join(
            str(label or any_)
            for label in (
                self.get_kind_display(),
                self.get_appeal_type_display(),
                self.get_urgency_display(),
            )
        )

    def specificity(self) -> int:
        return 4 * bool(self.urgency) + 2 * bool(self.appeal_type) + bool(self.kind)
