"""Admin for the org tree, users (role and unit) and API tokens (read-only), in Chinese.

Units are added, renamed, moved (with their whole subtree) and deactivated here through
``org.services``: the form asks the services' refusal functions to explain what cannot
be done, and ``save_model`` calls the services, which audit each change.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.core.service_admin import ServiceAdmin

from . import services, services_logins
from .forms import AdminLoginForm
from .models import ApiToken, LoginAttempt, Unit, UnitKind, User

admin.site.site_header = _("督办平台 · 系统管理")
admin.site.site_title = _("督办平台系统管理")
admin.site.index_title = _("系统管理")
# The admin's sign-in shares the pages' failed-login lock, audit and second factor.
admin.site.login_form = AdminLoginForm

_SEPARATORS = re.compile(r"[\s,，、;；]+")


class NamesField(forms.CharField):
    """A list of names typed as one line: 东留村、西留村 (顿号, commas or spaces)."""

    def prepare_value(self, value: Any) -> Any:
        return "、".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        return [name for name in _SEPARATORS.split(str(value or "").strip()) if name]


class UnitForm(forms.ModelForm):
    place_names = NamesField(
        label=_("地名"),
        required=False,
        help_text=_("属地派单用的村、社区、道路和地标名称，用顿号或空格分隔"),
    )
    aliases = NamesField(
        label=_("别名"), required=False, help_text=_("单位的简称或旧称，用顿号或空格分隔")
    )

    class Meta:
        model = Unit
        fields = [
            "name",
            "code",
            "kind",
            "parent",
            "place_names",
            "aliases",
            "sort_order",
            "is_active",
        ]
        help_texts = {
            "code": _("英文字母、数字、下划线或连字符，全区唯一，如 binhu"),
            "parent": _("改为其他上级单位即移动本单位，所有下级单位随之移动"),
            "is_active": _("停用后该单位及其全部下级单位不再出现在派单和统计中"),
        }

    def clean(self) -> dict[str, Any]:
        # The instance still holds the stored values here (the form's are applied after).
        data = super().clean()
        unit, parent = self.instance, data.get("parent")
        if unit.pk is None:
            if parent is None and data.get("kind") != UnitKind.DISTRICT:
                self.add_error("parent", _("除区以外，每个单位都必须有上级单位"))
            return data
        if "parent" in self.changed_data:
            refusal = services.unit_move_refusal(unit, parent)
            if refusal:
                self.add_error("parent", refusal)
        if "is_active" in self.changed_data and not data.get("is_active"):
            refusal = services.unit_deactivate_refusal(unit)
            if refusal:
                self.add_error("is_active", f"不能停用「{unit.name}」：{refusal}")
        return data


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    form = UnitForm
    list_display = ["name", "code", "kind", "parent", "depth", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["depth"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # units are deactivated, never deleted (tickets keep pointing at them)

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        data, actor, now = form.cleaned_data, request.user, timezone.now()
        if not change:
            created = services.unit_create(
                actor=actor,  # type: ignore[arg-type]
                parent=data["parent"],
                **{f: data[f] for f in services.UNIT_DETAIL_FIELDS},
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            obj._state.adding = False
            return
        changed = set(form.changed_data)
        details = {f: data[f] for f in services.UNIT_DETAIL_FIELDS if f in changed}
        if details:
            services.unit_update(unit=obj, actor=actor, now=now, **details)  # type: ignore[arg-type]
        if "parent" in changed:
            services.unit_move(unit=obj, parent=data["parent"], actor=actor, now=now)  # type: ignore[arg-type]
        if "is_active" in changed:
            if data["is_active"]:
                services.unit_reactivate(unit=obj, actor=actor, now=now)  # type: ignore[arg-type]
            else:
                services.unit_deactivate(unit=obj, actor=actor, now=now)  # type: ignore[arg-type]


def _without_permission_lists(fieldsets: Any) -> tuple[Any, ...]:
    """Django's user fieldsets minus groups and per-user permissions: duban grants access
    by role (``org.roles``), and Django stores permission names in English."""
    hidden = {"groups", "user_permissions"}
    return tuple(
        (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
        for name, opts in fieldsets
    )


# Groups carry Django permissions, which duban does not use (roles decide): not shown.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "full_name",
        "role",
        "unit",
        "is_active",
        "is_staff",
        "totp_confirmed_at",
    ]
    list_filter = ["role", "is_active", "is_staff"]
    readonly_fields = ["totp_confirmed_at"]
    actions = ["disable_second_factor"]
    search_fields = ["username", "full_name", "phone"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    fieldsets = (
        *_without_permission_lists(BaseUserAdmin.fieldsets),
        (_("督办平台"), {"fields": ("full_name", "role", "unit", "phone", "totp_confirmed_at")}),
    )

    @admin.action(description=_("关闭所选用户的动态口令（手机丢失时）"))
    def disable_second_factor(self, request: HttpRequest, queryset: Any) -> None:
        now = timezone.now()
        for user in queryset:
            services_logins.totp_disable(user=user, actor=request.user, now=now)  # type: ignore[arg-type]
        self.message_user(request, _("已关闭动态口令。"))

    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("督办平台"), {"fields": ("full_name", "role", "unit")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `duban token create`; only the SHA-256 digest is stored.
    Revoked here with the action (``services.token_revoke``, audited)."""

    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["prefix", "name", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        now = timezone.now()
        for token in queryset:
            services.token_revoke(token=token, actor=request.user, now=now)  # type: ignore[arg-type]
        self.message_user(request, _("已吊销 %(n)d 个令牌。") % {"n": queryset.count()})


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """The sign-in audit (pages and admin): read-only."""

    list_display = ["at", "username", "address", "outcome", "path", "user"]
    list_filter = ["outcome", "path"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
