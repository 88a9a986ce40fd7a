"""Read-only admin of notices and the SMS outbox: notices are written by the engine's
observer and the due-soon scan, messages by the outbox's senders.

Phone numbers are personal data: the SMS list, search and detail show them masked to
everyone but the system administrator.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from duban.org.roles import Role
from duban.tickets.selectors import mask_phone

from .models import Notice, SmsMessage


def sees_phones(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == Role.ADMIN))


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "ticket", "text", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "ticket"]
    search_fields = ["recipient__username", "ticket__number"]
    raw_id_fields = ["recipient", "ticket"]


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_filter = ["status"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket"]
    FIELDS = [
        "status",
        "text",
        "ticket",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: SmsMessage) -> str:
        return mask_phone(obj.phone)

    def get_list_display(self, request: HttpRequest) -> list[str]:
        phone = "phone" if sees_phones(request) else "masked_phone"
        return ["created_at", phone, "status", "attempts", "ticket", "sent_at", "last_error"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return ["ticket__number", "phone"] if sees_phones(request) else ["ticket__number"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["phone" if sees_phones(request) else "masked_phone", *self.FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)
