"""Whether a sign-in may be tried now: failed attempts per account and per address.

An account is locked after ``DUBAN_LOGIN_MAX_FAILURES`` failures (wrong password or wrong
second-factor code) within ``DUBAN_LOGIN_WINDOW_SECONDS`` since its last success; an
address after ``DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS`` failures in the window, whatever the
accounts. Both are counted in ``org.LoginAttempt`` (two indexed range counts), so the
lock holds across every app server.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from .models import LoginAttempt, LoginOutcome

FAILURES = (LoginOutcome.FAILURE, LoginOutcome.SECOND_FACTOR)
# The defaults of the settings (settings.py, "Security" block).
DEFAULTS = {
    "DUBAN_LOGIN_MAX_FAILURES": 5,
    "DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "DUBAN_LOGIN_WINDOW_SECONDS": 900,
}


def setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _window(now: datetime) -> datetime:
    return now - timedelta(seconds=setting("DUBAN_LOGIN_WINDOW_SECONDS"))


def login_refusal(*, username: str, address: str, now: datetime) -> str | None:
    """``"account"`` or ``"address"`` when sign-in is locked, else None."""
    since = _window(now)
    name = normalise_username(username)
    if name:
        recent = LoginAttempt.objects.filter(username=name, at__gte=since)
        last_ok = recent.filter(outcome=LoginOutcome.SUCCESS).aggregate(m=Max("at"))["m"]
        failures = recent.filter(outcome__in=FAILURES)
        if last_ok is not None:
            failures = failures.filter(at__gt=last_ok)
        if failures.count() >= setting("DUBAN_LOGIN_MAX_FAILURES"):
            return "account"
    if address:
        failures = LoginAttempt.objects.filter(address=address, at__gte=since, outcome__in=FAILURES)
        if failures.count() >= setting("DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS"):
            return "address"
    return None


def client_address(meta: dict[str, object]) -> str:
    """The client's address as the server saw it (``REMOTE_ADDR``; the reverse proxy must
    set it, e.g. gunicorn ``--forwarded-allow-ips`` with the proxy's address)."""
    return str(meta.get("REMOTE_ADDR") or "")[:45]
