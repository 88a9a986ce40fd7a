"""The second factor (动态口令) of the signed-in administrator or leader: turn it on with a
secret shown as text and an ``otpauth://`` URI (typed or pasted into an authenticator app;
no QR code, so no image and no script), confirmed by a first code; turn it off with a code.
The writes are ``org.services_logins``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from duban.core.access import readable, signed_in
from duban.core.errors import DomainError
from duban.org.models import User
from duban.org.services_logins import (
    may_use_second_factor,
    totp_begin,
    totp_confirm,
    totp_disable,
    totp_uri,
    totp_verify,
)


@require_http_methods(["GET", "POST"])
@signed_in
def second_factor(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    if not may_use_second_factor(user):
        return render(request, "web/second_factor.html", {"allowed": False}, status=403)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        try:
            if action == "begin":
                totp_begin(user=user, now=now)
            elif action == "confirm":
                totp_confirm(user=user, code=code, now=now)
                messages.success(request, _("动态口令已启用，今后登录须填写动态验证码。"))
                return redirect("web:second_factor")
            elif action == "disable":
                if not totp_verify(user, code, now=now):
                    raise DomainError(_("动态验证码不正确"))
                totp_disable(user=user, actor=user, now=now)
                messages.success(request, _("动态口令已关闭。"))
                return redirect("web:second_factor")
        except DomainError as exc:
            error = readable(exc)
    pending = bool(user.totp_secret) and not user.has_second_factor
    context = {
        "allowed": True,
        "enabled": user.has_second_factor,
        "pending": pending,
        "secret": user.totp_secret if pending else "",
        "uri": totp_uri(user) if pending else "",
        "error": error,
    }
    return render(request, "web/second_factor.html", context, status=422 if error else 200)
