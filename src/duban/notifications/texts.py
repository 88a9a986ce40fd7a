"""The wording of notices and SMS: one function per kind, in Chinese, stored as written.

A notice names the ticket by number and (clipped) title, which its recipients see on their
own desks. An SMS leaves the platform, so it carries the ticket number and the unit only —
never the title, the caller or the content.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

TITLE_CHARS = 30
REASON_CHARS = 200
SMS_SIGNATURE = "【督办】"


def clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int) -> str:
    """A note or reason quoted inside a notice: clipped, without its own closing stop (the
    notice closes the sentence: never "。。")."""
    return clip((text or "").strip().rstrip("。.!！;；"), limit)


def when(moment: datetime) -> str:
    """03月05日 17:30, in the platform's time zone."""
    return timezone.localtime(moment).strftime("%m月%d日 %H:%M")


def ref(number: str, title: str) -> str:
    return f"工单 {number}「{clip(title, TITLE_CHARS)}」"


def _until(accept_due: datetime | None, verb: str) -> str:
    return f"，请于{when(accept_due)}前{verb}" if accept_due else f"，请及时{verb}"


def _urgent(urgent: bool) -> str:
    return "【紧急】" if urgent else ""


def dispatch(
    *, number: str, title: str, unit_name: str, accept_due: datetime | None, urgent: bool
) -> str:
    return f"{_urgent(urgent)}{ref(number, title)}已派至{unit_name}{_until(accept_due, '签收')}。"


def co_dispatch(*, number: str, title: str, primary_name: str, urgent: bool) -> str:
    return f"{_urgent(urgent)}{ref(number, title)}由{primary_name}主办，请贵单位协办并反馈。"


def sub_dispatch(*, number: str, title: str, primary_name: str, unit_name: str) -> str:
    return f"{ref(number, title)}已由{primary_name}下派至{unit_name}，请办理并反馈。"


def reassign(
    *, number: str, title: str, unit_name: str, accept_due: datetime | None, urgent: bool
) -> str:
    return f"{_urgent(urgent)}{ref(number, title)}已改派至{unit_name}{_until(accept_due, '签收')}。"


def urge(*, number: str, title: str, count: int, note: str) -> str:
    said = f"：{quote(note, REASON_CHARS)}" if note.strip() else ""
    return f"{ref(number, title)}被催办（第 {count} 次）{said}。请尽快办理。"


def return_approved(*, number: str, title: str) -> str:
    return f"{ref(number, title)}的退单申请已同意，工单已退回中心重新派单。"


def return_rejected(*, number: str, title: str, reason: str) -> str:
    return f"{ref(number, title)}的退单申请被驳回：{quote(reason, REASON_CHARS)}。请继续办理。"


def review_rejected(*, number: str, title: str, reason: str) -> str:
    return (
        f"{ref(number, title)}的答复审核未通过：{quote(reason, REASON_CHARS)}。请重新办理后答复。"
    )


def reopened(*, number: str, title: str, reason: str) -> str:
    said = f"：{quote(reason, REASON_CHARS)}" if reason.strip() else ""
    return f"{ref(number, title)}已重办{said}。请重新办理并答复。"


def due_soon(*, number: str, title: str, due: datetime) -> str:
    return f"{ref(number, title)}的办理时限将于{when(due)}到期，请抓紧办理。"


# -- SMS ---------------------------------------------------------------------------------------
def sms_dispatch(*, number: str, unit_name: str, accept_due: datetime | None) -> str:
    return f"{SMS_SIGNATURE}紧急工单 {number} 已派至{unit_name}{_until(accept_due, '签收')}。"


def sms_urge(*, number: str, unit_name: str) -> str:
    return f"{SMS_SIGNATURE}工单 {number}（{unit_name}）被催办，请尽快办理。"
