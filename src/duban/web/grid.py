"""The grid worker's page (网格员, phone-first): report a problem, work own tasks.

- Report: photo (camera), place and description become an appeal registered by the
  grid worker with channel ``grid``; the photo is stored with ``ticket_attach`` in
  the same transaction (``services.grid_report``).
- Tasks: open tickets whose primary or handling unit is the grid
  (``selectors.grid_tickets``), with what the worker may do: accept/reply when the
  grid is the primary unit (the tickets app's action views), submit its part when
  the work was sub-dispatched to it (``ticket_submit_part``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.org.models import UnitKind, User
from duban.org.roles import UNIT_ROLES
from duban.tickets import services as s
from duban.tickets.choices import AppealType
from duban.tickets.forms import available_actions
from duban.tickets.models import Ticket
from duban.tickets.selectors import visible_ticket

from . import selectors
from .services import grid_report

MAX_TEXT = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))
GRID_TYPES = [
    (v, label)
    for v, label in AppealType.choices
    if v in ("help", "complaint", "report", "suggestion")
]
PRIMARY_ACTIONS = ("accept", "record_contact", "reply")
TASK_LIMIT = 50


def is_grid_worker(user: Any) -> bool:
    return (
        user.is_authenticated
        and user.role in UNIT_ROLES
        and user.unit is not None
        and user.unit.kind == UnitKind.GRID
    )


def grid_only(view: Any) -> Any:
    @role_required(UNIT_ROLES)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_grid_worker(request.user):
            raise PermissionDenied("网格员页面仅供网格单位的工作人员使用")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- reads ------------------------------------------------------------------


@dataclass
class Task:
    ticket: Ticket
    primary: bool  # the grid is the primary unit (else: work sub-dispatched to it)
    actions: list[Any]


def grid_tasks(*, user: User, limit: int = TASK_LIMIT) -> list[Task]:
    """Open tickets of the grid's unit, deadline first, with what the worker may do (one query)."""
    unit = user.unit
    assert unit is not None
    tasks = []
    for t in selectors.grid_tickets(user=user, limit=limit):
        primary = t.primary_unit_id == unit.pk
        if primary:
            actions = available_actions(t, user, only=PRIMARY_ACTIONS)
        else:
            actions = [a for a in [PART] if t.state in ("dispatched", "accepted")]
        tasks.append(Task(ticket=t, primary=primary, actions=actions))
    return tasks


# --- forms and views --------------------------------------------------------


class ReportForm(forms.Form):
    # Type and content are checked by ``ticket_attach`` (magic bytes, ≤ 10 MB).
    photo = forms.FileField(
        label=_("现场照片"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
        error_messages={"empty": _("照片文件为空，请重新拍摄")},
    )
    place = forms.CharField(
        label=_("地点"),
        max_length=200,
        error_messages={"required": _("请填写地点"), "max_length": _("地点不能超过 200 字")},
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("请描述发现的问题"),
            "max_length": _("问题描述不能超过 %(n)s 字") % {"n": MAX_TEXT},
        },
    )
    appeal_type = forms.ChoiceField(label=_("类型"), choices=GRID_TYPES, initial="help")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)


class PartForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("办理情况"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写办理情况")},
    )


@dataclass(frozen=True)
class PartAction:
    name: str = "submit_part"
    label: str = "上报办理情况"


PART = PartAction()


def _page(
    request: HttpRequest, form: ReportForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {"form": form, "tasks": grid_tasks(user=user), "now": timezone.now(), **extra}
    return render(request, "web/grid.html", context, status=status)


@require_http_methods(["GET", "POST"])
@grid_only
def grid(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method != "POST":
        return _page(request, ReportForm())
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=422)
    data = form.cleaned_data
    try:
        ticket = grid_report(
            actor=user,
            now=timezone.now(),
            place=data["place"],
            description=data["description"],
            appeal_type=data["appeal_type"],
            photo=data.get("photo"),
            idempotency_key=data["idempotency_key"],
        )
    except DomainError as exc:
        form.add_error(None, readable(exc))
        return _page(request, form, status=exc.status if exc.status >= 400 else 422)
    messages.success(request, f"已上报，工单编号 {ticket.number}")
    return redirect(reverse("web:grid"))


@require_POST
@grid_only
def part(request: HttpRequest, number: str) -> HttpResponse:
    """Submit the grid's part of sub-dispatched work (办理情况) to the accountable unit."""
    user: User = request.user  # type: ignore[assignment]
    try:
        ticket = visible_ticket(user=user, number=number)
    except DomainError as exc:
        raise Http404("工单不存在或不在您的范围内") from exc
    form = PartForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{number}：请填写办理情况")
        return redirect(reverse("web:grid"))
    try:
        s.ticket_submit_part(
            ticket=ticket,
            actor=user,
            now=timezone.now(),
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["expected_version"],
        )
    except DomainError as exc:
        messages.error(request, f"{number}：{readable(exc)}")
    else:
        messages.success(request, f"{number}：办理情况已上报")
    return redirect(reverse("web:grid"))
