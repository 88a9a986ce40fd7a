"""Flood protection for the enterprise pages: fixed windows per client address, as the citizen
portal does (the same settings: ``DUBAN_PORTAL`` window, limits and trusted proxies)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW = 600
LIMITS = {"login": 20, "submit": 20}


def _setting(name: str, default: int) -> int:
    conf = getattr(settings, "DUBAN_PORTAL", None) or {}
    try:
        return int(conf.get(name, default))
    except (TypeError, ValueError):
        return default


def client_ip(request: HttpRequest) -> str:
    proxies = _setting("TRUSTED_PROXIES", 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _key(request: HttpRequest, bucket: str) -> tuple[str, int]:
    window = _setting("WINDOW_SECONDS", WINDOW)
    index = int(time.time() // window)
    return f"duban:ent:{bucket}:{client_ip(request)}:{index}", window - int(time.time() % window)


def exceeded(request: HttpRequest, bucket: str) -> int | None:
    """Seconds until the window ends when the client used up the bucket; else None."""
    key, retry_after = _key(request, bucket)
    return retry_after if cache.get(key, 0) >= LIMITS[bucket] else None


def hit(request: HttpRequest, bucket: str) -> None:
    key, _ = _key(request, bucket)
    cache.add(key, 0, timeout=_setting("WINDOW_SECONDS", WINDOW))
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=_setting("WINDOW_SECONDS", WINDOW))
