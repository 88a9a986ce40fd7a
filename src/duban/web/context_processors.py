"""Context every staff page needs beyond the request: the working-calendar warning.

The admin's pages and the service centre's desks show a banner while this year's
calendar — or, from November on, next year's — is missing or provisional (see
``sla.selectors.calendar_gaps``, one cached read). Other roles never see it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from duban.org.roles import CENTRE_ROLES, Role
from duban.sla.selectors import calendar_gaps

CALENDAR_WARNING_ROLES = CENTRE_ROLES | {Role.ADMIN}


def _today() -> date:
    return timezone.localdate()


def calendar_warning(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if getattr(user, "role", None) not in CALENDAR_WARNING_ROLES and not user.is_staff:
        return {}
    # Lazy: read only by the templates that show the banner.
    return {"calendar_gaps": SimpleLazyObject(lambda: calendar_gaps(today=_today()))}
