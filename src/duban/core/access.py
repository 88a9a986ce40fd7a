"""Page access by role, and turning domain errors into readable notices.

Anonymous users are sent to the sign-in page; a signed-in user whose role may not
open a page gets 403. Tickets the user may not see are 404 (see tickets.selectors).
The role groups the pages pass in are defined in ``org.roles``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .errors import DomainError


def role_required(
    roles: Iterable[str] | None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only active users with one of ``roles`` may open the view (``None``: any role)."""
    allowed = None if roles is None else frozenset(roles)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_active or (allowed is not None and not user.has_role(allowed)):  # type: ignore[union-attr]
                raise PermissionDenied("当前角色无权访问该页面")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Any signed-in staff user (visibility is then decided by the selectors)."""
    return role_required(None)(view)


STALE_NOTICE = "该工单已被他人更新，页面上的信息已过期。已为您刷新为最新状态，请核对后再操作。"


def readable(exc: DomainError) -> str:
    """The Chinese part of a domain error's bilingual message ("中文 / English")."""
    if exc.code == "stale_version":
        return STALE_NOTICE
    return exc.message.split(" / ", 1)[0].strip() or exc.message
