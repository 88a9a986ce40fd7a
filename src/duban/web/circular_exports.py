"""The monthly circular's full versions: the print view, the Excel workbook and the Word file.

Each lists every overdue ticket the circular counts (streamed from the database in chunks),
for the same roles as the page (supervision and the administrator), scoped to the reader's
district like the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.core.periods import PERIOD_TZ
from duban.metrics.excel import INTEGER, PERCENT, SCORE, Column, rank_change_text, tables_workbook
from duban.metrics.figures import RankingEntry
from duban.metrics.views import attachment_header, xlsx_response
from duban.org.roles import CIRCULAR_ROLES
from duban.tickets.models import Ticket

from .circular_docx import circular_docx
from .desks import circular_period
from .selectors_circular import Circular, all_overdue, circular_data, local_minute

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WHEN = "yyyy-mm-dd hh:mm"


def _when(value: datetime | None) -> datetime | None:
    return value.astimezone(PERIOD_TZ).replace(tzinfo=None) if value else None


BOARD_COLUMNS: tuple[Column, ...] = (
    ("分组", 10, None, lambda r: r[0]),
    ("名次", 6, INTEGER, lambda r: r[1].rank),
    ("单位", 24, None, lambda r: r[1].unit_name),
    ("派单量", 8, INTEGER, lambda r: r[1].figures.dispatched),
    ("响应率", 9, PERCENT, lambda r: r[1].figures.response_rate),
    ("解决率", 9, PERCENT, lambda r: r[1].figures.resolution_rate),
    ("满意率", 9, PERCENT, lambda r: r[1].figures.satisfaction_rate),
    ("超期件数", 9, INTEGER, lambda r: r[1].figures.overdue_count),
    ("综合得分", 9, SCORE, lambda r: r[1].composite),
    ("较上月", 8, None, lambda r: rank_change_text(r[1])),
)

OVERDUE_COLUMNS: tuple[Column, ...] = (
    ("序号", 6, INTEGER, lambda r: r[0]),
    ("工单编号", 16, None, lambda r: r[1].number),
    ("主办单位", 18, None, lambda r: r[1].primary_unit.name if r[1].primary_unit else ""),
    ("标题", 40, None, lambda r: r[1].title),
    ("派单时间", 17, WHEN, lambda r: _when(r[1].dispatched_at)),
    ("办理时限", 17, WHEN, lambda r: _when(r[1].handle_due)),
    ("答复时间", 17, WHEN, lambda r: _when(r[1].replied_at)),
    ("超时(天)", 9, "0.0", lambda r: r[1].late_days),
    ("状态", 8, None, lambda r: r[1].get_state_display()),
)

ITEM_COLUMNS: tuple[Column, ...] = (
    ("项目", 16, None, lambda r: r[0]),
    ("内容", 90, None, lambda r: r[1]),
)


def _items(c: Circular) -> list[tuple[str, str]]:
    return [
        ("发文机关", c.issuer),
        ("文号", c.number),
        ("标题", c.title),
        ("成文日期", c.date_text),
        ("统计月份", c.period.label),
        ("统计截至", local_minute(c.as_of)),
        ("总体情况", c.summary),
        ("超期工单(件)", str(c.overdue_total)),
    ]


def _boards(c: Circular, board: str) -> Iterator[tuple[str, RankingEntry]]:
    for label, ranking in c.boards:
        for entry in getattr(ranking, board):
            yield label, entry


def circular_workbook(c: Circular, overdue: Iterable[Ticket]) -> bytes:
    """Sheets 通报 (header and figures), 飞虎榜, 蜗牛榜 and 超期工单 (every row, streamed)."""
    return tables_workbook(
        [
            ("通报", ITEM_COLUMNS, _items(c)),
            ("飞虎榜", BOARD_COLUMNS, _boards(c, "top")),
            ("蜗牛榜", BOARD_COLUMNS, _boards(c, "bottom")),
            ("超期工单", OVERDUE_COLUMNS, enumerate(overdue, start=1)),
        ],
        doc_title=c.title,
    )


def _circular(request: HttpRequest) -> Circular | HttpResponse:
    now = timezone.now()
    try:
        return circular_data(user=request.user, period=circular_period(request, now), now=now)  # type: ignore[arg-type]
    except DomainError as exc:
        return HttpResponse(readable(exc), status=422, content_type="text/plain; charset=utf-8")


@role_required(CIRCULAR_ROLES)
def circular_print(request: HttpRequest) -> HttpResponse:
    """The whole circular on one page for printing: every overdue ticket, no pager."""
    c = _circular(request)
    if isinstance(c, HttpResponse):
        return c
    rows = all_overdue(user=request.user, circular=c)  # type: ignore[arg-type]
    context: dict[str, Any] = {"c": c, "rows": rows, "period": c.period.label}
    return render(request, "web/circular_print.html", context)


@role_required(CIRCULAR_ROLES)
def circular_xlsx(request: HttpRequest) -> HttpResponse:
    c = _circular(request)
    if isinstance(c, HttpResponse):
        return c
    content = circular_workbook(c, all_overdue(user=request.user, circular=c))  # type: ignore[arg-type]
    label = c.period.label
    return xlsx_response(content, f"{label} 月度通报.xlsx", f"circular-{label}.xlsx")


@role_required(CIRCULAR_ROLES)
def circular_word(request: HttpRequest) -> HttpResponse:
    c = _circular(request)
    if isinstance(c, HttpResponse):
        return c
    content = circular_docx(c, all_overdue(user=request.user, circular=c))  # type: ignore[arg-type]
    response = HttpResponse(content, content_type=DOCX)
    label = c.period.label
    response["Content-Disposition"] = attachment_header(
        f"{label} 月度通报.docx", f"circular-{label}.docx"
    )
    return response
