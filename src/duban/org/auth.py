"""Who is calling the API: a bearer token (integrations) or the Django session (pages).

Session auth enforces CSRF on unsafe methods, but only for requests that really are
session-authenticated, so that a bad token on a POST answers 401, not a CSRF 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from duban.core.errors import PermissionDenied

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


class _RoleCheck:
    """Authenticates as the next class does, then lets only ``roles`` through."""

    roles: frozenset[str] = frozenset()

    def authenticate(self, request: HttpRequest, *args: Any) -> Any:
        user = super().authenticate(request, *args)  # type: ignore[misc]
        if user is not None and not user.has_role(self.roles):
            raise PermissionDenied(
                "当前角色无权访问该接口 / your role may not use this endpoint",
                role=user.role,
            )
        return user


def role_auth(roles: Iterable[str]) -> list[Any]:
    """The API's authentication (bearer token, then session) for endpoints only ``roles`` may
    use, as ``core.access.role_required`` guards a page: a caller of another role gets 403
    ``permission_denied``, an unknown one 401. The classes keep their parents' names, so the
    OpenAPI listing still has one security scheme of each kind."""
    allowed = frozenset(roles)
    bearer = type("BearerAuth", (_RoleCheck, BearerAuth), {"roles": allowed})
    session = type("SessionAuth", (_RoleCheck, SessionAuth), {"roles": allowed})
    return [bearer(), session()]
