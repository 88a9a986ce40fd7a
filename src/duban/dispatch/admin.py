"""Admin for smart dispatch: its settings, the knowledge base and the category catalogue.

Every save goes through ``dispatch.services`` (validation, audit, the knowledge index's
reload stamp). The catalogue may also be imported in bulk (``duban catalogue import``);
here an administrator adds, renames, re-routes (default unit, 属地) or retires a category.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.core.service_admin import ServiceAdmin
from duban.tickets.models import Category

from . import services
from .models import DispatchSettings, KnowledgeEntry


class DispatchSettingsForm(forms.ModelForm):
    class Meta:
        model = DispatchSettings
        fields = [f.name for f in DispatchSettings._meta.fields if f.editable and not f.primary_key]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        refusal = services.dispatch_settings_refusal(data)
        if refusal:
            self.add_error(refusal[0], refusal[1])
        return data


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(ServiceAdmin):
    """A single settings row: it can be edited, never added twice nor deleted."""

    form = DispatchSettingsForm
    list_display = [
        "__str__",
        "auto_dispatch",
        "auto_threshold",
        "preselect_threshold",
        "duplicate_window_days",
        "duplicate_threshold",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not DispatchSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: DispatchSettings, form: Any, change: bool
    ) -> None:
        fields = form.changed_data if change else list(form.cleaned_data)
        saved = services.dispatch_settings_update(
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
            **{f: form.cleaned_data[f] for f in fields},
        )
        obj.pk = saved.pk


class KnowledgeEntryForm(forms.ModelForm):
    class Meta:
        model = KnowledgeEntry
        fields = ["question", "answer", "category", "keywords", "valid_until", "is_active"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        refusal = services.knowledge_refusal(
            entry=self.instance if self.instance.pk else None,
            question=data.get("question") or "",
            answer=data.get("answer") or "",
        )
        if refusal:
            self.add_error("question", refusal)
        return data


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(ServiceAdmin):
    form = KnowledgeEntryForm
    list_display = ["question", "category", "valid_until", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["question", "answer", "keywords"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]
    readonly_fields = ["updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.knowledge_save(
            entry=KnowledgeEntry.objects.get(pk=obj.pk) if change else None,
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
            **{f: data[f] for f in KnowledgeEntryForm.Meta.fields},
        )
        obj.pk, obj.updated_at = saved.pk, saved.updated_at

    def delete_model(self, request: HttpRequest, obj: KnowledgeEntry) -> None:
        services.knowledge_delete(entry=obj, actor=request.user, now=timezone.now())  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[KnowledgeEntry]) -> None:
        for entry in queryset:
            self.delete_model(request, entry)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "parent", "default_unit", "territorial", "is_active"]
        labels = {"parent": _("上级分类")}
        help_texts = {
            "parent": _("一级分类留空；分类目录最多三级"),
            "default_unit": _("该分类工单的默认承办单位；下级分类未指定时沿用上级的"),
            "territorial": _("按诉求地点派给所在街道/镇，而不是默认承办单位"),
            "is_active": _("停用后连同下级分类不再用于派单建议，已有工单不受影响"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        refusal = services.category_refusal(
            category=self.instance if self.instance.pk else None,
            name=data.get("name") or "",
            parent=data.get("parent"),
        )
        if refusal:
            self.add_error("name", refusal)
        return data


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    """Categories are added, renamed, re-routed and retired here, never deleted."""

    form = CategoryForm
    list_display = ["full_name", "level", "default_unit", "territorial", "is_active"]
    list_filter = ["level", "territorial", "is_active"]
    search_fields = ["name", "full_name"]
    list_select_related = ["default_unit"]
    autocomplete_fields = ["parent", "default_unit"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        saved = services.category_save(
            category=Category.objects.get(pk=obj.pk) if change else None,
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
            **{f: form.cleaned_data[f] for f in CategoryForm.Meta.fields},
        )
        obj.pk, obj.full_name, obj.level = saved.pk, saved.full_name, saved.level
