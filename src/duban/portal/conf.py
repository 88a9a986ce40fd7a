"""The portal's settings: ``settings.DUBAN_PORTAL`` overrides any of :data:`DEFAULTS`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches

from duban.org.models import Unit

DEFAULTS: dict[str, Any] = {
    # Cache alias holding rate-limit counters and used challenge nonces. LocMemCache
    # (Django's default) counts per process; use a shared cache (Redis, database)
    # when several worker processes serve the portal.
    "CACHE": "default",
    # Per client IP and window: successful submissions plus failed challenges.
    "SUBMIT_LIMIT": 5,
    # Per client IP and window: look-ups and ratings (number + phone attempts).
    "LOOKUP_LIMIT": 30,
    "WINDOW_SECONDS": 3600,
    # A challenge is valid for this long after the form was shown, and used once.
    "CHALLENGE_MAX_AGE": 600,
    # Humans need at least this long to fill in the form.
    "MIN_FILL_SECONDS": 3,
    # Number of reverse proxies in front of Django that append to X-Forwarded-For;
    # 0 trusts only REMOTE_ADDR.
    "TRUSTED_PROXIES": 0,
    # How long a tracking page's rating form stays valid.
    "ACCESS_MAX_AGE": 1800,
    "MAX_PHOTO_BYTES": 10 * 1024 * 1024,
    # Code of the district (a root unit) whose portal this is; blank: the installation's
    # only district (an installation with several districts must name it).
    "DISTRICT": "",
}


def portal_setting(name: str) -> Any:
    overrides = getattr(settings, "DUBAN_PORTAL", None) or {}
    return overrides.get(name, DEFAULTS[name])


def portal_cache() -> BaseCache:
    return caches[portal_setting("CACHE")]


def portal_district() -> Unit | None:
    """The district that portal submissions belong to (None: the only district)."""
    code = portal_setting("DISTRICT")
    if not code:
        return None
    return Unit.objects.filter(code=code, parent__isnull=True).first()
