"""Writes from the public: submit an appeal (with an optional photo) and rate a reply.

Both go through the ticket services (``ticket_register`` with ``actor=None``,
``ticket_attach`` with ``actor=None`` → the ``attach_public`` rule,
``ticket_rate_online``), so the state table, the event log and replay stay the
single source of truth.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from duban.core.errors import InvalidInput
from duban.tickets.choices import Channel, Kind, State
from duban.tickets.errors import IllegalTransition
from duban.tickets.models import Ticket
from duban.tickets.services import ticket_attach, ticket_rate_online, ticket_register
from duban.tickets.services.merged import merged_rating_refusal

from .conf import portal_district, portal_setting
from .selectors import PUBLIC_STATES

TITLE_LENGTH = 30
_SENTENCE_END = re.compile(r"[。！？!?；;\n\r]")
# Photos only (the staff side also takes PDF); each type with its magic bytes.
PHOTO_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def derive_title(content: str) -> str:
    """The first sentence of the appeal, at most 30 characters."""
    for sentence in _SENTENCE_END.split(content or ""):
        sentence = " ".join(sentence.split()).strip("，,、 ")
        if sentence:
            if len(sentence) > TITLE_LENGTH:
                return sentence[: TITLE_LENGTH - 1] + "…"
            return sentence
    return ""


def check_photo(photo: UploadedFile) -> None:
    """An image (JPEG/PNG/GIF/WebP) whose content matches its type, at most 10 MB."""
    max_bytes = int(portal_setting("MAX_PHOTO_BYTES"))
    if not photo.size or photo.size > max_bytes:
        raise InvalidInput(
            f"照片不能为空，且不能超过 {max_bytes // (1024 * 1024)} MB", field="photo"
        )
    content_type = (photo.content_type or "").split(";")[0].strip().lower()
    photo.seek(0)
    head = photo.read(16)
    photo.seek(0)
    if content_type not in PHOTO_TYPES or not head.startswith(PHOTO_TYPES[content_type]):
        raise InvalidInput("只能上传照片（JPG、PNG、GIF 或 WebP 格式）", field="photo")


@transaction.atomic
def portal_submit(
    *,
    now: datetime,
    content: str,
    appeal_type: str,
    location: str,
    caller_name: str,
    caller_phone: str,
    title: str = "",
    category_id: int | None = None,
    photo: UploadedFile | None = None,
) -> Ticket:
    """Register a citizen's appeal from the web portal, with its photo, in one transaction."""
    if photo is not None:
        check_photo(photo)
    if not (caller_name or "").strip():
        raise InvalidInput("请填写联系人姓名", field="caller_name")
    if not (caller_phone or "").strip():
        raise InvalidInput("请填写联系电话", field="caller_phone")
    ticket = ticket_register(
        actor=None,
        now=now,
        kind=Kind.APPEAL,
        channel=Channel.WEB,
        title=(title or "").strip() or derive_title(content),
        content=content,
        appeal_type=appeal_type,
        location=location,
        category_id=category_id,
        caller_name=caller_name,
        caller_phone=caller_phone,
        district=portal_district(),
    )
    if photo is not None:
        ticket_attach(ticket=ticket, actor=None, now=now, upload=photo)
    return Ticket.objects.get(pk=ticket.pk)


def portal_rate(
    *,
    ticket: Ticket,
    now: datetime,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
) -> Ticket:
    """The caller (proven by number + phone) rates the reply, which closes the ticket; the
    caller of a merged ticket rates the master's reply once it passed review."""
    if ticket.state == State.MERGED:
        if merged_rating_refusal(ticket) is not None:
            raise IllegalTransition(
                "您的诉求已与相同诉求合并办理。相同诉求的答复经审核后才能评价，"
                "每件诉求只能评价一次。",
                state=ticket.state,
            )
    elif ticket.state != State.REVIEWED:
        raise IllegalTransition(
            f"该工单当前状态为「{PUBLIC_STATES.get(ticket.state, '')}」。"
            "承办单位答复并经审核后才能评价，每件诉求只能评价一次。",
            state=ticket.state,
        )
    return ticket_rate_online(
        ticket=ticket,
        now=now,
        phone=ticket.caller.phone if ticket.caller else "",
        resolved=resolved,
        satisfaction=satisfaction,
        comment=comment,
    )
