"""Who is calling the API: a bearer token (integrations) or the Django session (pages).

Session auth enforces CSRF on unsafe methods, but only for requests that really are
session-authenticated, so that a bad token on a POST answers 401, not a CSRF 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from .services import token_authenticate


class BearerAuth(HttpBearer):
    """``Authorization: Bearer dbn_…`` checked against the stored token digests."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 200 or "\x00" in token:
            return None
        return token_authenticate(secret=token, now=timezone.now())


class SessionAuth(APIKeyCookie):
    """The logged-in user of the session; unsafe methods must carry the CSRF token."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)  # runs the CSRF check, then authenticate()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None
