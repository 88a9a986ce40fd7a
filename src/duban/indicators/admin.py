"""The catalogue's set-up screens (areas, peer groups, indicators, targets, composite weights).

Monthly figures are imported, approved and published on the module's pages (the statistics
office's desk), never edited here: the releases are read-only in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from duban.core.service_admin import ServiceAdmin
from duban.org.services import audit_log

from .models import Area, CompositeScheme, CompositeWeight, Indicator, PeerGroup, Release, Target


class CatalogueAdmin(ServiceAdmin):
    """Catalogue rows are plain set-up data; the change is audited like a service's."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            obj=obj,  # type: ignore[arg-type]
            message="修改" if change else "新增",
            action="change" if change else "add",
        )


@admin.register(Area)
class AreaAdmin(CatalogueAdmin):
    list_display = ("name", "code", "kind", "is_home", "sort_order", "district")
    list_filter = ("kind",)


@admin.register(PeerGroup)
class PeerGroupAdmin(CatalogueAdmin):
    list_display = ("name", "code", "sort_order", "district")
    filter_horizontal = ("areas",)


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    list_display = (
        "name",
        "code",
        "unit",
        "reported",
        "direction",
        "rank_by",
        "merged_jan_feb",
        "active",
        "sort_order",
    )
    list_filter = ("active", "direction")


@admin.register(Target)
class TargetAdmin(CatalogueAdmin):
    list_display = ("year", "area", "indicator", "value", "growth")
    list_filter = ("year",)


class WeightInline(admin.TabularInline):
    model = CompositeWeight
    extra = 1


@admin.register(CompositeScheme)
class CompositeSchemeAdmin(CatalogueAdmin):
    list_display = ("name", "code", "district")
    inlines = [WeightInline]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("period", "version", "status", "source_name", "imported_at", "published_at")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
