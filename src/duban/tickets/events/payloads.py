"""One function per event type: the payload that type carries, and nothing else owns its keys.

Services (and the demo) build an event's payload by calling the function named after
its type — ``payloads.dispatch(unit=..., ...)`` for :attr:`EventType.DISPATCH` — and
pass it to ``transition(payload=...)`` or ``event_append``. ``transition`` adds the
``"set"`` key (the replayed fields the write changed); the functions never do.

Keys are stored data: the ticket page (``event_details``), the portal's public steps
and retraining read them, so a key is renamed only with a data migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duban.org.models import Unit, User

Payload = dict[str, Any]


# -- intake ----------------------------------------------------------------------------------
def register(*, channel: str, kind: str, imported: dict[str, Any] | None = None) -> Payload:
    """``imported``: for a ticket of another platform's history (``history_import``), the
    import run, the file's line and the platform's own number."""
    payload: Payload = {"channel": channel, "kind": kind}
    if imported is not None:
        payload["imported"] = imported
    return payload


def suggest(*, suggestions: dict[str, Any]) -> Payload:
    """What intake worked out (units, duplicates, repeat caller, knowledge answers)."""
    return {"suggestions": suggestions}


# -- dispatch and returns ----------------------------------------------------------------------
def dispatch(
    *,
    unit: Unit,
    co_units: Sequence[Unit] = (),
    note: str = "",
    auto: bool = False,
    suggested_unit_id: int | None = None,
) -> Payload:
    """The primary unit and co-units; what intake suggested and whether it was corrected."""
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "co_units": [u.pk for u in co_units],
        "note": note,
        "auto": auto,
        "suggested_unit": suggested_unit_id,
        "corrected": suggested_unit_id is not None and suggested_unit_id != unit.pk,
    }


def reassign(*, from_unit: Unit | None, unit: Unit, reason: str) -> Payload:
    """改派: from which unit to which, and why (not a return: no unit asked for it)."""
    return {
        "from_unit": from_unit.pk if from_unit is not None else None,
        "from_unit_name": from_unit.name if from_unit is not None else "",
        "unit": unit.pk,
        "unit_name": unit.name,
        "reason": reason,
    }


def direct_answer(*, answer: str) -> Payload:
    return {"answer": answer}


def request_return(*, reason: str) -> Payload:
    return {"reason": reason}


def approve_return(*, note: str, returned_by_unit_id: int | None) -> Payload:
    return {"note": note, "returned_by_unit": returned_by_unit_id}


def reject_return(*, reason: str) -> Payload:
    return {"reason": reason}


def sub_dispatch(*, unit: Unit, note: str) -> Payload:
    return {"unit": unit.pk, "unit_name": unit.name, "note": note}


def submit_part(*, text: str, unit_id: int | None) -> Payload:
    return {"text": text, "unit": unit_id}


# -- the unit's work ---------------------------------------------------------------------------
def accept() -> Payload:
    """Nothing but the changed fields (``set``)."""
    return {}


def record_contact(*, note: str) -> Payload:
    return {"note": note}


def request_extension(*, days: int, reason: str) -> Payload:
    return {"days": days, "reason": reason}


def approve_extension(*, note: str) -> Payload:
    return {"note": note}


def reject_extension(*, reason: str) -> Payload:
    return {"reason": reason}


def extension_lapsed(*, days: int, reason: str, cause: str) -> Payload:
    """The request nobody ruled on (its days and reason) and the action that ended its
    round (``reply``; ``approve_return`` or ``reassign`` when the ticket left the unit)."""
    return {"days": days, "reason": reason, "cause": cause}


def reply(
    *,
    result: str,
    text: str,
    reason: str,
    attachment_ids: Sequence[int] = (),
    check: dict[str, Any] | None = None,
) -> Payload:
    """The result, the text shown to the caller, and the reply check's scores."""
    return {
        "check": check,
        "result": result,
        "text": text,
        "reason": reason,
        "attachments": list(attachment_ids),
    }


# -- the centre ----------------------------------------------------------------------------------
def review_pass(*, note: str) -> Payload:
    return {"note": note}


def review_reject(*, reason: str) -> Payload:
    return {"reason": reason}


def callback(
    *,
    reached: bool,
    note: str,
    resolved: bool | None = None,
    satisfaction: str = "",
    reopen: bool = False,
) -> Payload:
    """A call-back attempt; a reached caller's rating (and whether it reopens the ticket)."""
    if not reached:
        return {"reached": False, "note": note}
    return {
        "reached": True,
        "resolved": resolved,
        "satisfaction": satisfaction,
        "note": note,
        "reopen": reopen,
    }


def rate_online(*, resolved: bool, satisfaction: str, comment: str) -> Payload:
    return {"resolved": resolved, "satisfaction": satisfaction, "comment": comment}


def reopen(*, reason: str) -> Payload:
    return {"reason": reason}


def merge(*, master_number: str) -> Payload:
    return {"master": master_number}


def close_with_master(*, master_number: str) -> Payload:
    return {"master": master_number}


def invalidate(*, reason: str) -> Payload:
    return {"reason": reason}


# -- overlays --------------------------------------------------------------------------------------
def request_exemption(*, reason_kind: str, reason: str) -> Payload:
    return {"reason_kind": reason_kind, "reason": reason}


def approve_exemption(*, note: str) -> Payload:
    return {"note": note}


def reject_exemption(*, reason: str) -> Payload:
    return {"reason": reason}


def urge(*, note: str) -> Payload:
    return {"note": note}


def supervise(*, level: int, note: str) -> Payload:
    return {"level": level, "note": note}


def assign_leader(*, leader: User, note: str) -> Payload:
    return {"leader": leader.pk, "leader_name": str(leader), "note": note}


def escalate(*, reason: str) -> Payload:
    return {"reason": reason}


def reveal_caller(*, reason: str) -> Payload:
    return {"reason": reason}


def attach(*, name: str, content_type: str, size: int | None) -> Payload:
    """The stored file's name, type and size (the file itself is an ``Attachment``)."""
    return {"name": name, "content_type": content_type, "size": size}


def attach_public(*, name: str, content_type: str, size: int | None) -> Payload:
    """A citizen's photo with a portal submission: the same keys as :func:`attach`."""
    return attach(name=name, content_type=content_type, size=size)


# -- the periodic scan -------------------------------------------------------------------------------
def breach(*, clock: str, due: datetime | None) -> Payload:
    """Which clock ran out (a ``Breach`` value) and its deadline, as ISO 8601."""
    return {"clock": str(clock), "due": due.isoformat() if due else None}
