"""Portal test helpers: a clean cache per test and a correctly answered challenge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.core.cache import caches
from django.utils import timezone

from duban.portal.challenge import SALT, answer_for

# Smallest valid images (magic bytes are what the portal checks).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _clean_portal_cache() -> None:
    caches["default"].clear()


def challenge(*, age_seconds: int = 30, nonce: str | None = None) -> tuple[str, str]:
    """A token shown ``age_seconds`` ago, and its right answer."""
    import secrets

    nonce = nonce or secrets.token_urlsafe(12)
    issued = int((timezone.now() - timedelta(seconds=age_seconds)).timestamp())
    token = signing.dumps({"n": nonce, "t": issued}, salt=SALT)
    return token, str(answer_for(nonce))


@pytest.fixture
def submission() -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        token, answer = challenge()
        data: dict[str, Any] = {
            "appeal_type": "complaint",
            "category": "",
            "location": "滨湖街道东留村主街",
            "content": "东留村主街的路灯坏了一周了。晚上出行很不方便，请尽快维修。",
            "title": "",
            "caller_name": "张三丰",
            "caller_phone": "13812341234",
            "website": "",
            "challenge": token,
            "answer": answer,
        }
        data.update(overrides)
        return data

    return make
