"""The callers of merged tickets (重复件) hear their master's outcome and rate it.

A merged ticket stays ``merged`` (no clock of its own runs) and follows its master — the
final one, since a master merged in turn hands its duplicates on. Once the master's reply
has passed review (the master is ``reviewed``, or ``closed`` after a review), the caller of
each merged ticket is called back by the centre or rates online like the master's caller,
once: the rating is recorded on the merged ticket (``callback`` / ``rate_online`` events
from ``merged`` to ``merged``, the ``callback_merged`` / ``rate_online_merged`` rules). It
never reopens anything — reopening is the master's, by the centre — and the merged ticket
closes when its master closes (``close_with_master``), rated or not.

``ticket_callback`` and ``ticket_rate_online`` hand a merged ticket to the functions here,
so the call-back form, the API and the portal need nothing else.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from duban.org.models import User

from ..choices import State
from ..errors import DomainError, IllegalTransition, InvalidInput, PermissionDenied
from ..events import payloads
from ..models import Ticket
from ..rules import MAX_CALLBACK_ATTEMPTS
from .base import check_text, transition


def master_outcome_ready(master: Ticket | None) -> bool:
    """Whether a master's reply has passed review and stands: it is ``reviewed``, or
    ``closed`` after a review (a direct answer has none; a reopened master is handled again)."""
    if master is None:
        return False
    return master.state == State.REVIEWED or (
        master.state == State.CLOSED and master.reviewed_at is not None
    )


def followed_master(ticket: Ticket) -> Ticket | None:
    """The master a merged ticket follows: its own, or up a chain left by older merges."""
    master = ticket.master if ticket.master_id else None
    for _ in range(5):
        if master is None or master.state != State.MERGED or master.master_id is None:
            break
        master = master.master
    return master


def merged_rating_refusal(ticket: Ticket) -> DomainError | None:
    """Why the caller of a merged ticket may not be called back or rate now: the ticket is
    not merged, its caller has rated (or was unreachable), or its master's reply has not
    passed review. Reads the master (one query unless it is loaded)."""
    if ticket.state != State.MERGED or ticket.master_id is None:
        return IllegalTransition("该工单不是合并件 / not a merged ticket", state=ticket.state)
    if ticket.rated_at is not None or ticket.unreachable:
        return IllegalTransition(
            "该来电人已评价或已确认无法联系，每件诉求只能评价一次 / "
            "this caller has rated already or was unreachable",
            state=ticket.state,
        )
    if not master_outcome_ready(followed_master(ticket)):
        return IllegalTransition(
            "主工单尚未答复并通过审核，暂不能回访或评价 / "
            "the master's reply has not passed review yet",
            state=ticket.state,
        )
    return None


def _refuse_unless_ready(t: Ticket) -> None:
    if (refusal := merged_rating_refusal(t)) is not None:
        raise refusal


def _rating(resolved: bool | None, satisfaction: str, now: datetime) -> dict:
    from .closing import rating_refusal

    if (refusal := rating_refusal(resolved=resolved, satisfaction=satisfaction)) is not None:
        raise refusal
    return {"resolved": resolved, "satisfaction": satisfaction, "rated_at": now}


@transaction.atomic
def merged_callback(
    *,
    ticket: Ticket,
    actor: User,
    now: datetime,
    reached: bool,
    resolved: bool | None = None,
    satisfaction: str = "",
    note: str = "",
    reopen: bool = False,
    expected_version: int | None = None,
) -> Ticket:
    """The centre calls back the caller of a merged ticket about the master's outcome.

    Reached: the rating is recorded. Not reached: the attempt counts, and the third marks the
    caller unreachable. The ticket stays ``merged``; a reopen is refused (reopen the master).
    """
    note = check_text(note, field="note", required=False, limit=500)

    def validate(t: Ticket) -> None:
        _refuse_unless_ready(t)
        if reopen:
            raise InvalidInput(
                "合并件不单独重办，请重办主工单 / reopen the master, not a merged ticket",
                field="reopen",
            )

    def changes(t: Ticket) -> dict:
        attempts = t.callback_attempts + 1
        if reached:
            return {"callback_attempts": attempts, **_rating(resolved, satisfaction, now)}
        if attempts >= MAX_CALLBACK_ATTEMPTS:
            return {"callback_attempts": attempts, "unreachable": True}
        return {"callback_attempts": attempts}

    return transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action="callback_merged",
        expected_version=expected_version,
        validate=validate,
        changes=changes,
        payload=payloads.callback(
            reached=reached, note=note, resolved=resolved, satisfaction=satisfaction, reopen=False
        ),
    )


@transaction.atomic
def merged_rate_online(
    *,
    ticket: Ticket,
    now: datetime,
    phone: str,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
) -> Ticket:
    """The caller of a merged ticket rates the master's outcome in the portal (proven by the
    merged ticket's number and their own phone)."""
    from .closing import online_rating_refusal

    comment = check_text(comment, field="comment", required=False, limit=500)

    def validate(t: Ticket) -> None:
        if t.caller is None or not phone or t.caller.phone != phone.strip():
            raise PermissionDenied("工单编号与电话不匹配 / ticket number and phone do not match")
        if (refusal := online_rating_refusal(t)) is not None:
            raise refusal
        _refuse_unless_ready(t)

    return transition(
        ticket=ticket,
        actor=None,
        now=now,
        action="rate_online_merged",
        validate=validate,
        changes=lambda t: _rating(resolved, satisfaction, now),
        payload=payloads.rate_online(resolved=resolved, satisfaction=satisfaction, comment=comment),
    )


def awaiting_rating() -> Q:
    """:func:`merged_rating_refusal` as a filter: merged tickets whose caller may be called
    back or rate now (their master's reply passed review; not rated, not unreachable)."""
    return Q(state=State.MERGED, rated_at__isnull=True, unreachable=False) & (
        Q(master__state=State.REVIEWED)
        | Q(master__state=State.CLOSED, master__reviewed_at__isnull=False)
    )
