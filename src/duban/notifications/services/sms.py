"""The SMS outbox: queue in the event's transaction, send after commit, retry, never twice.

A message is queued (``SmsMessage``) inside the transaction of the ticket event it reports,
so a rolled-back transition queues nothing. After the commit, ``transaction.on_commit``
makes one best-effort attempt; ``duban notify send`` (run every minute) retries what is
still queued or failed, up to ``MAX_ATTEMPTS`` with a growing pause.

Exactly once: a sender first *claims* due messages in a short transaction (PostgreSQL:
``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent senders take disjoint rows; SQLite
serialises writers) by setting them ``sending`` with one more attempt and a
``next_attempt_at`` in the future, and only then hands them to the gateway, outside any
transaction. No other sender can claim a ``sending`` message until ``STALE_AFTER`` has
passed — the sender that claimed it died between the gateway and the record.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from ..gateways import SmsBackend, get_backend
from ..models import SmsMessage, SmsStatus

logger = logging.getLogger("duban.notifications")

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=10)
BATCH = 100


def retry_delay(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes."""
    return timedelta(minutes=2 ** max(0, attempts - 1))


def sms_queue(*, messages: Sequence[SmsMessage]) -> list[SmsMessage]:
    """Store ``messages`` in the outbox and send them once the transaction commits.

    Call inside the transaction of the write they report (the observer does).
    """
    if not messages:
        return []
    created = SmsMessage.objects.bulk_create(messages)
    ids = [m.pk for m in created if m.pk is not None]
    transaction.on_commit(partial(send_after_commit, ids), robust=True)
    return created


def send_after_commit(ids: list[int]) -> None:
    """The best-effort first attempt, after the commit (what fails stays for the command)."""
    sms_send(now=timezone.now(), ids=ids)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claimable(*, now: datetime, ids: Sequence[int] | None) -> QuerySet[SmsMessage]:
    if ids is not None:
        # After commit: the messages just queued, unless a sender has taken them already.
        return SmsMessage.objects.filter(pk__in=list(ids), status=SmsStatus.QUEUED)
    return SmsMessage.objects.filter(
        status__in=[SmsStatus.QUEUED, SmsStatus.FAILED, SmsStatus.SENDING],
        next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    )


@transaction.atomic
def _claim(*, now: datetime, ids: Sequence[int] | None, batch: int) -> list[SmsMessage]:
    """Take up to ``batch`` due messages for this sender (see the module's docstring)."""
    rows = list(
        _claimable(now=now, ids=ids)
        .select_for_update(skip_locked=True)
        .order_by("next_attempt_at", "pk")[:batch]
    )
    if rows:
        SmsMessage.objects.filter(pk__in=[m.pk for m in rows]).update(
            status=SmsStatus.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + STALE_AFTER,
        )
        for m in rows:
            m.status, m.attempts = SmsStatus.SENDING, m.attempts + 1
    return rows


def _deliver(
    message: SmsMessage, *, backend: SmsBackend, now: datetime, result: SendResult
) -> None:
    mine = SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING)
    try:
        backend.send(message.phone, message.text)
    except Exception as exc:  # any gateway failure is recorded on the message and retried
        error = f"{type(exc).__name__}: {exc}"[:500]
        mine.update(
            status=SmsStatus.FAILED,
            last_error=error,
            next_attempt_at=now + retry_delay(message.attempts),
        )
        result.failed += 1
        result.errors.append(f"#{message.pk}: {error}")
        logger.warning("SMS #%s failed (attempt %s): %s", message.pk, message.attempts, error)
    else:
        mine.update(status=SmsStatus.SENT, sent_at=now, last_error="")
        result.sent += 1


def sms_send(
    *,
    now: datetime,
    ids: Sequence[int] | None = None,
    batch: int = BATCH,
    backend: SmsBackend | None = None,
) -> SendResult:
    """Send the due messages (or, with ``ids``, those still queued), each by one sender."""
    backend = backend or get_backend()
    if ids is not None:
        batch = max(batch, len(ids))
    result = SendResult()
    while True:
        claimed = _claim(now=now, ids=ids, batch=batch)
        for message in claimed:
            _deliver(message, backend=backend, now=now, result=result)
        if ids is not None or len(claimed) < batch:
            return result
