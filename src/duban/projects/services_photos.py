"""形象进度 photos of a monthly report: checked by content and size, stored once.

One rule for the reporter's phone form (``report_submit(photos=…)``) and the API
(``report_photo_add``): a JPEG, PNG, GIF or WebP image (recognised by its first bytes, not by
its name or declared type), not empty and at most 10 MB (``photo_too_large``, 413), at most
20 per report. The same photo sent again to the same report is the photo already stored,
and an API caller's Idempotency-Key names one photo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction

from duban.org.models import User
from duban.org.roles import PROJECT_OFFICE_ROLES

from .errors import (
    IdempotencyMismatch,
    InvalidPhoto,
    PhotoTooLarge,
    ProjectForbidden,
    ReportNotFound,
    TooManyPhotos,
)
from .errors import ReportState as ReportStateError
from .models import MonthlyReport, Project, ReportPhoto, ReportState
from .services import event

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # the engine's evidence limit (tickets attachments)
MAX_PHOTOS = 20
# Content type → (first bytes it starts with, the stored file's extension).
PHOTO_TYPES: dict[str, tuple[tuple[bytes, ...], str]] = {
    "image/jpeg": ((b"\xff\xd8\xff",), ".jpg"),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), ".png"),
    "image/gif": ((b"GIF87a", b"GIF89a"), ".gif"),
    "image/webp": ((b"RIFF",), ".webp"),
}


@dataclass(frozen=True)
class CheckedPhoto:
    upload: Any
    content_type: str
    name: str
    size: int
    sha256: str


def _kind(head: bytes) -> str | None:
    for content_type, (signatures, _) in PHOTO_TYPES.items():
        if head.startswith(signatures):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    return None


def check_photo(upload: Any, *, field: str = "photo") -> CheckedPhoto:
    """The photo's type (by content), safe name, size and digest, or a refusal."""
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise InvalidPhoto("照片文件为空 / the photo is empty", field=field)
    if size > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(
            f"照片不能超过10 MB（本张{size / 1024 / 1024:.1f} MB）/ photos are at most 10 MB",
            field=field,
            limit=MAX_PHOTO_BYTES,
        )
    upload.seek(0)
    head = upload.read(16)
    content_type = _kind(head)
    if content_type is None:
        raise InvalidPhoto(
            "只能上传 JPEG、PNG、GIF 或 WebP 格式的照片 / photos must be JPEG, PNG, GIF or WebP",
            field=field,
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    raw = str(getattr(upload, "name", "") or "photo").replace("\\", "/").replace("\x00", "")
    name = (PurePath(raw).name or "photo")[:100]
    return CheckedPhoto(upload, content_type, name, size, digest.hexdigest())


def store_photo(
    *,
    report: MonthlyReport,
    photo: CheckedPhoto,
    actor: User,
    now: datetime,
    key: str = "",
    caption: str = "",
) -> ReportPhoto:
    row = ReportPhoto(
        report=report,
        caption=caption or photo.name,
        content_type=photo.content_type,
        size=photo.size,
        sha256=photo.sha256,
        idempotency_key=key,
        uploaded_by=actor,
        uploaded_at=now,
    )
    extension = PHOTO_TYPES[photo.content_type][1]
    row.image.save(f"{now:%Y%m%d%H%M%S%f}{extension}", photo.upload, save=False)
    row.save()
    return row


@transaction.atomic
def report_photo_add(
    *,
    project: Project,
    actor: User,
    now: datetime,
    year: int,
    month: int,
    upload: Any,
    caption: str = "",
    idempotency_key: str | None = None,
) -> tuple[ReportPhoto, bool]:
    """Add a photo to the filed report of ``year``-``month``: (the photo, whether it is new).

    The reporter of the project (or the office) adds photos until the report is approved.
    """
    if not (project.reporter_id == actor.pk or actor.has_role(PROJECT_OFFICE_ROLES)):
        raise ProjectForbidden("只能为本人负责的项目上传照片 / you do not report this project")
    report = (
        MonthlyReport.objects.select_for_update()
        .filter(project=project, year=year, month=month)
        .first()
    )
    if report is None:
        raise ReportNotFound(
            f"{year}年{month}月报告尚未报送，请先报送月报再上传照片 / file the report first",
            period=f"{year}-{month:02d}",
        )
    if report.state == ReportState.APPROVED:
        raise ReportStateError(
            "该月报告已审核，不能再添加照片 / the report is approved: no more photos"
        )
    photo = check_photo(upload, field="file")
    key = (idempotency_key or "").strip()
    if len(key) > 100:
        raise InvalidPhoto("幂等键最长100个字符 / Idempotency-Key too long", field="key")
    if key:
        keyed = ReportPhoto.objects.filter(report=report, idempotency_key=key).first()
        if keyed is not None:
            if keyed.sha256 != photo.sha256:
                raise IdempotencyMismatch(
                    "同一幂等键对应了不同的照片 / Idempotency-Key reused for another photo"
                )
            return keyed, False
    same = ReportPhoto.objects.filter(report=report, sha256=photo.sha256).first()
    if same is not None:
        return same, False
    if ReportPhoto.objects.filter(report=report).count() >= MAX_PHOTOS:
        raise TooManyPhotos(
            f"每月报告最多{MAX_PHOTOS}张照片 / at most {MAX_PHOTOS} photos per report",
            field="file",
        )
    text = (caption or "").replace("\x00", "").strip()[:100]
    try:
        with transaction.atomic():
            row = store_photo(
                report=report, photo=photo, actor=actor, now=now, key=key, caption=text
            )
    except IntegrityError:
        # The same photo (or key) stored by a concurrent request: that one is the answer.
        return ReportPhoto.objects.get(report=report, sha256=photo.sha256), False
    event(
        project=project,
        type="report_photo",
        actor=actor,
        now=now,
        message=f"上传{year}年{month}月形象进度照片「{row.caption}」",
        report=report.pk,
        photo=row.pk,
    )
    return row, True
