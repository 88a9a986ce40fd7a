"""The real Redis the tests of a shared cache run against (``DUBAN_TEST_REDIS_URL``)."""

from __future__ import annotations

import os

import pytest

from duban.conftest import in_ci

REDIS_URL = os.environ.get("DUBAN_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


def redis_or_skip() -> None:
    """Skip the test when Redis is not reachable; in CI, where it always runs, fail it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        if in_ci():
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
