"""Evidence files on tickets (image or PDF, at most 10 MB), each recorded by an event."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from duban.org.models import User

from ..errors import InvalidInput
from ..events import EventType, payloads
from ..models import Attachment, Ticket
from .base import transition

MAX_BYTES = 10 * 1024 * 1024
# Declared type → magic bytes the content must start with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """The engine's rules for an evidence file, for a module that keeps files of its own
    (an inspection's photos): an image or PDF by declared type *and* content, not empty,
    at most 10 MB. Returns its content type and a safe file name; raises ``InvalidInput``
    (field ``file``). Reads nothing but the file and writes nothing."""
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
def ticket_attach(
    *, ticket: Ticket, actor: User | None, now: datetime, upload: UploadedFile
) -> Attachment:
    """Store an evidence file on an open ticket the actor can see; the event names the file.

    ``actor=None`` is a citizen adding a photo to the appeal they are submitting in the
    portal (rule ``attach_public``: only while it is registered or just auto-dispatched).
    """
    content_type, name = check_upload(upload)
    public = actor is None
    make_payload = payloads.attach_public if public else payloads.attach
    locked = transition(
        ticket=ticket,
        actor=actor,
        now=now,
        action=EventType.ATTACH_PUBLIC if public else EventType.ATTACH,
        payload=make_payload(name=name, content_type=content_type, size=upload.size),
    )
    attachment = Attachment(
        ticket=locked,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
        uploaded_at=now,
        event=locked.events.order_by("-seq").first(),
    )
    suffix = PurePath(name).suffix.lower()[:10]
    attachment.file.save(f"{now:%Y%m%d%H%M%S%f}{suffix}", upload, save=False)
    attachment.save()
    return attachment
