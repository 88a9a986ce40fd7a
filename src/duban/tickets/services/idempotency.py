"""The API intake's ``Idempotency-Key`` records kept only as long as a client may retry.

``ticket_register`` stores one ``IdempotencyKey`` per keyed request (``services.intake``);
``idempotency_keys_purge`` forgets those older than ``DUBAN["IDEMPOTENCY_KEY_DAYS"]``
(default 7) and is run daily by the worker (``duban jobs run purge_idempotency_keys``). A
retry after the purge registers a new ticket, as a first request would.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from ..models import IdempotencyKey

log = logging.getLogger("duban.tickets")
DEFAULT_DAYS = 7


def idempotency_key_days() -> int:
    return int(getattr(settings, "DUBAN", {}).get("IDEMPOTENCY_KEY_DAYS", DEFAULT_DAYS))


@transaction.atomic
def idempotency_keys_purge(*, now: datetime, days: int | None = None) -> int:
    """Delete the keys stored more than ``days`` (the setting by default) before ``now``;
    returns how many were deleted."""
    days = idempotency_key_days() if days is None else days
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now - timedelta(days=days)).delete()
    log.info("idempotency keys purged: %d (older than %d days)", deleted, days)
    return deleted
