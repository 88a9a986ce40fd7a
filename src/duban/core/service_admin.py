"""The base of every duban ``ModelAdmin`` that writes through services.

A service writes the audit row of its change itself (``org.services.audit_log``, in its
own transaction, with a message that says what happened), so the admin's automatic
"changed fields" entries are switched off here instead of being written twice. Errors a
service raises after the form was valid (a race, a rule checked under lock) are shown as
the page's error message rather than a server error.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .access import readable
from .errors import DomainError


class ServiceAdmin(admin.ModelAdmin):
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> None:
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> None:
        return None

    def log_deletion(self, request: HttpRequest, obj: Any, object_repr: str) -> None:
        return None

    def log_deletions(self, request: HttpRequest, queryset: Any) -> None:
        return None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, readable(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
