"""Evidence upload: ``POST /tickets/{number}/attachments`` (image or PDF, at most 10 MB).

The returned id goes into a reply's ``attachment_ids``; the write is
``tickets.services.ticket_attach``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Status
from ninja.files import UploadedFile as NinjaUploadedFile

from . import selectors
from .api import ERRORS
from .schemas import AttachmentOut
from .services import ticket_attach

router = Router(tags=["ticket actions"])


@router.post(
    "/tickets/{number}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="上传附件 / upload evidence",
)
def upload(request: HttpRequest, number: str, file: File[NinjaUploadedFile]) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    ticket = selectors.visible_ticket(user=user, number=number)
    attachment = ticket_attach(ticket=ticket, actor=user, now=timezone.now(), upload=file)
    return Status(201, attachment)
