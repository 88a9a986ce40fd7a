"""A small arithmetic question on the submit form, signed, timed and used once.

The signed token carries only a random nonce and the time the form was shown; the
question is derived from the nonce with an HMAC of the secret key, so the answer is
not readable from the page's source. A token is accepted once (the nonce is marked
used in the portal cache), not before ``MIN_FILL_SECONDS`` and not after
``CHALLENGE_MAX_AGE``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils.crypto import salted_hmac

from .conf import portal_cache, portal_setting

SALT = "duban.portal.challenge"
DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Challenge:
    token: str
    question: str


class ChallengeFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _numbers(nonce: str) -> tuple[int, int, str]:
    digest = salted_hmac(SALT, nonce).digest()
    a, b = digest[0] % 9 + 1, digest[1] % 9 + 1
    op = "加减乘"[digest[2] % 3]
    if op == "减" and a < b:
        a, b = b, a
    return a, b, op


def question_for(nonce: str) -> str:
    a, b, op = _numbers(nonce)
    return f"{DIGITS[a]}{op}{DIGITS[b]}等于几？"


def answer_for(nonce: str) -> int:
    a, b, op = _numbers(nonce)
    return {"加": a + b, "减": a - b, "乘": a * b}[op]


def challenge_new(*, now: datetime) -> Challenge:
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "t": int(now.timestamp())}, salt=SALT)
    return Challenge(token=token, question=question_for(nonce))


def challenge_question(token: str) -> str | None:
    """The question of a token the form already carries (to show it again)."""
    try:
        return question_for(signing.loads(token, salt=SALT)["n"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


def challenge_check(*, token: str, answer: str, now: datetime) -> None:
    """Accept a correct, fresh, unused answer; otherwise raise :class:`ChallengeFailed`."""
    if not token:
        raise ChallengeFailed("请回答验证题后再提交。")
    try:
        data = signing.loads(token, salt=SALT)
        nonce, issued = str(data["n"]), int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ChallengeFailed("验证题无效，请回答新的验证题。") from exc
    age = now.timestamp() - issued
    max_age = int(portal_setting("CHALLENGE_MAX_AGE"))
    if age > max_age:
        raise ChallengeFailed(f"验证题已超过 {max_age // 60} 分钟，请回答新的验证题。")
    if age < int(portal_setting("MIN_FILL_SECONDS")):
        raise ChallengeFailed("提交过快，请核对内容后再提交。")
    if not portal_cache().add(f"duban:portal:nonce:{nonce}", 1, timeout=max_age + 60):
        raise ChallengeFailed("该验证题已使用过，请回答新的验证题。")
    try:
        correct = int((answer or "").strip()) == answer_for(nonce)
    except ValueError:
        correct = False
    if not correct:
        raise ChallengeFailed("验证题答案不正确，请回答新的验证题。")
