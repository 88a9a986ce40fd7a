"""The notice page (消息通知): a user's own notices, newest first; mark one or all read.

Any signed-in staff user has the page; every read and write is scoped to the user's own
notices (another user's notice is 404). htmx requests get the changed row or list and
the bell, out of band; plain requests are redirected.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core.access import readable, signed_in
from duban.org.models import User

from . import selectors, services
from .errors import NoticeNotFound


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


def _unread_only(data: QueryDict) -> bool:
    return data.get("unread") == "1"


@signed_in
def notice_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    page = selectors.notice_page(
        user, page=_page_number(request.GET.get("page")), unread_only=_unread_only(request.GET)
    )
    template = "notifications/_list.html" if request.htmx else "notifications/notices.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page})


@require_POST
@signed_in
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read; with ``open``, go on to its ticket (when the reader sees it)."""
    user: User = request.user  # type: ignore[assignment]
    try:
        services.notice_mark_read(notice_id=pk, actor=user, now=timezone.now())
        row = selectors.notice_row(user, pk)
    except NoticeNotFound as exc:
        raise Http404(readable(exc)) from exc
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "notifications/_read.html", {"n": row})
    if request.POST.get("open") and row.ticket_number:
        return redirect("tickets:detail", number=row.ticket_number)
    return redirect("notifications:list")


@require_POST
@signed_in
def notices_read_all(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        up_to: int | None = int(request.POST.get("up_to") or 0) or None
    except ValueError:
        up_to = None
    marked = services.notices_mark_all_read(actor=user, now=timezone.now(), up_to=up_to)
    unread_only = _unread_only(request.POST)
    if request.htmx:  # type: ignore[attr-defined]
        page = selectors.notice_page(user, unread_only=unread_only)
        return render(request, "notifications/_read_all.html", {"page": page})
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": marked})
    url = reverse("notifications:list")
    return redirect(f"{url}?unread=1" if unread_only else url)
