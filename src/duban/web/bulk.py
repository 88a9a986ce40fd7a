"""The desks' bulk actions (批量签收 / 批量审核通过 / 按推荐单位批量派单): parse the chosen
tickets, call ``services_bulk.bulk_act`` once and render the desk's list with the
outcome of every ticket. An htmx request gets the list fragment (also on an error:
htmx swaps only 2xx answers, so the notice travels in the fragment).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.access import readable, signed_in
from duban.core.errors import DomainError, InvalidInput
from duban.org.models import User
from duban.tickets.selectors import NUMBER_RE

from . import selectors, services_bulk
from .desks import TITLES


def chosen(values: list[str]) -> list[tuple[str, int]]:
    """The ticked cards: ``number:version`` each (the version the clerk saw), in order,
    without repeats; anything else is refused (422)."""
    items: dict[str, int] = {}
    for value in values:
        number, sep, version = value.partition(":")
        if not sep or not NUMBER_RE.match(number) or not version.isdigit() or len(version) > 9:
            raise InvalidInput("所选工单有误，请刷新页面后重试 / malformed ticket choice")
        items.setdefault(number, int(version))
    return list(items.items())


@require_POST
@signed_in
def bulk(request: HttpRequest, action: str) -> HttpResponse:
    spec = services_bulk.BULK_ACTIONS.get(action)
    if spec is None:
        raise Http404("no such bulk action")
    user: User = request.user  # type: ignore[assignment]
    if user.role not in spec.roles:
        raise PermissionDenied("当前角色无权执行该操作")
    now = timezone.now()
    context: dict[str, Any] = {"bulk_label": spec.label}
    status = 200
    try:
        outcomes = services_bulk.bulk_act(
            action=action, actor=user, now=now, items=chosen(request.POST.getlist("t"))
        )
        done = sum(o.ok for o in outcomes)
        context.update(bulk_outcomes=outcomes, bulk_done=done, bulk_refused=len(outcomes) - done)
    except DomainError as exc:
        context["bulk_error"] = readable(exc)
        status = exc.status
    page = selectors.desk_page(desk=spec.desk, user=user, now=now, tab=spec.tab, page=1)
    context.update(desk=spec.desk, title=TITLES[spec.desk], p=page, now=now)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/_desk_list.html", context)
    return render(request, "web/desk.html", context, status=status)
