"""Writes on units, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction

from duban.core.errors import DomainError

from .models import ApiToken, Role, Unit, UnitKind, User

TOKEN_PREFIX = "dbn_"


class InvalidUnit(DomainError):
    code = "invalid_unit"


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: UnitKind | str,
    parent: Unit | None = None,
    place_names: list[str] | None = None,
    aliases: list[str] | None = None,
    sort_order: int = 0,
) -> Unit:
    if parent is None and kind != UnitKind.DISTRICT:
        raise InvalidUnit("只有区级单位可以没有上级 / only a district may have no parent")
    unit = Unit.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        place_names=place_names or [],
        aliases=aliases or [],
        sort_order=sort_order,
        depth=0 if parent is None else parent.depth + 1,
        path="",
    )
    unit.path = (parent.path if parent else "") + f"{unit.pk:06d}/"
    unit.save(update_fields=["path"])
    return unit


def user_create(
    *,
    username: str,
    role: Role | str,
    unit: Unit,
    full_name: str = "",
    password: str | None = None,
    phone: str = "",
) -> User:
    user = User(username=username, role=role, unit=unit, full_name=full_name, phone=phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: User, now: datetime, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the plain secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:12], digest=_digest(secret), created_at=now
    )
    return token, secret


def token_authenticate(*, secret: str, now: datetime) -> User | None:
    token = (
        ApiToken.objects.select_related("user__unit")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
