"""Refuse bad request bodies before a view reads them: 413 for oversize, 400 for a
multipart body without a boundary.

Django raises ``RequestDataTooBig`` / ``MultiPartParserError`` only when a view first
touches ``request.POST`` or ``request.body``; inside the API the catch-all handler then
answered 500. This middleware looks at the headers first (``Content-Length`` against
``DATA_UPLOAD_MAX_MEMORY_SIZE`` for ordinary bodies and ``DUBAN_MAX_REQUEST_BYTES`` for
multipart uploads) and also turns the two exceptions into the same answers when a view
raises them (a chunked body without a length). The API answers JSON
``{"code": "payload_too_large" | "bad_request", ...}``, pages a short Chinese page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

from .api_errors import error_body

TOO_BIG = "请求内容过大 / request body too large"
BAD_MULTIPART = "表单格式有误（缺少 multipart 边界）/ malformed multipart body (no boundary)"
BAD_LENGTH = "请求长度有误 / invalid Content-Length"

# Multipart uploads carry attachments (10 MB each, tickets.services.attachments).
DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024


def _limit(content_type: str) -> int | None:
    if content_type.startswith("multipart/"):
        return int(getattr(settings, "DUBAN_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _answer(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    html = render_to_string(
        "core/bad_request.html",
        {"status": status, "message": message.split(" / ")[0]},  # Chinese only on pages
        request=request,
    )
    return HttpResponse(html, status=status)


def too_big(request: HttpRequest) -> HttpResponse:
    return _answer(request, 413, "payload_too_large", TOO_BIG)


def bad_multipart(request: HttpRequest) -> HttpResponse:
    return _answer(request, 400, "bad_request", BAD_MULTIPART)


class BadRequestBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refuse(request)
        return refused if refused is not None else self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse | None:
        content_type = (request.META.get("CONTENT_TYPE") or "").lower()
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        if raw_length:
            try:
                length = int(raw_length)
            except ValueError:
                return _answer(request, 400, "bad_request", BAD_LENGTH)
            limit = _limit(content_type)
            if limit is not None and length > limit:
                return too_big(request)
        if content_type.startswith("multipart/") and "boundary=" not in content_type:
            return bad_multipart(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_big(request)
        if isinstance(exception, MultiPartParserError):
            return bad_multipart(request)
        return None
