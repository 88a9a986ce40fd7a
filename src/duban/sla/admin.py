"""Admin for the working calendar and the deadline rules, in Chinese, through the services.

Every save and delete here calls ``sla.services`` (which validate, audit and invalidate
the cached calendar and rules). A year's State Council notice is entered in one form
(日历年份 › 录入放假安排) that replaces the year's days and confirms it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from duban.core.access import readable
from duban.core.errors import DomainError
from duban.core.service_admin import ServiceAdmin

from . import services
from .forms import CalendarNoticeForm, SlaRuleForm, duration_label
from .models import CalendarDay, CalendarStatus, CalendarYear, SlaRule, WorkingPeriod
from .seed import RULE_FIELDS

_WEEKDAYS = "一二三四五六日"


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    list_display = ["date", "weekday", "day_status", "name", "source"]
    list_filter = ["is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]
    fields = ["date", "is_workday", "name"]

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return _t("周%(d)s") % {"d": _WEEKDAYS[obj.date.weekday()]}

    @admin.display(description=_("上班/休息"), ordering="is_workday")
    def day_status(self, obj: CalendarDay) -> str:
        return _t("上班") if obj.is_workday else _t("休息")

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        entry = services.calendar_set_day(
            day=obj.date,
            is_workday=obj.is_workday,
            name=obj.name,
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
        )
        obj.pk, obj.source = entry.pk, entry.source

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_clear_day(day=obj.date, actor=request.user, now=timezone.now())  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for entry in queryset:
            self.delete_model(request, entry)


def _day_count(is_workday: bool) -> Subquery:
    days = (
        CalendarDay.objects.filter(date__year=OuterRef("year"), is_workday=is_workday)
        .order_by()
        .values("date__year")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(days, output_field=IntegerField())


@admin.register(CalendarYear)
class CalendarYearAdmin(ServiceAdmin):
    """Years come from the seed (chinesecalendar, or provisional by rule) and the notice form."""

    list_display = ["year", "status", "source", "days_off", "make_up_days", "updated_at"]
    list_filter = ["status", "source"]
    ordering = ["-year"]
    fields = ["year", "status", "source", "notice", "updated_at"]
    readonly_fields = fields
    change_list_template = "admin/sla/calendaryear/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(days_off=_day_count(False), make_up_days=_day_count(True))
        )

    @admin.display(description=_("休息日（含周末节日）"), ordering="days_off")
    def days_off(self, obj: Any) -> int:
        return obj.days_off or 0

    @admin.display(description=_("调休上班日"), ordering="make_up_days")
    def make_up_days(self, obj: Any) -> int:
        return obj.make_up_days or 0

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        notice = path(
            "notice/",
            self.admin_site.admin_view(self.notice_view),
            name="sla_calendaryear_notice",
        )
        return [notice, *super().get_urls()]

    def notice_view(self, request: HttpRequest) -> HttpResponse:
        """录入放假安排: a whole year's holidays and make-up days, previewed, then confirmed."""
        if not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = CalendarNoticeForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and "confirm" in request.POST:
            year = form.cleaned_data["year"]
            try:
                services.calendar_confirm_notice(
                    year=year,
                    text=form.cleaned_data["notice"],
                    actor=request.user,  # type: ignore[arg-type]
                    now=timezone.now(),
                )
            except DomainError as exc:
                form.add_error("notice", readable(exc))
            else:
                off = sum(not d.is_workday for d in form.days)
                self.message_user(
                    request,
                    _t(
                        "已录入%(year)s年放假安排：休息 %(off)s 天，调休上班 %(work)s 天，全年日历已确认。"
                    )
                    % {"year": year, "off": off, "work": len(form.days) - off},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:sla_calendaryear_changelist"))
        preview = form.days if request.method == "POST" and form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _t("录入国务院放假安排"),
            "form": form,
            "preview": [
                {"day": d, "weekday": _WEEKDAYS[d.date.weekday()]} for d in (preview or [])
            ],
            "previewed": preview is not None,
        }
        return TemplateResponse(request, "admin/sla/calendaryear/notice.html", context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        provisional = CalendarYear.objects.filter(status=CalendarStatus.PROVISIONAL)
        extra = {"provisional_years": list(provisional.values_list("year", flat=True))}
        return super().changelist_view(request, {**(extra_context or {}), **extra})


class WorkingPeriodForm(forms.ModelForm):
    class Meta:
        model = WorkingPeriod
        fields = ["start", "end"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] < data["end"]:
            refusal = services.working_period_refusal(
                period=self.instance if self.instance.pk else None,
                start=data["start"],
                end=data["end"],
            )
            if refusal:
                self.add_error("end", refusal)
        return data


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(ServiceAdmin):
    form = WorkingPeriodForm
    list_display = ["__str__", "start", "end"]

    def save_model(self, request: HttpRequest, obj: WorkingPeriod, form: Any, change: bool) -> None:
        saved = services.working_period_save(
            period=WorkingPeriod.objects.get(pk=obj.pk) if change else None,
            start=obj.start,
            end=obj.end,
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: WorkingPeriod) -> None:
        services.working_period_delete(period=obj, actor=request.user, now=timezone.now())  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkingPeriod]) -> None:
        for period in queryset:
            self.delete_model(request, period)


def _duration_column(field: str) -> Any:
    def column(obj: SlaRule) -> str:
        return duration_label(getattr(obj, field))

    column.__name__ = f"{field}_label"
    return admin.display(description=SlaRule._meta.get_field(field).verbose_name, ordering=field)(
        column
    )


# The rule table's columns: what the rule applies to, then each duration written out.
RULE_COLUMNS = [_duration_column(field) for field in RULE_FIELDS]


@admin.register(SlaRule)
class SlaRuleAdmin(ServiceAdmin):
    form = SlaRuleForm
    list_display = ["scope", *RULE_COLUMNS]
    list_filter = ["kind", "appeal_type", "urgency"]

    @admin.display(description=_("适用范围（类别/类型/紧急程度）"))
    def scope(self, obj: SlaRule) -> str:
        return str(obj)

    def save_model(self, request: HttpRequest, obj: SlaRule, form: Any, change: bool) -> None:
        now, actor = timezone.now(), request.user
        durations = {f: form.cleaned_data[f] for f in RULE_FIELDS}
        if change:
            changed = {f: v for f, v in durations.items() if f in form.changed_data}
            services.rule_update(rule=obj, actor=actor, now=now, **changed)  # type: ignore[arg-type]
            return
        rule = services.rule_create(
            kind=form.cleaned_data["kind"],
            appeal_type=form.cleaned_data["appeal_type"],
            urgency=form.cleaned_data["urgency"],
            actor=actor,  # type: ignore[arg-type]
            now=now,
            **durations,
        )
        obj.pk = rule.pk

    def has_delete_permission(self, request: HttpRequest, obj: SlaRule | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or services.rule_delete_refusal(obj) is None)

    def delete_model(self, request: HttpRequest, obj: SlaRule) -> None:
        services.rule_delete(rule=obj, actor=request.user, now=timezone.now())  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SlaRule]) -> None:
        for rule in queryset:
            self.delete_model(request, rule)
