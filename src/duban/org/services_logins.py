"""Sign-in audit and the second factor (TOTP).

- ``login_attempt_record``: one ``LoginAttempt`` row per try (success, wrong password,
  wrong code, refused while locked); a lock is also logged on ``duban.security``.
- ``totp_begin`` / ``totp_confirm`` / ``totp_disable``: an administrator or leader turns
  the second factor on with a fresh secret (shown once as text and an ``otpauth://`` URI),
  confirmed by a first code; ``totp_verify`` checks a code at sign-in.
"""

from __future__ import annotations

import logging
from datetime import datetime

import pyotp
from django.db import transaction

from duban.core.errors import InvalidInput, PermissionDenied

from .models import LoginAttempt, LoginOutcome, User
from .roles import Role
from .selectors_logins import normalise_username
from .services import audit_log

log = logging.getLogger("duban.security")

# Who may turn on the second factor (administrators, leaders, and Django staff).
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.LEADER})
ISSUER = "duban"


class InvalidCode(InvalidInput):
    code = "invalid_otp"


def login_attempt_record(
    *,
    username: str,
    address: str,
    outcome: LoginOutcome | str,
    now: datetime,
    user: User | None = None,
    path: str = "",
) -> LoginAttempt:
    attempt = LoginAttempt.objects.create(
        username=normalise_username(username),
        address=address,
        user=user if user is not None and user.pk else None,
        outcome=outcome,
        path=path[:50],
        at=now,
    )
    if outcome == LoginOutcome.LOCKED:
        log.warning("login refused (locked): user=%r address=%s", attempt.username, address)
    elif outcome != LoginOutcome.SUCCESS:
        log.info("login failed (%s): user=%r address=%s", outcome, attempt.username, address)
    return attempt


def may_use_second_factor(user: User) -> bool:
    return user.is_staff or user.is_superuser or user.has_role(SECOND_FACTOR_ROLES)


def totp_verify(user: User, code: str, *, now: datetime) -> bool:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not user.has_second_factor or len(code) != 6:
        return False
    return bool(pyotp.TOTP(user.totp_secret).verify(code, for_time=now, valid_window=1))


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


@transaction.atomic
def totp_begin(*, user: User, now: datetime) -> str:
    """A fresh, not yet confirmed secret for ``user`` (replaces an unconfirmed one)."""
    if not may_use_second_factor(user):
        raise PermissionDenied("当前角色不适用动态口令 / second factor not available to this role")
    if user.has_second_factor:
        raise InvalidInput("动态口令已启用 / second factor is already on", field="totp")
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return user.totp_secret


@transaction.atomic
def totp_confirm(*, user: User, code: str, now: datetime) -> User:
    if not user.totp_secret or user.totp_confirmed_at is not None:
        raise InvalidInput("请先生成动态口令密钥 / start the enrolment first", field="totp")
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if not pyotp.TOTP(user.totp_secret).verify(digits, for_time=now, valid_window=1):
        raise InvalidCode("动态验证码不正确 / wrong code", field="code")
    user.totp_confirmed_at = now
    user.save(update_fields=["totp_confirmed_at"])
    audit_log(actor=user, obj=user, message="启用动态口令（双因素认证）")
    log.info("second factor enabled for %s", user.username)
    return user


@transaction.atomic
def totp_disable(*, user: User, actor: User, now: datetime) -> User:
    """Turn the second factor off (the user themself, or an administrator for a lost phone)."""
    if actor.pk != user.pk and not (actor.is_superuser or actor.has_role({Role.ADMIN})):
        raise PermissionDenied("无权关闭他人的动态口令 / may not disable another's second factor")
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    audit_log(actor=actor, obj=user, message="关闭动态口令（双因素认证）")
    log.info("second factor disabled for %s by %s", user.username, actor.username)
    return user
