"""Sign-in: failed logins lock the account and the address (pages and admin), every try is
audited, an account with a second factor needs its code, and staff passwords follow the
policy."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from duban.org.models import LoginAttempt, LoginOutcome, User
from duban.org.selectors_logins import login_refusal
from duban.org.services_logins import (
    InvalidCode,
    totp_begin,
    totp_confirm,
    totp_disable,
)

PASSWORD = "pass-12345"  # testing.personas.make_user

pytestmark = pytest.mark.django_db


def post_login(client, path: str, username: str, password: str, otp: str = "", ip="10.0.0.1"):
    return client.post(
        path, {"username": username, "password": password, "otp": otp}, REMOTE_ADDR=ip
    )


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_repeated_failures_lock_the_account_even_with_the_right_password(
    client, admin_user: User, settings, path: str
) -> None:
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    settings.DUBAN_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = post_login(client, path, "admin", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = post_login(client, path, "admin", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "已被暂时锁定" in response.content.decode()
    outcomes = list(
        LoginAttempt.objects.filter(username="admin")
        .order_by("at", "pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [LoginOutcome.FAILURE] * 3 + [LoginOutcome.LOCKED]
    assert LoginAttempt.objects.filter(user=admin_user, path=path).count() == 4


def test_lock_per_address_across_accounts(client, operator: User, settings) -> None:
    settings.DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    for i in range(4):
        post_login(client, "/login/", f"nobody{i}", "wrong", ip="10.9.9.9")
    response = post_login(client, "/login/", "operator", PASSWORD, ip="10.9.9.9")
    assert "已被暂时锁定" in response.content.decode()
    # Another address still signs in.
    response = post_login(client, "/login/", "operator", PASSWORD, ip="10.1.1.1")
    assert response.status_code == 302


def test_success_resets_and_the_window_expires(client, operator: User, settings) -> None:
    settings.DUBAN_LOGIN_MAX_FAILURES = 3
    now = timezone.now()
    for _ in range(2):
        post_login(client, "/login/", "operator", "wrong")
    assert post_login(client, "/login/", "operator", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        post_login(client, "/login/", "operator", "wrong")
    assert login_refusal(username="operator", address="", now=timezone.now()) is None
    post_login(client, "/login/", "Operator", "wrong")  # the count ignores case
    assert login_refusal(username="operator", address="", now=timezone.now()) == "account"
    later = now + timedelta(seconds=settings.DUBAN_LOGIN_WINDOW_SECONDS + 5)
    assert login_refusal(username="operator", address="", now=later) is None


def test_second_factor_enrolment_and_sign_in(client, leader: User) -> None:
    now = timezone.now()
    secret = totp_begin(user=leader, now=now)
    with pytest.raises(InvalidCode):
        totp_confirm(user=leader, code="000000", now=now)
    totp_confirm(user=leader, code=pyotp.TOTP(secret).at(now), now=now)
    leader.refresh_from_db()
    assert leader.has_second_factor and leader.totp_secret == secret
    # Stored encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM org_user WHERE id = %s", [leader.pk])
        assert cursor.fetchone()[0].startswith("enc1:")

    response = post_login(client, "/login/", "leader", PASSWORD)
    assert response.status_code == 200 and "动态验证码不正确" in response.content.decode()
    assert LoginAttempt.objects.filter(outcome=LoginOutcome.SECOND_FACTOR).count() == 1
    response = post_login(client, "/login/", "leader", PASSWORD, otp=pyotp.TOTP(secret).now())
    assert response.status_code == 302

    totp_disable(user=leader, actor=leader, now=now)
    leader.refresh_from_db()
    assert not leader.has_second_factor


def test_second_factor_is_for_admins_and_leaders(operator: User) -> None:
    from duban.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        totp_begin(user=operator, now=timezone.now())


@pytest.mark.parametrize(
    "password", ["short1A!", "12345678901234", "password123456", "operator-12345", "abcdefghijkl"]
)
def test_staff_password_policy_refuses(password: str, operator: User) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, user=operator)


def test_staff_password_policy_accepts_a_strong_one(operator: User) -> None:
    validate_password("Qiche-Lu-2026", user=operator)
