"""The admin's read-only views of the module's tables: every write goes through the
services and the module's pages (checklist import, site ledger, round planner)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Finding, Programme, Round, Sanction, Site, SiteCheck, Standard


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnly):
    list_display = ("name", "code", "repeat_window_days", "is_active")


@admin.register(Standard)
class StandardAdmin(ReadOnly):
    list_display = ("code", "text", "programme", "deduct_finding", "deduct_repeat")
    list_filter = ("programme",)
    search_fields = ("code", "text")


@admin.register(Site)
class SiteAdmin(ReadOnly):
    list_display = ("code", "name", "type", "street", "unit", "overseer")
    list_filter = ("type",)
    search_fields = ("code", "name", "place")


@admin.register(Round)
class RoundAdmin(ReadOnly):
    list_display = ("name", "programme", "level", "starts_on", "ends_on", "state")


@admin.register(SiteCheck)
class SiteCheckAdmin(ReadOnly):
    list_display = ("site", "round", "checked_at", "findings_count", "score")


@admin.register(Finding)
class FindingAdmin(ReadOnly):
    list_display = ("site", "description", "state", "verification", "repeat", "deduction")
    list_filter = ("state", "verification", "repeat")


@admin.register(Sanction)
class SanctionAdmin(ReadOnly):
    list_display = ("kind", "unit", "period", "decided_at")
