"""The admin's set-up screens of the projects module: the district's dispatch settings.

Projects, reports and contests are written through their services and pages (every write
leaves a history row); the admin shows them read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from duban.core.service_admin import ServiceAdmin

from .models import Contest, MonthlyReport, Project, ProjectSettings
from .services import settings_update


@admin.register(ProjectSettings)
class ProjectSettingsAdmin(ServiceAdmin):
    list_display = ("district", "report_close_day", "ahead_points", "lagging_points", "red_points")
    fields = (
        "district",
        "report_close_day",
        "ahead_points",
        "lagging_points",
        "red_points",
        "red_stage_days",
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        settings_update(
            actor=request.user,  # type: ignore[arg-type]
            now=None,  # type: ignore[arg-type]
            district=obj.district,
            **{name: form.cleaned_data[name] for name in self.fields if name != "district"},
        )


class ReadOnlyAdmin(ServiceAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "stage", "unit", "lead", "total_investment", "annual_plan")
    list_filter = ("stage", "nature")
    search_fields = ("code", "name")


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ("project", "year", "month", "state", "investment_month", "late")
    list_filter = ("state", "year", "month")


@admin.register(Contest)
class ContestAdmin(ReadOnlyAdmin):
    list_display = ("name", "season", "state", "created_at")
