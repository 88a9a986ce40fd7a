"""Read-only admin views of tickets: every change goes through the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Ticket, TicketEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["seq", "type", "at", "actor", "from_state", "to_state", "payload"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "kind",
        "appeal_type",
        "state",
        "primary_unit",
        "created_at",
        "handle_due",
    ]
    list_filter = ["state", "kind", "appeal_type", "urgency", "channel"]
    search_fields = ["number", "title"]
    list_select_related = ["primary_unit"]
    show_full_result_count = False
    exclude = ["caller"]
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "seq", "type", "at", "actor", "from_state", "to_state"]
    list_filter = ["type"]
    list_select_related = ["ticket", "actor"]
    show_full_result_count = False
