"""Reads of the org tree and its people."""

from __future__ import annotations

from duban.core.errors import NotFound

from .models import Unit, User


def units_visible_to(user: User) -> list[Unit]:
    """The active units in the user's scope, in tree order (one query)."""
    scope = user.scope_path
    if not scope:
        return []
    return list(
        Unit.objects.active()
        .filter(path__startswith=scope)
        .select_related("parent")
        .order_by("path")
    )


def user_by_username(username: str) -> User:
    try:
        return User.objects.select_related("unit").get(username=username)
    except User.DoesNotExist as exc:
        raise NotFound(f"用户不存在 / no such user: {username}") from exc
