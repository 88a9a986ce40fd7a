"""Reads of a user's own notices: the bell's unread count and the notice page.

A user reads only their own notices. A notice about a ticket the reader can no longer see
(they moved to another unit) keeps its kind and time but loses its text and its link:
the page never shows a ticket the reader may not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet

from duban.org.models import User
from duban.tickets.models import Ticket

from .errors import NoticeNotFound
from .models import Notice, NoticeKind, SmsMessage, SmsStatus

PAGE_SIZE = 20
# The bell counts up to this many and then shows "99+": a bounded index scan for anyone.
UNREAD_CAP = 99
HIDDEN_TEXT = "该工单已不在您的查看范围内。"


def unread_count(user: User) -> int:
    """Unread notices of ``user``, counted up to ``UNREAD_CAP + 1``: one indexed query."""
    if not user.is_authenticated:
        return 0
    unread = Notice.objects.filter(recipient=user, read_at__isnull=True)
    return unread.order_by()[: UNREAD_CAP + 1].count()


def unread_label(count: int) -> str:
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


@dataclass(frozen=True)
class NoticeRow:
    id: int
    kind: str
    kind_label: str
    text: str
    ticket_number: str | None  # None: the reader may not see the ticket (no link)
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True)
class NoticePage:
    rows: list[NoticeRow]
    page: int
    has_previous: bool
    has_next: bool
    unread_only: bool
    newest_id: int | None  # "mark all read" marks up to this one


def _own(user: User) -> QuerySet[Notice]:
    visible = Ticket.objects.visible_to(user).filter(pk=OuterRef("ticket_id"))
    return (
        Notice.objects.filter(recipient=user)
        .annotate(ticket_visible=Exists(visible))
        .select_related("ticket")
        .only("id", "kind", "text", "created_at", "read_at", "ticket_id", "ticket__number")
    )


def _row(notice: Notice) -> NoticeRow:
    visible = bool(getattr(notice, "ticket_visible", False))
    return NoticeRow(
        id=notice.pk,
        kind=notice.kind,
        kind_label=str(NoticeKind(notice.kind).label),
        text=notice.text if visible else HIDDEN_TEXT,
        ticket_number=notice.ticket.number if visible else None,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


def notice_page(user: User, *, page: int = 1, unread_only: bool = False) -> NoticePage:
    """A page of ``user``'s notices, newest (last written) first: one query, no total count.

    Ordered by id, so the first row of the first page is the newest notice that existed
    when the page was read: "mark all read" marks up to it and spares later arrivals.
    """
    page = max(1, page)
    qs = _own(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    start = (page - 1) * PAGE_SIZE
    notices = list(qs.order_by("-id")[start : start + PAGE_SIZE + 1])
    rows = [_row(n) for n in notices[:PAGE_SIZE]]
    return NoticePage(
        rows=rows,
        page=page,
        has_previous=page > 1,
        has_next=len(notices) > PAGE_SIZE,
        unread_only=unread_only,
        newest_id=rows[0].id if rows and page == 1 else None,
    )


def notice_row(user: User, notice_id: int) -> NoticeRow:
    """One of ``user``'s notices (another user's is not found)."""
    try:
        return _row(_own(user).get(pk=notice_id))
    except Notice.DoesNotExist as exc:
        raise NoticeNotFound("通知不存在 / no such notice", notice=notice_id) from exc


def sms_outbox_counts() -> dict[str, int]:
    """Messages per status (for `duban notify send`'s summary)."""
    counts = dict.fromkeys(SmsStatus.values, 0)
    for row in SmsMessage.objects.values("status").order_by().annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts
