"""The admin's set-up screens of the enterprise service: the catalogues (industry chains,
parks, problem categories, proxy services and their steps, the coverage rule) written
through ``services.catalogue_save``; the registry, visits, problems and cases are read-only
here (their pages and services write them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from duban.core.service_admin import ServiceAdmin

from . import models, services


class CatalogueAdmin(ServiceAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.catalogue_save(actor=request.user, now=timezone.now(), obj=obj, adding=not change)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.IndustryChain)
class IndustryChainAdmin(CatalogueAdmin):
    list_display = ("name", "sort_order", "is_active")


@admin.register(models.Park)
class ParkAdmin(CatalogueAdmin):
    list_display = ("name", "district", "sort_order")


@admin.register(models.ProblemCategory)
class ProblemCategoryAdmin(CatalogueAdmin):
    list_display = ("name", "sort_order", "is_active")


@admin.register(models.CoverageRule)
class CoverageRuleAdmin(CatalogueAdmin):
    list_display = ("district", "above_scale_days", "other_days")


@admin.register(models.ProxyService)
class ProxyServiceAdmin(CatalogueAdmin):
    list_display = ("name", "fast_track", "sort_order", "is_active")


@admin.register(models.ProxyStepTemplate)
class ProxyStepTemplateAdmin(CatalogueAdmin):
    list_display = ("service", "order", "name", "unit", "days")
    list_filter = ("service",)


@admin.register(models.Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "park", "street", "officer", "group", "above_scale")
    search_fields = ("name", "credit_code")
    exclude = ("contact_name", "contact_phone")


@admin.register(models.ServiceGroup)
class ServiceGroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "parent", "leader")


@admin.register(models.Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "officer", "visited_on")


@admin.register(models.Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "category", "level", "source", "created_at", "closed_at")
    list_filter = ("level", "category", "source")


@admin.register(models.ProxyCase)
class ProxyCaseAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "service", "state", "created_at", "completed_at", "on_time")
    list_filter = ("state", "service")
