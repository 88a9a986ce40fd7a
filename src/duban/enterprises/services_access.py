"""The enterprise's own way in, without a staff account.

Two doors: an invitation link an officer sends (one use, a few days), or the credit code
with the registered mobile and a one-time code (shown on the page in development, sent by
SMS in production). Only a keyed hash of each secret is stored. Flood protection (per client
address, like the citizen portal) is the pages' part (``throttle``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from duban.org.models import User
from duban.org.services import audit_log

from . import credit_code as cc
from .errors import CodeInvalid, LinkExpired, LinkInvalid, LinkUsed
from .models import AccessKind, Enterprise, EnterpriseAccess
from .services import check_serves

SALT = "duban.enterprises.access"
INVITATION_DAYS = 7
CODE_MINUTES = 10
CODE_ATTEMPTS = 5


def secret_hash(secret: str) -> str:
    return salted_hmac(SALT, secret, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Issued:
    access: EnterpriseAccess
    secret: str  # the link's token or the code: shown once, never stored


@transaction.atomic
def invitation_create(
    *, actor: User, now: datetime, enterprise: Enterprise, days: int = INVITATION_DAYS
) -> Issued:
    """An invitation link for the enterprise's contact (by one who serves it)."""
    check_serves(actor, enterprise)
    token = secrets.token_urlsafe(24)
    access = EnterpriseAccess.objects.create(
        enterprise=enterprise,
        kind=AccessKind.INVITATION,
        secret_hash=secret_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=max(1, min(days, 30))),
    )
    audit_log(actor=actor, obj=enterprise, message="生成企业邀请链接")
    return Issued(access=access, secret=token)


def _usable(access: EnterpriseAccess, now: datetime) -> None:
    if access.used_at is not None:
        raise LinkUsed("该链接或验证码已使用，请重新获取")
    if access.expires_at <= now:
        raise LinkExpired("该链接或验证码已过期，请重新获取")


@transaction.atomic
def invitation_use(*, token: str, now: datetime) -> Enterprise:
    """Open the enterprise's pages with an invitation link (once)."""
    access = (
        EnterpriseAccess.objects.select_for_update()
        .select_related("enterprise")
        .filter(kind=AccessKind.INVITATION, secret_hash=secret_hash(token or ""))
        .first()
    )
    if access is None:
        raise LinkInvalid("链接无效")
    _usable(access, now)
    access.used_at = now
    access.save(update_fields=["used_at"])
    return access.enterprise


def _enterprise_by(credit_code: str, phone: str) -> Enterprise:
    code = cc.normalise(credit_code or "")
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    phone = (phone or "").strip()
    if enterprise is None or not enterprise.contact_phone or not phone:
        raise CodeInvalid("统一社会信用代码与登记的手机号不匹配")
    if not constant_time_compare(enterprise.contact_phone, phone):
        raise CodeInvalid("统一社会信用代码与登记的手机号不匹配")
    return enterprise


@transaction.atomic
def code_send(*, credit_code: str, phone: str, now: datetime) -> Issued:
    """A six-digit one-time code for the registered mobile (earlier unused codes lapse)."""
    enterprise = _enterprise_by(credit_code, phone)
    EnterpriseAccess.objects.filter(
        enterprise=enterprise, kind=AccessKind.CODE, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        digest = secret_hash(f"{enterprise.pk}:{code}")
        if not EnterpriseAccess.objects.filter(secret_hash=digest).exists():
            break
    access = EnterpriseAccess.objects.create(
        enterprise=enterprise,
        kind=AccessKind.CODE,
        secret_hash=digest,
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    return Issued(access=access, secret=code)


def code_verify(*, credit_code: str, phone: str, code: str, now: datetime) -> Enterprise:
    """Sign in with the one-time code (once; five wrong tries end it).

    Not one transaction: a wrong try must be counted even though the call is refused."""
    enterprise = _enterprise_by(credit_code, phone)
    with transaction.atomic():
        access = (
            EnterpriseAccess.objects.select_for_update()
            .filter(enterprise=enterprise, kind=AccessKind.CODE)
            .order_by("-created_at", "-id")
            .first()
        )
        if access is None:
            raise CodeInvalid("请先获取验证码")
        _usable(access, now)
        if constant_time_compare(access.secret_hash, secret_hash(f"{enterprise.pk}:{code}")):
            access.used_at = now
            access.save(update_fields=["used_at"])
            return enterprise
        access.attempts += 1
        if access.attempts >= CODE_ATTEMPTS:
            access.expires_at = now
        access.save(update_fields=["attempts", "expires_at"])
    raise CodeInvalid("验证码错误")
