"""Read-only admin views of tickets, in Chinese: every change goes through the services.

States, event types and payloads show as their labels (``tickets.event_details``), never
as stored codes; the machine-only columns (version, JSON suggestions and checks, the
caller's personal data) stay out of the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from . import events
from .choices import State
from .event_details import payload_details
from .models import Ticket, TicketEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _state(code: str) -> str:
    try:
        return str(State(code).label)
    except ValueError:
        return code or "—"


class EventColumns:
    """The columns an event shows in Chinese, shared by the list and the ticket's inline."""

    @admin.display(description=_("工单"), ordering="ticket")
    def ticket_number(self, obj: TicketEvent) -> str:
        return str(obj.ticket)

    @admin.display(description=_("序号"), ordering="seq")
    def number(self, obj: TicketEvent) -> int:
        return obj.seq

    @admin.display(description=_("时间"), ordering="at")
    def moment(self, obj: TicketEvent) -> Any:
        return obj.at

    @admin.display(description=_("操作人"))
    def who(self, obj: TicketEvent) -> str:
        if obj.actor_id is None:
            return _("智能派单") if (obj.payload or {}).get("auto") else _("系统")
        return f"{obj.actor} · {obj.actor_unit}" if obj.actor_unit_id else str(obj.actor)

    @admin.display(description=_("环节"), ordering="type")
    def event(self, obj: TicketEvent) -> str:
        return events.event_label(obj.type)

    @admin.display(description=_("状态变化"))
    def change(self, obj: TicketEvent) -> str:
        if not obj.from_state or obj.from_state == obj.to_state:
            return _state(obj.to_state)
        return f"{_state(obj.from_state)} → {_state(obj.to_state)}"

    @admin.display(description=_("详情"))
    def details(self, obj: TicketEvent) -> Any:
        rows = payload_details(obj.payload or {})
        return format_html_join("", "<div>{}：{}</div>", rows) if rows else "—"


class EventInline(EventColumns, admin.TabularInline):
    model = TicketEvent
    fields = ["number", "event", "moment", "who", "change", "details"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor", "actor_unit")


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
    fieldsets = [
        (
            _("诉求"),
            {
                "fields": [
                    "number",
                    ("kind", "appeal_type", "urgency", "channel"),
                    "title",
                    "content",
                    "location",
                    "category",
                    "district",
                ]
            },
        ),
        (
            _("办理"),
            {
                "fields": [
                    "state",
                    ("primary_unit", "handling_unit"),
                    ("reply_result", "reply_text"),
                    ("resolved", "satisfaction", "unreachable"),
                    ("return_count", "reopen_count", "urge_count"),
                    ("supervise_level", "leader", "escalated"),
                    ("master", "invalid_reason"),
                ]
            },
        ),
        (
            _("时间与时限"),
            {
                "fields": [
                    ("created_at", "dispatched_at", "accepted_at", "first_contact_at"),
                    ("replied_at", "reviewed_at", "rated_at", "closed_at"),
                    ("accept_due", "contact_due", "return_due", "handle_due", "callback_due"),
                    "extension_days",
                ]
            },
        ),
    ]
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(EventColumns, ReadOnlyAdmin):
    list_display = ["ticket_number", "number", "event", "moment", "who", "change"]
    list_filter = ["type"]
    list_select_related = ["ticket", "actor", "actor_unit"]
    show_full_result_count = False
