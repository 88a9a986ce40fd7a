"""Sign-in forms for the pages (``/login/``) and the admin (``/admin/login/``).

Both check, in order: the lock (``selectors_logins.login_refusal``: too many recent
failures for the account or from the address → refused with a Chinese message, without
trying the password), the password (Django's ``authenticate``), then the second factor for
an account that turned it on. Every try is recorded (``services_logins.login_attempt_record``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LoginOutcome, User
from .selectors_logins import client_address, login_refusal, normalise_username, setting
from .services_logins import login_attempt_record, totp_verify

LOCKED = _("登录失败次数过多，账号或来源地址已被暂时锁定，请 %(minutes)d 分钟后再试。")
PROBLEMS = ("locked_out", "invalid_otp")
WRONG_CODE = _("动态验证码不正确或未填写（已启用双因素认证的账号须填写）。")


def _known(username: str) -> User | None:
    """The account a failed attempt aimed at, if it exists (for the audit)."""
    name = normalise_username(username)
    return User.objects.filter(username__iexact=name).first() if name else None


class ThrottledLoginMixin:
    """The lock, the audit and the second factor around ``AuthenticationForm.clean``."""

    request: Any
    cleaned_data: dict[str, Any]
    error_messages: dict[str, Any]

    @property
    def problem(self) -> str:
        """The lock or second-factor message to show instead of the generic one."""
        errors = self.errors.as_data().get("__all__", [])  # type: ignore[attr-defined]
        return " ".join(m for e in errors if e.code in PROBLEMS for m in e.messages)

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        meta = self.request.META if self.request is not None else {}
        address = client_address(meta)
        path = self.request.path if self.request is not None else ""
        now = timezone.now()
        record = {"username": username, "address": address, "now": now, "path": path}
        if login_refusal(username=username, address=address, now=now):
            login_attempt_record(outcome=LoginOutcome.LOCKED, user=_known(username), **record)
            minutes = max(1, setting("DUBAN_LOGIN_WINDOW_SECONDS") // 60)
            raise ValidationError(LOCKED, code="locked_out", params={"minutes": minutes})
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except ValidationError:
            login_attempt_record(outcome=LoginOutcome.FAILURE, user=_known(username), **record)
            raise
        user: User | None = self.get_user()  # type: ignore[attr-defined]
        code = self.cleaned_data.get("otp") or ""
        if user is not None and user.has_second_factor and not totp_verify(user, code, now=now):
            login_attempt_record(outcome=LoginOutcome.SECOND_FACTOR, user=user, **record)
            self.user_cache = None
            raise ValidationError(WRONG_CODE, code="invalid_otp")
        login_attempt_record(outcome=LoginOutcome.SUCCESS, user=user, **record)
        return cleaned  # type: ignore[no-any-return]


def _otp_field() -> forms.CharField:
    return forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("已启用双因素认证的账号填写验证器上的 6 位数字"),
    )


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    otp = _otp_field()


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    otp = _otp_field()
