"""Rate limits hold across worker processes when the cache is shared (a real Redis)."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from duban.portal import throttle
from duban.testing.shared_cache import REDIS_URL, redis_or_skip


@pytest.fixture
def two_workers():
    """Two cache clients with their own connections, as two gunicorn workers have."""
    redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"
    workers = [RedisCache(REDIS_URL, {"KEY_PREFIX": prefix}) for _ in range(2)]
    yield workers
    workers[0].clear()


def test_two_workers_count_one_budget(two_workers, monkeypatch, settings):
    settings.DUBAN_PORTAL = {"SUBMIT_LIMIT": 3, "WINDOW_SECONDS": 3600}
    request = RequestFactory().post("/portal/", REMOTE_ADDR="203.0.113.9")
    counts = []
    for n in range(4):
        monkeypatch.setattr(throttle, "portal_cache", lambda n=n: two_workers[n % 2])
        counts.append(throttle.hit(request, throttle.SUBMIT))
    assert counts == [1, 2, 3, 4]
    for worker in two_workers:
        monkeypatch.setattr(throttle, "portal_cache", lambda worker=worker: worker)
        assert throttle.exceeded(request, throttle.SUBMIT) is not None
    other = RequestFactory().post("/portal/", REMOTE_ADDR="203.0.113.10")
    assert throttle.exceeded(other, throttle.SUBMIT) is None


def test_settings_refuse_a_cache_url_that_is_not_redis():
    import subprocess
    import sys

    env = {**os.environ, "DUBAN_CACHE_URL": "memcached://127.0.0.1:11211"}
    code = "import duban.settings"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "DUBAN_CACHE_URL must be a redis:// URL" in done.stderr
