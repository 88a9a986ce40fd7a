"""Evidence upload: ``POST /tickets/{number}/attachments`` (image or PDF, at most 10 MB).

The returned id goes into a reply's ``attachment_ids``. ``attachment_add`` is the
write; it lives here until the tickets services grow an attachments module.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Status
from ninja.files import UploadedFile as NinjaUploadedFile

from duban.org.models import Role, User

from . import selectors
from .api import ERRORS
from .errors import IllegalTransition, InvalidInput, PermissionDenied
from .models import Attachment, Ticket
from .schemas import AttachmentOut

router = Router(tags=["ticket actions"])

MAX_BYTES = 10 * 1024 * 1024
# Declared type → magic bytes the content must start with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}
UPLOAD_ROLES = frozenset(
    {Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_HEAD, Role.SUPERVISOR}
)


def _check_file(upload: UploadedFile) -> tuple[str, str]:
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in SIGNATURES:
        raise InvalidInput(
            "只能上传图片（JPEG/PNG/GIF/WebP）或 PDF / only images or PDF", field="file"
        )
    if not upload.size or upload.size > MAX_BYTES:
        raise InvalidInput("文件为空或超过 10 MB / file empty or over 10 MB", field="file")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(SIGNATURES[content_type]):
        raise InvalidInput("文件内容与类型不符 / content does not match its type", field="file")
    name = PurePath((upload.name or "file").replace("\\", "/")).name.replace("\x00", "")
    return content_type, (name or "file")[:200]


@transaction.atomic
def attachment_add(
    *, ticket: Ticket, actor: User, now: datetime, upload: UploadedFile
) -> Attachment:
    """Store an evidence file on an open ticket the actor can see."""
    if actor.role not in UPLOAD_ROLES:
        raise PermissionDenied("当前角色无权上传附件 / your role may not upload attachments")
    if not ticket.is_open:
        raise IllegalTransition("工单已结束，不能上传附件 / ticket is closed", state=ticket.state)
    content_type, name = _check_file(upload)
    attachment = Attachment(
        ticket=ticket,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
        uploaded_at=now,
    )
    suffix = PurePath(name).suffix.lower()[:10]
    attachment.file.save(f"{now:%Y%m%d%H%M%S%f}{suffix}", upload, save=False)
    attachment.save()
    return attachment


@router.post(
    "/tickets/{number}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="上传附件 / upload evidence",
)
def upload(request: HttpRequest, number: str, file: File[NinjaUploadedFile]) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    ticket = selectors.visible_ticket(user=user, number=number)
    attachment = attachment_add(ticket=ticket, actor=user, now=timezone.now(), upload=file)
    return Status(201, attachment)
