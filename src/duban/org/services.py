"""Writes on units, users and API tokens, and the admin's audit log.

Units: create, change details, move (with the whole subtree: every descendant's
materialised ``path`` is rewritten in one transaction), deactivate and reactivate. Each
write has its refusal function beside it (``unit_move_refusal``, ``unit_deactivate_refusal``)
that forms call to explain a refusal before the service, which checks again under lock.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from duban.core.errors import DomainError

from .models import ApiToken, Role, Unit, UnitKind, User, pack_roles

TOKEN_PREFIX = "dbn_"
log = logging.getLogger("duban.org")
# A token's "last used" is kept to the minute: written at most once a minute, not on every
# request (an integration posting hundreds of tickets a second would queue on its token's row).
TOKEN_LAST_USED_STEP = timedelta(minutes=1)
_PATH_MAX = Unit._meta.get_field("path").max_length or 255
# The fields of a unit an administrator changes in place (moves and deactivation apart).
UNIT_DETAIL_FIELDS = ("code", "name", "kind", "place_names", "aliases", "sort_order")


class InvalidUnit(DomainError):
    code = "invalid_unit"


# -- audit -----------------------------------------------------------------------------------

_AUDIT_FLAGS = {"add": 1, "change": 2, "delete": 3}  # django.contrib.admin.models flags


def audit_log(
    *, actor: User | None, obj: models.Model, message: str, action: str = "change"
) -> None:
    """One row of the admin's log (``LogEntry``: 最近动作 and each object's 历史).

    Services call it in their own transaction for writes a person makes; commands and the
    tick (``actor`` None) write to the logger only.
    """
    if actor is None or actor.pk is None:
        return
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[obj],
        action_flag=_AUDIT_FLAGS[action],
        change_message=message,
        single_object=True,
    )


def field_labels(model: type[models.Model], fields: Any) -> str:
    """The verbose names of ``fields`` joined for an audit message: 名称、上级单位."""
    return "、".join(
        str(getattr(model._meta.get_field(name), "verbose_name", name)) for name in fields
    )


# -- units -----------------------------------------------------------------------------------

# What higher layers know about a unit that forbids deactivating it (open tickets, routing
# rules …): each check answers a reason or None. The ticket engine registers its check
# from ``TicketsConfig.ready()``, so this app never imports it.
DeactivationCheck = Callable[[Unit], "str | None"]
_deactivation_checks: list[DeactivationCheck] = []


def register_deactivation_check(check: DeactivationCheck) -> None:
    """Add a check ``unit_deactivate`` runs over the unit (called from ``AppConfig.ready``)."""
    if check not in _deactivation_checks:
        _deactivation_checks.append(check)


def _actor_label(actor: User | None) -> str:
    return actor.username if actor is not None else "system"


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
    actor: User | None = None,
) -> Unit:
    if parent is None and kind != UnitKind.DISTRICT:
        raise InvalidUnit("只有区级单位可以没有上级 / only a district may have no parent")
    if parent is not None and not parent.is_active:
        raise InvalidUnit(f"上级单位「{parent.name}」已停用 / the parent unit is inactive")
    if parent is not None and len(parent.path) + 7 > _PATH_MAX:
        raise InvalidUnit("单位层级过深 / the unit tree is too deep")
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
    audit_log(actor=actor, obj=unit, message=f"新增单位，上级：{parent or '无'}", action="add")
    return unit


def _locked(unit: Unit) -> Unit:
    locked = Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if locked is None:
        raise InvalidUnit(f"单位不存在 / no such unit: {unit.pk}")
    return locked


@transaction.atomic
def unit_update(*, unit: Unit, actor: User | None, now: datetime, **changes: Any) -> Unit:
    """Change a unit's details in place (``UNIT_DETAIL_FIELDS``); the tree is untouched."""
    unknown = [f for f in changes if f not in UNIT_DETAIL_FIELDS]
    if unknown:
        raise InvalidUnit(f"不能这样修改 / cannot change {unknown} here (moves: unit_move)")
    locked = _locked(unit)
    if "kind" in changes and (changes["kind"] == UnitKind.DISTRICT) != (locked.parent_id is None):
        raise InvalidUnit("只有顶级单位是区 / only the root unit is a district")
    for field, value in changes.items():
        setattr(locked, field, value)
    if changes:
        locked.save(update_fields=list(changes))
        labels = field_labels(Unit, changes)
        audit_log(actor=actor, obj=locked, message=f"修改{labels}")
        log.info(
            "unit %s changed %s by %s at %s",
            locked.code,
            list(changes),
            _actor_label(actor),
            now.isoformat(),
        )
    return locked


