"""Callers' personal data under PIPL: the access audit, export and erasure on request, and
the retention rule.

- ``personal_data_access_record``: one ``PersonalDataAccess`` row per caller shown in full
  (a centre role's ticket page, API detail or list, a search by phone or name).
- ``personal_data_list_record``: the same for a list page (工单查询 and its export): a centre
  role's page shows every caller's name and phone in full, and a list found by a caller's
  phone or name tells whose tickets they are; one insert per request, whatever its length.
- ``caller_export``: everything duban keeps about a caller (their data and their tickets),
  for a request by the person; audited.
- ``caller_erase``: blank the caller's name, phone and ID number (and their look-up
  hashes) on request; the tickets stay (the ledger is kept), without personal data.
- ``personal_data_purge``: the retention rule — callers whose tickets all ended more than
  ``DUBAN_PERSONAL_DATA_YEARS`` years ago (default 3) are erased; run daily by the worker
  (``duban privacy purge``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce

from duban.org.models import User

from ..choices import OPEN_STATES
from ..errors import InvalidInput
from ..models import Caller, PersonalDataAccess, Ticket
from .base import check_text

log = logging.getLogger("duban.privacy")
Kind = PersonalDataAccess.Kind
PURGE_BATCH = 1000
ERASED_FIELDS = {"name": "", "phone": "", "id_number": "", "phone_hash": "", "name_hash": ""}


def retention_years() -> int:
    return int(getattr(settings, "DUBAN_PERSONAL_DATA_YEARS", 3))


def personal_data_access_record(
    *,
    actor: User | None,
    tickets: Iterable[Any],
    kind: str,
    now: datetime,
    reason: str = "",
) -> int:
    """Audit rows for the callers of ``tickets`` (objects with ``pk`` and ``caller_id``)."""
    rows = [
        PersonalDataAccess(
            caller_id=t.caller_id, ticket_id=t.pk, actor=actor, kind=kind, reason=reason, at=now
        )
        for t in tickets
        if getattr(t, "caller_id", None) is not None
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)


def personal_data_list_record(
    *,
    actor: User,
    tickets: Sequence[Any],
    now: datetime,
    by_person: bool = False,
    callers_shown: bool = True,
) -> int:
    """Audit a list of tickets read by ``actor``: a list found by a caller's phone or name is
    a ``SEARCH`` of that person; any other list is a ``VIEW`` of the callers it showed in
    full, which only roles that see personal data get (``callers_shown`` is False for a list
    without the caller column, such as the spreadsheet export). Masked roles leave no row."""
    if by_person:
        kind = Kind.SEARCH
    elif callers_shown and actor.sees_personal_data:
        kind = Kind.VIEW
    else:
        return 0
    return personal_data_access_record(actor=actor, tickets=tickets, kind=kind, now=now)


def _reason(reason: str) -> str:
    reason = check_text(reason, field="reason", required=True, limit=200)
    if len(reason) < 2:
        raise InvalidInput("请填写事由 / a reason is required", field="reason")
    return reason


@transaction.atomic
def caller_export(*, caller: Caller, actor: User, now: datetime, reason: str) -> dict[str, Any]:
    """The caller's personal data and their tickets, for a request by the person."""
    reason = _reason(reason)
    tickets = list(
        Ticket.objects.filter(caller=caller)
        .order_by("created_at")
        .values("number", "title", "content", "location", "state", "created_at", "closed_at")
    )
    PersonalDataAccess.objects.create(
        caller=caller, actor=actor, kind=Kind.EXPORT, reason=reason, at=now
    )
    log.info("caller %s exported by %s", caller.pk, actor.username)
    return {
        "caller": {
            "name": caller.name,
            "phone": caller.phone,
            "id_number": caller.id_number,
            "created_at": caller.created_at.isoformat(),
            "erased_at": caller.erased_at.isoformat() if caller.erased_at else None,
        },
        "tickets": [
            {
                **t,
                "created_at": t["created_at"].isoformat(),
                "closed_at": t["closed_at"].isoformat() if t["closed_at"] else None,
            }
            for t in tickets
        ],
        "exported_at": now.isoformat(),
    }


@transaction.atomic
def caller_erase(*, caller: Caller, actor: User, now: datetime, reason: str) -> Caller:
    """Erase a caller's personal data on request (their tickets stay, anonymous)."""
    reason = _reason(reason)
    Caller.objects.filter(pk=caller.pk).update(**ERASED_FIELDS, erased_at=now)
    PersonalDataAccess.objects.create(
        caller=caller, actor=actor, kind=Kind.ERASE, reason=reason, at=now
    )
    log.info("caller %s erased by %s", caller.pk, actor.username)
    caller.refresh_from_db()
    return caller


def _cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def purgeable_callers(*, now: datetime, years: int | None = None) -> Any:
    """Callers not yet erased whose tickets all ended (none open) before the cutoff; a
    ticket ended at ``closed_at``, or at its registration when it was merged or invalid."""
    cutoff = _cutoff(now, retention_years() if years is None else years)
    return (
        Caller.objects.filter(erased_at__isnull=True, created_at__lt=cutoff)
        .exclude(tickets__state__in=OPEN_STATES)
        .annotate(ended=Max(Coalesce("tickets__closed_at", "tickets__created_at")))
        .filter(Q(ended__lt=cutoff) | Q(ended__isnull=True))
    )


def personal_data_purge(*, now: datetime, years: int | None = None) -> int:
    """Erase the personal data past retention, in batches (each its own transaction)."""
    years = retention_years() if years is None else years
    total = 0
    while True:
        batch = list(
            purgeable_callers(now=now, years=years).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not batch:
            break
        with transaction.atomic():
            Caller.objects.filter(pk__in=batch).update(**ERASED_FIELDS, erased_at=now)
            PersonalDataAccess.objects.bulk_create(
                PersonalDataAccess(
                    caller_id=pk, kind=Kind.PURGE, reason=f"保存期满 {years} 年", at=now
                )
                for pk in batch
            )
        total += len(batch)
    log.info("personal data purge: %d callers erased (retention %d years)", total, years)
    return total
