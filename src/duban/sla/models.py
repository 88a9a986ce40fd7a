"""Deadline rules and the working-day calendar, both editable data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .durations import DurationSpecError, parse_duration


class CalendarDay(models.Model):
    """A day whose status differs from, or names, the plain Mon–Fri rule.

    Holidays falling on weekdays (off), make-up working days (调休) on weekends (on),
    and named holidays. Days not listed follow the Mon–Fri rule.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("说明"), max_length=50, blank=True)
    source = models.CharField(_("来源"), max_length=20, default="admin")

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历日")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays have been entered; other years fall back to Mon–Fri."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=40, default="admin")

    class Meta:
        ordering = ["year"]
        verbose_name = _("已录入年份")
        verbose_name_plural = _("已录入年份")

    def __str__(self) -> str:
        return str(self.year)


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
        if self.start >= self.end:
            raise ValidationError(_("结束时间必须晚于开始时间"))


def validate_duration(value: str) -> None:
    try:
        parse_duration(value)
    except DurationSpecError as exc:
        raise ValidationError(str(exc)) from exc


class SlaRule(models.Model):
    """Deadlines per kind × appeal type × urgency; blank fields match anything.

    Durations are written like ``2wh`` (working hours), ``30min``, ``24h``, ``10wd``
    (working days). The most specific matching rule wins (urgency weighs most).
    """

    kind = models.CharField(_("工单类别"), max_length=20, blank=True)
    appeal_type = models.CharField(_("诉求类型"), max_length=20, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, blank=True)
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
        return f"{self.kind or '*'}/{self.appeal_type or '*'}/{self.urgency or '*'}"

    def specificity(self) -> int:
        return 4 * bool(self.urgency) + 2 * bool(self.appeal_type) + bool(self.kind)