def unit_move_refusal(unit: Unit, parent: Unit | None) -> str | None:
    """Why ``unit`` may not move under ``parent``, or None."""
    if parent is None or unit.parent_id is None:
        return "区是单位树的根，不能移动；其他单位必须有上级单位"
    if parent.path.startswith(unit.path):
        return f"不能把「{unit.name}」移到它自己或它的下级单位「{parent.name}」之下"
    if parent.district_path != unit.district_path:
        return "不能把单位移到另一个区"
    if not parent.is_active:
        return f"上级单位「{parent.name}」已停用"
    deepest = Unit.objects.subtree(unit).aggregate(m=models.Max("depth"))["m"] or unit.depth
    if len(parent.path) + 7 * (deepest - unit.depth + 1) > _PATH_MAX:
        return "移动后单位层级过深"
    return None


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit, actor: User | None, now: datetime) -> Unit:
    """Move ``unit`` with its whole subtree under ``parent``.

    Every unit of the subtree gets its materialised path rewritten (the old prefix
    replaced by the new one) and its depth shifted, in one UPDATE inside this
    transaction; rows are locked first. Tickets, users and scopes follow by reference.
    """
    locked = _locked(unit)
    new_parent = _locked(parent)
    refusal = unit_move_refusal(locked, new_parent)
    if refusal:
        raise InvalidUnit(refusal)
    if locked.parent_id == new_parent.pk:
        return locked
    old_prefix, old_parent = locked.path, locked.parent
    new_prefix = f"{new_parent.path}{locked.pk:06d}/"
    subtree = Unit.objects.filter(path__startswith=old_prefix)
    moved = len(list(subtree.select_for_update().values_list("pk", flat=True)))
    subtree.update(
        path=Concat(
            Value(new_prefix),
            Substr("path", len(old_prefix) + 1),
            output_field=models.CharField(),
        ),
        depth=F("depth") + (new_parent.depth + 1 - locked.depth),
    )
    Unit.objects.filter(pk=locked.pk).update(parent=new_parent)
    locked.refresh_from_db()
    audit_log(
        actor=actor,
        obj=locked,
        message=f"从「{old_parent}」移到「{new_parent}」之下（连同 {moved - 1} 个下级单位）",
    )
    log.info(
        "unit %s moved under %s with %s descendants by %s at %s",
        locked.code,
        new_parent.code,
        moved - 1,
        _actor_label(actor),
        now.isoformat(),
    )
    return locked


def unit_deactivate_refusal(unit: Unit) -> str | None:
    """Why ``unit`` (and with it its subtree) may not be deactivated now, or None."""
    if unit.parent_id is None:
        return "区不能停用"
    reasons = [reason for check in _deactivation_checks if (reason := check(unit))]
    if User.objects.filter(unit__path__startswith=unit.path, is_active=True).exists():
        reasons.append("仍有在用的用户账号：请先停用这些账号或把他们调到其他单位")
    return "；".join(reasons) or None


@transaction.atomic
def unit_deactivate(*, unit: Unit, actor: User | None, now: datetime) -> int:
    """Deactivate ``unit`` and every unit below it; returns how many were deactivated.

    Refused while the subtree has open tickets, routing rules pointing at it or active
    users (``unit_deactivate_refusal`` says which): a ticket must never wait on a unit
    nobody sees.
    """
    locked = _locked(unit)
    refusal = unit_deactivate_refusal(locked)
    if refusal:
        raise InvalidUnit(f"「{locked.name}」不能停用：{refusal}")
    count = Unit.objects.subtree(locked).filter(is_active=True).update(is_active=False)
    audit_log(actor=actor, obj=locked, message=f"停用（连同下级单位共 {count} 个）")
    log.info(
        "unit %s deactivated (%s units) by %s at %s",
        locked.code,
        count,
        _actor_label(actor),
        now.isoformat(),
    )
    return count


@transaction.atomic
def unit_reactivate(*, unit: Unit, actor: User | None, now: datetime) -> Unit:
    """Bring a deactivated unit back (its parent must be active; children stay as they are)."""
    locked = _locked(unit)
    if locked.parent is not None and not locked.parent.is_active:
        raise InvalidUnit(f"上级单位「{locked.parent.name}」已停用，请先启用上级单位")
    Unit.objects.filter(pk=locked.pk).update(is_active=True)
    locked.is_active = True
    audit_log(actor=actor, obj=locked, message="重新启用")
    log.info("unit %s reactivated by %s at %s", locked.code, _actor_label(actor), now.isoformat())
    return locked


# -- users and tokens ------------------------------------------------------------------------


def user_create(
    *,
    username: str,
    role: Role | str,
    unit: Unit,
    full_name: str = "",
    password: str | None = None,
    phone: str = "",
    extra_roles: Iterable[str] = (),
) -> User:
    user = User(
        username=username,
        role=role,
        unit=unit,
        full_name=full_name,
        phone=phone,
        extra_roles=pack_roles(set(extra_roles) - {role}),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenRejected(DomainError):
    status = 401


class TokenExpired(TokenRejected):
    code = "token_expired"


class TokenRevoked(TokenRejected):
    code = "token_revoked"


def token_create(
    *, user: User, now: datetime, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token valid for ``days`` (default ``DUBAN_API_TOKEN_DAYS``); the plain
    secret is returned once and never stored."""
    from django.conf import settings

    days = int(getattr(settings, "DUBAN_API_TOKEN_DAYS", 90)) if days is None else days
    if not 0 < days <= 3660:
        raise DomainError("有效期应为 1–3660 天 / days must be 1-3660")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:12],
            digest=_digest(secret),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_log(actor=user, obj=token, message=f"创建 API 令牌 {token.prefix}…", action="add")
    log.info("api token %s created for %s", token.prefix, user.username)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None, now: datetime) -> ApiToken:
    """Revoke a token at once (idempotent: a revoked token keeps its first revocation time)."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    if updated:
        audit_log(actor=actor, obj=token, message=f"吊销 API 令牌 {token.prefix}…")
        log.info("api token %s revoked by %s", token.prefix, _actor_label(actor))
    return token


def token_authenticate(*, secret: str, now: datetime) -> User | None:
    """The token's user; None for an unknown secret; ``TokenRevoked`` / ``TokenExpired``
    (401 with a stable code) for a revoked or expired one."""
    token = (
        ApiToken.objects.select_related("user__unit")
        .filter(digest=_digest(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.revoked_at is not None:
        raise TokenRevoked("令牌已吊销 / token revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenExpired("令牌已过期 / token expired")
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
