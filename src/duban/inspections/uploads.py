"""Photos sent as ``data:`` URLs (the phone page keeps them in localStorage; the API takes
them in JSON) turned into uploaded files for the services, which check them with the ticket
engine's rules."""

from __future__ import annotations

import base64
import binascii
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from .errors import InvalidPhoto

_DATA_URL = re.compile(r"^data:([a-z]+/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$")
# Base64 of the engine's 10 MB limit, with room for the header: larger is refused unread.
MAX_DATA_URL = 14_000_000
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def from_data_url(value: str, *, name: str = "photo", field: str = "photos") -> SimpleUploadedFile:
    if not isinstance(value, str) or len(value) > MAX_DATA_URL:
        raise InvalidPhoto("照片为空或超过 10 MB / photo empty or over 10 MB", field=field)
    match = _DATA_URL.match(value.strip())
    if match is None:
        raise InvalidPhoto("照片格式无法识别 / unreadable photo", field=field)
    try:
        content = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InvalidPhoto("照片格式无法识别 / unreadable photo", field=field) from exc
    content_type = match.group(1).lower()
    filename = f"{name}.{EXTENSIONS.get(content_type, 'bin')}"
    return SimpleUploadedFile(filename, content, content_type=content_type)
