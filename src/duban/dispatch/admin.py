"""Admin for smart dispatch: its switches, the knowledge base and the category catalogue.

The catalogue (``tickets.Category``) is imported with ``duban catalogue import``, which
derives names, levels and full names; here an administrator only re-routes a category
(default unit, 属地) or retires it. Knowledge entries may be edited one by one; a save
stamps ``updated_at`` so that the knowledge search (``knowledge.py``) reloads its index.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from duban.tickets.models import Category

from .models import DispatchSettings, KnowledgeEntry


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(admin.ModelAdmin):
    """A single settings row: it can be edited, never added twice nor deleted."""

    list_display = [
        "__str__",
        "auto_dispatch",
        "auto_threshold",
        "duplicate_window_days",
        "duplicate_threshold",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not DispatchSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "valid_until", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["question", "answer", "keywords"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]
    readonly_fields = ["updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories are imported (``duban catalogue import``) and retired, never deleted."""

    list_display = ["full_name", "level", "default_unit", "territorial", "is_active"]
    list_filter = ["level", "territorial", "is_active"]
    search_fields = ["name", "full_name"]
    list_select_related = ["default_unit"]
    autocomplete_fields = ["default_unit"]
    readonly_fields = ["name", "parent", "level", "full_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
