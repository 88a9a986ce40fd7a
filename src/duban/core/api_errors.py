"""Every API error is JSON ``{"code": ..., "message": ..., "details": {...}}``.

``install(api)`` registers the handlers on the NinjaAPI (``api/api.py``).

Codes are stable: domain errors carry their own (``illegal_transition``,
``stale_version`` …); the handlers here add ``invalid_input`` (422, schema
validation), ``malformed_json`` (400), ``unauthenticated`` (401), ``csrf_failed``
(403), ``not_found`` (404) and ``internal_error`` (500, logged).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .errors import DomainError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("duban.api")

MESSAGES = {
    "unauthenticated": "未登录或令牌无效 / missing or invalid credentials",
    "malformed_json": "请求体不是合法的 JSON / request body is not valid JSON",
    "invalid_input": "输入有误 / invalid input",
    "not_found": "资源不存在 / not found",
    "csrf_failed": "CSRF 校验失败 / CSRF check failed",
    "forbidden": "无权访问 / forbidden",
    "throttled": "请求过于频繁 / too many requests",
    "bad_request": "请求有误 / bad request",
    "internal_error": "服务器内部错误 / internal server error",
}


_STATUS_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 429: "throttled"}


def error_body(code: str, message: str | None = None, /, **details: Any) -> dict[str, Any]:
    return {"code": code, "message": message or MESSAGES.get(code, code), "details": details}


def _validation_details(exc: ValidationError) -> dict[str, Any]:
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ())]
        # loc starts with the source ("body", "query", "path", "header", "file").
        field = ".".join(loc[2:] if len(loc) > 2 and loc[0] == "body" else loc[1:])
        errors.append(
            {"field": field, "loc": loc, "type": err.get("type", ""), "message": err.get("msg", "")}
        )
    return {"errors": errors, "fields": sorted({e["field"] for e in errors})}


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, **exc.details))

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 422, error_body("invalid_input", **_validation_details(exc)))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401, error_body("unauthenticated"))
        response["WWW-Authenticate"] = 'Bearer realm="duban"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400 and str(exc).startswith("Cannot parse request body"):
            code = "malformed_json"
        elif status == 403 and "CSRF" in str(exc):
            code = "csrf_failed"
        else:
            code = _STATUS_CODES.get(status, "bad_request")
        return respond(request, status, error_body(code))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found"))

    @api.exception_handler(Exception)
    def internal_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled API error on %s %s", request.method, request.path)
        return respond(request, 500, error_body("internal_error"))
