"""Ticket actions: one endpoint per transition or overlay, each calling one service.

Every action first finds the ticket among those the user may see (404 otherwise, so
nothing leaks), passes the client's version (body ``expected_version`` or the
``If-Match`` header) to the service, and answers with the updated ticket.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from duban.core.errors import InvalidInput

from . import selectors
from . import services as s
from .api import ERRORS
from .schemas import (
    ActionIn,
    CallbackIn,
    DirectAnswerIn,
    DispatchIn,
    ExemptionIn,
    ExtensionIn,
    InvalidateIn,
    LeaderIn,
    MergeIn,
    NoteIn,
    ReasonIn,
    ReassignIn,
    ReplyIn,
    SubDispatchIn,
    SuperviseIn,
    TextIn,
    TicketOut,
)

router = Router(tags=["ticket actions"])
RESPONSES: dict[int, Any] = {200: TicketOut, **ERRORS}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,15})"?\s*$')


def expected_version(request: HttpRequest, body: ActionIn | None) -> int | None:
    if body is not None and body.expected_version is not None:
        return body.expected_version
    header = request.headers.get("If-Match")
    if not header:
        return None
    match = _IF_MATCH.match(header)
    if match is None:
        raise InvalidInput("If-Match 应为工单版本号 / If-Match must be a version", field="If-Match")
    return int(match.group(1))


def act(
    request: HttpRequest,
    number: str,
    body: ActionIn | None,
    service: Callable[..., Any],
    **arguments: Any,
) -> Any:
    """Find the visible ticket, resolve references, call the service, render the ticket."""
    user = request.auth  # type: ignore[attr-defined]
    ticket = selectors.visible_ticket(user=user, number=number)
    resolved = {k: v() if callable(v) else v for k, v in arguments.items()}
    now = timezone.now()
    done = service(
        ticket=ticket,
        actor=user,
        now=now,
        expected_version=expected_version(request, body),
        **resolved,
    )
    return selectors.ticket_detail_by_pk(pk=done.pk, now=now)


def action(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(f"/tickets/{{number}}/{path}", response=RESPONSES, summary=summary)


@action("dispatch", "派单 / dispatch")
def dispatch(request: HttpRequest, number: str, body: DispatchIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_dispatch,
        unit=lambda: selectors.unit_by_ref(body.unit),
        co_units=lambda: selectors.units_by_ref(body.co_units, field="co_units"),
        note=body.note,
    )


@action("reassign", "改派 / reassign to another unit")
def reassign(request: HttpRequest, number: str, body: ReassignIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_reassign,
        unit=lambda: selectors.unit_by_ref(body.unit),
        reason=body.reason,
    )


@action("direct-answer", "直办 / answer directly")
def direct_answer(request: HttpRequest, number: str, body: DirectAnswerIn) -> Any:
    return act(
        request, number, body, s.ticket_direct_answer, answer=body.answer, result=body.result
    )


@action("accept", "签收 / accept")
def accept(request: HttpRequest, number: str, body: ActionIn | None = None) -> Any:
    return act(request, number, body, s.ticket_accept)


@action("contact", "联系来电人 / record a contact")
def contact(request: HttpRequest, number: str, body: NoteIn | None = None) -> Any:
    return act(request, number, body, s.ticket_record_contact, note=body.note if body else "")


@action("return-request", "申请退单 / ask to return")
def return_request(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_request_return, reason=body.reason)


@action("return-approve", "同意退单 / approve the return")
def return_approve(request: HttpRequest, number: str, body: NoteIn | None = None) -> Any:
    return act(request, number, body, s.ticket_approve_return, note=body.note if body else "")


@action("return-reject", "驳回退单 / reject the return")
def return_reject(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_reject_return, reason=body.reason)


@action("sub-dispatch", "下派 / sub-dispatch")
def sub_dispatch(request: HttpRequest, number: str, body: SubDispatchIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_sub_dispatch,
        unit=lambda: selectors.unit_by_ref(body.unit),
        note=body.note,
    )


@action("submit-part", "协办/下派单位反馈 / submit a part")
def submit_part(request: HttpRequest, number: str, body: TextIn) -> Any:
    return act(request, number, body, s.ticket_submit_part, text=body.text)


@action("extension-request", "申请延期 / ask for an extension")
def extension_request(request: HttpRequest, number: str, body: ExtensionIn) -> Any:
    return act(
        request, number, body, s.ticket_request_extension, days=body.days, reason=body.reason
    )


@action("extension-approve", "同意延期 / approve the extension")
def extension_approve(request: HttpRequest, number: str, body: NoteIn | None = None) -> Any:
    return act(request, number, body, s.ticket_approve_extension, note=body.note if body else "")


@action("extension-reject", "驳回延期 / reject the extension")
def extension_reject(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_reject_extension, reason=body.reason)


@action("reply", "答复 / reply")
def reply(request: HttpRequest, number: str, body: ReplyIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_reply,
        result=body.result,
        text=body.text,
        reason=body.reason,
        attachment_ids=body.attachment_ids,
    )


@action("review-pass", "审核通过 / pass the review")
def review_pass(request: HttpRequest, number: str, body: NoteIn | None = None) -> Any:
    return act(request, number, body, s.ticket_review_pass, note=body.note if body else "")


@action("review-reject", "审核驳回 / reject the reply")
def review_reject(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_review_reject, reason=body.reason)


@action("callback", "回访 / call back")
def callback(request: HttpRequest, number: str, body: CallbackIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_callback,
        reached=body.reached,
        resolved=body.resolved,
        satisfaction=body.satisfaction,
        note=body.note,
        reopen=body.reopen,
    )


@action("reopen", "重办 / reopen")
def reopen(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_reopen, reason=body.reason)


@action("merge", "合并到主工单 / merge into a master")
def merge(request: HttpRequest, number: str, body: MergeIn) -> Any:
    def master() -> Any:
        try:
            return selectors.visible_ticket(user=request.auth, number=body.master)  # type: ignore[attr-defined]
        except selectors.TicketNotFound as exc:
            raise selectors.UnknownReference(
                "主工单不存在 / no such master ticket", field="master"
            ) from exc

    return act(request, number, body, s.ticket_merge, master=master)


@action("invalidate", "作废 / mark invalid")
def invalidate(request: HttpRequest, number: str, body: InvalidateIn) -> Any:
    return act(request, number, body, s.ticket_invalidate, reason=body.reason)


@action("exemption-request", "考核申诉 / contest the ticket's count")
def exemption_request(request: HttpRequest, number: str, body: ExemptionIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_request_exemption,
        reason_kind=body.reason_kind,
        reason=body.reason,
    )


@action("exemption-approve", "同意核减 / approve the exemption")
def exemption_approve(request: HttpRequest, number: str, body: NoteIn | None = None) -> Any:
    return act(request, number, body, s.ticket_approve_exemption, note=body.note if body else "")


@action("exemption-reject", "驳回考核申诉 / reject the exemption")
def exemption_reject(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_reject_exemption, reason=body.reason)


@action("urge", "催办 / urge")
def urge(request: HttpRequest, number: str, body: NoteIn | None = None) -> Any:
    return act(request, number, body, s.ticket_urge, note=body.note if body else "")


@action("supervise", "督办 / supervise")
def supervise(request: HttpRequest, number: str, body: SuperviseIn) -> Any:
    return act(request, number, body, s.ticket_supervise, level=body.level, note=body.note)


@action("assign-leader", "领导包案 / assign a leader")
def assign_leader(request: HttpRequest, number: str, body: LeaderIn) -> Any:
    return act(
        request,
        number,
        body,
        s.ticket_assign_leader,
        leader=lambda: selectors.user_by_ref(body.leader, field="leader"),
        note=body.note,
    )


@action("escalate", "提级 / escalate")
def escalate(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    return act(request, number, body, s.ticket_escalate, reason=body.reason)
