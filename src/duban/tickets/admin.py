"""Read-only admin views of tickets, in Chinese: every change goes through the services.

States, event types and payloads show as their labels (``tickets.event_details``), never
as stored codes; the machine-only columns (version, JSON suggestions and checks, the
caller's personal data) stay out of the page.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from duban.core.access import readable
from duban.core.errors import DomainError

from . import events
from .choices import State
from .event_details import payload_details
from .models import Caller, PersonalDataAccess, Ticket, TicketEvent, TicketImport, phone_q
from .selectors import mask_id_number, mask_name, mask_phone
from .services import privacy


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


# -- callers' personal data (PIPL): found by phone, exported or erased on request -------------


class PrivacyRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("事由"),
        max_length=200,
        help_text=_("如：本人来电申请（工单号、登记人）"),
    )


@admin.register(Caller)
class CallerAdmin(ReadOnlyAdmin):
    """Callers, masked; found by the exact phone (through its look-up hash). A request by the
    person is answered here: 导出 (a JSON file of their data and tickets) or 删除 (name,
    phone and ID number erased; the tickets stay). Both take a reason and are audited
    (``PersonalDataAccess``); only administrators may open them."""

    list_display = ["number", "masked_name", "masked_phone", "created_at", "erased_at", "requests"]
    list_filter = ["erased_at"]
    search_fields = ["=phone"]  # searched through phone_hash (get_search_results)
    search_help_text = _("输入完整电话号码查找来电人")
    fields = ["masked_name", "masked_phone", "masked_id", "created_at", "erased_at"]
    readonly_fields = fields
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        user = request.user
        return bool(user.is_superuser or getattr(user, "has_role", lambda _: False)({"admin"}))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term:
            return queryset, False
        return queryset.filter(phone_q(search_term, prefix="")), False

    @admin.display(description=_("编号"), ordering="pk")
    def number(self, obj: Caller) -> int:
        return obj.pk

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: Caller) -> str:
        return mask_name(obj.name) or "—"

    @admin.display(description=_("电话"))
    def masked_phone(self, obj: Caller) -> str:
        return mask_phone(obj.phone) or "—"

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj: Caller) -> str:
        return mask_id_number(obj.id_number) or "—"

    @admin.display(description=_("本人申请"))
    def requests(self, obj: Caller) -> str:
        if obj.erased_at:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:tickets_caller_export", args=[obj.pk]),
            _("导出"),
            reverse("admin:tickets_caller_erase", args=[obj.pk]),
            _("删除"),
        )

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/export/", wrap(self.export_view), name="tickets_caller_export"),
            path("<int:pk>/erase/", wrap(self.erase_view), name="tickets_caller_erase"),
            *super().get_urls(),
        ]

    def _request_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        caller = Caller.objects.filter(pk=pk).first()
        if caller is None:
            raise Http404
        form = PrivacyRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            now, reason = timezone.now(), form.cleaned_data["reason"]
            try:
                if action == "export":
                    data = privacy.caller_export(
                        caller=caller, actor=request.user, now=now, reason=reason
                    )
                    response = HttpResponse(
                        json.dumps(data, ensure_ascii=False, indent=2),
                        content_type="application/json; charset=utf-8",
                    )
                    response["Content-Disposition"] = f'attachment; filename="caller-{pk}.json"'
                    return response
                privacy.caller_erase(caller=caller, actor=request.user, now=now, reason=reason)
            except DomainError as exc:
                messages.error(request, readable(exc))
            else:
                messages.success(request, _("来电人的个人信息已删除。"))
                return HttpResponseRedirect(reverse("admin:tickets_caller_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("导出来电人个人信息") if action == "export" else _("删除来电人个人信息"),
            "caller": caller,
            "masked": f"{mask_name(caller.name)} {mask_phone(caller.phone)}",
            "form": form,
            "action": action,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/tickets/caller_request.html", context)

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._request_view(request, pk, "export")

    def erase_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._request_view(request, pk, "erase")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """Who saw, revealed, exported or erased callers' personal data, and why."""

    list_display = ["at", "kind", "actor", "caller_id", "ticket", "reason"]
    list_filter = ["kind"]
    list_select_related = ["actor", "ticket"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(TicketImport)
class TicketImportAdmin(ReadOnlyAdmin):
    """The history imports (``duban import_tickets``): who imported which file, when."""

    list_display = ["started_at", "file_name", "actor", "run_by", "rows", "imported",
                    "skipped", "first_number", "last_number", "bulk", "seconds"]  # fmt: skip
    list_select_related = ["actor"]
    date_hierarchy = "started_at"
