"""Admin for the working calendar and the deadline rules.

Saving or deleting anything here invalidates the cached calendar (and rules) so new
deadlines use the edited data at once in this process.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import CalendarDay, CalendarYear, SlaRule, WorkingPeriod
from .seed import RULE_FIELDS
from .selectors import calendar_invalidate


class InvalidatingAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar_invalidate()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        calendar_invalidate()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        calendar_invalidate()


@admin.register(CalendarDay)
class CalendarDayAdmin(InvalidatingAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        if change and form.changed_data:
            obj.source = "admin"
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(InvalidatingAdmin):
    list_display = ["year", "source"]
    ordering = ["-year"]


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(InvalidatingAdmin):
    list_display = ["__str__", "start", "end"]


@admin.register(SlaRule)
class SlaRuleAdmin(InvalidatingAdmin):
    list_display = ["__str__", *RULE_FIELDS]
    list_filter = ["kind", "appeal_type", "urgency"]
