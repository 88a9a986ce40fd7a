"""Notice endpoints: the caller's own notices, their unread count, marking them read."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from duban.core.schemas import ErrorOut, Id

from . import selectors, services
from .schemas import NoticeOut, NoticePageOut, NoticeQuery, ReadAllIn, ReadAllOut, UnreadOut

router = Router(tags=["notifications"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/notices",
    response={200: NoticePageOut, **ERRORS},
    summary="我的通知（新的在前） / my notices, newest first",
)
def notice_list(request: HttpRequest, filters: Query[NoticeQuery]) -> object:
    page = selectors.notice_page(
        request.auth,  # type: ignore[attr-defined]
        page=filters.page,
        unread_only=filters.unread,
    )
    return {"items": page.rows, "page": page.page, "has_next": page.has_next}


@router.get(
    "/notices/unread-count",
    response={200: UnreadOut, 401: ErrorOut},
    summary="未读通知数 / unread notices",
)
def notice_unread_count(request: HttpRequest) -> object:
    return {"unread": selectors.unread_count(request.auth)}  # type: ignore[attr-defined]


@router.post(
    "/notices/{notice_id}/read",
    response={200: NoticeOut, **ERRORS},
    summary="标为已读 / mark a notice read",
)
def notice_read(request: HttpRequest, notice_id: Id) -> object:
    user = request.auth  # type: ignore[attr-defined]
    services.notice_mark_read(notice_id=notice_id, actor=user, now=timezone.now())
    return selectors.notice_row(user, notice_id)


@router.post(
    "/notices/read-all",
    response={200: ReadAllOut, **ERRORS},
    summary="全部标为已读 / mark all my notices read",
)
def notices_read_all(request: HttpRequest, body: ReadAllIn | None = None) -> object:
    up_to = body.up_to if body is not None else None
    marked = services.notices_mark_all_read(
        actor=request.auth,  # type: ignore[attr-defined]
        now=timezone.now(),
        up_to=up_to,
    )
    return {"marked": marked}
