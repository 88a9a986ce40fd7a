from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import MetricSettings


@admin.register(MetricSettings)
class MetricSettingsAdmin(admin.ModelAdmin):
    """A single settings row: it can be edited, never added twice nor deleted."""

    list_display = (
        "__str__",
        "response_weight",
        "resolution_weight",
        "satisfaction_weight",
        "basic_satisfied_weight",
        "min_volume",
        "top_n",
        "circular_issuer",
        "circular_number_prefix",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not MetricSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: MetricSettings | None = None
    ) -> bool:
        return False
