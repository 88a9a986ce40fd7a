"""The second-factor page: a leader turns TOTP on (secret shown as text and an otpauth URI,
confirmed by a code), then signs in with it; other roles are refused."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/account/second-factor/"


def test_a_leader_enrols_and_then_needs_the_code(leader):
    page = Client()
    page.force_login(leader)
    assert "生成密钥并启用" in page.get(URL).content.decode()
    html = page.post(URL, {"action": "begin"}).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    assert "otpauth://totp/" in html
    assert page.post(URL, {"action": "confirm", "code": "000000"}).status_code == 422
    done = page.post(URL, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    leader.refresh_from_db()
    assert leader.has_second_factor

    fresh = Client()
    without = fresh.post("/login/", {"username": "leader", "password": "pass-12345"})
    assert without.status_code == 200 and "动态验证码不正确" in without.content.decode()
    signed = fresh.post(
        "/login/",
        {"username": "leader", "password": "pass-12345", "otp": pyotp.TOTP(secret).now()},
    )
    assert signed.status_code == 302


def test_an_operator_has_no_second_factor_page(operator):
    page = Client()
    page.force_login(operator)
    assert page.get(URL).status_code == 403
