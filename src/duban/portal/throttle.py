"""Fixed-window rate limits per client IP, counted in the portal's cache."""

from __future__ import annotations

import time

from django.http import HttpRequest

from .conf import portal_cache, portal_setting

SUBMIT = "submit"
LOOKUP = "lookup"
_LIMIT_SETTING = {SUBMIT: "SUBMIT_LIMIT", LOOKUP: "LOOKUP_LIMIT"}


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the outermost trusted proxy saw (X-Forwarded-For)."""
    proxies = int(portal_setting("TRUSTED_PROXIES"))
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _key(request: HttpRequest, bucket: str) -> tuple[str, int]:
    window = int(portal_setting("WINDOW_SECONDS"))
    index = int(time.time() // window)
    retry_after = window - int(time.time() % window)
    return f"duban:portal:{bucket}:{client_ip(request)}:{index}", retry_after


def exceeded(request: HttpRequest, bucket: str) -> int | None:
    """Seconds until the window ends when the client used up its budget; else None."""
    key, retry_after = _key(request, bucket)
    used = portal_cache().get(key, 0)
    return retry_after if used >= int(portal_setting(_LIMIT_SETTING[bucket])) else None


def hit(request: HttpRequest, bucket: str) -> int:
    """Count one use of the bucket; returns the count in the current window."""
    key, _ = _key(request, bucket)
    cache = portal_cache()
    window = int(portal_setting("WINDOW_SECONDS"))
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
