"""The ticket page and the ticket actions on pages.

Views parse input, call one service or selector and render. Actions answer an htmx
request with the ticket's card (list) or action panel (ticket page) and a plain
request with a redirect to the ticket page (or the page again with the form and the
error). Domain errors become readable notices; a stale ``expected_version`` shows
the stale notice over the refreshed ticket and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core.access import readable, signed_in
from duban.core.errors import DomainError, InvalidInput
from duban.org.models import User
from duban.org.roles import PERSONAL_DATA_ROLES

from . import selectors
from . import services as s
from .action_texts import done_message
from .forms import ACTIONS, Action, ActionForm, ReplyForm, available_actions
from .models import PersonalDataAccess, Ticket
from .selectors_former import former_part
from .selectors_page import ticket_attachment, ticket_exemptions, ticket_page_lists
from .services import privacy
from .services.base import TABLE
from .services.intake import normalise_phone

# Staff reveal a caller in full with a reason (the reveal is an event and an access row).
UNMASK_ROLES = TABLE["reveal_caller"].roles
# A ticket number: the registration day (YYYYMMDD) and a six-digit sequence.
TICKET_NUMBER_RE = re.compile(r"^[0-9]{14}$")


def _ticket_or_404(user: User, number: str) -> Ticket:
    try:
        return selectors.ticket_detail(user=user, number=number, now=timezone.now())
    except DomainError as exc:
        raise Http404(readable(exc)) from exc


def _caller_shown(ticket: Ticket, user: User, now: Any) -> dict[str, str] | None:
    """The caller as ``user`` sees them; a full name and phone shown is audited."""
    if ticket.caller_id is not None and user.sees_personal_data:
        privacy.personal_data_access_record(
            actor=user, tickets=[ticket], kind=PersonalDataAccess.Kind.VIEW, now=now
        )
    return selectors.caller_view(ticket.caller, user)


def _page_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    lists = ticket_page_lists(ticket, reader=user)
    now = timezone.now()
    return {
        "t": ticket,
        "now": now,
        "caller": _caller_shown(ticket, user, now),
        "can_unmask": user.has_role(UNMASK_ROLES) and ticket.caller_id is not None,
        "events": lists.events,
        "attachments": lists.attachments,
        "duplicates": lists.duplicates,
        "master": lists.master,
        "exemptions": ticket_exemptions(ticket),
        "actions": available_actions(ticket, user, now=now),
        **extra,
    }


@signed_in
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket page; for a unit whose part ended (退回/改派), its own record, read-only."""
    try:
        ticket = selectors.ticket_detail(user=request.user, number=number, now=timezone.now())  # type: ignore[arg-type]
    except DomainError as exc:
        former = former_part(user=request.user, number=number)  # type: ignore[arg-type]
        if former is None:
            raise Http404(readable(exc)) from exc
        return render(request, "tickets/former.html", {"f": former})
    return render(request, "tickets/ticket.html", _page_context(request, ticket))


@signed_in
def ticket_print(request: HttpRequest, number: str) -> HttpResponse:
    """办理单: the ticket as the office files it, on one A4 sheet (same scope and masking as
    the ticket page; the caller is printed as the page shows them before any reveal)."""
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket_or_404(user, number)
    lists = ticket_page_lists(ticket, reader=user)
    context = {
        "t": ticket,
        "now": timezone.now(),
        "caller": _caller_shown(ticket, user, timezone.now()),
        "co_parts": [a for a in ticket.assignments.all() if a.role == "co"],  # prefetched
        "events": lists.events,
        "attachments": lists.attachments,
    }
    return render(request, "tickets/print.html", context)


def _card(request: HttpRequest, ticket: Ticket, desk: str, **extra: Any) -> HttpResponse:
    context = {"t": ticket, "desk": desk, "now": timezone.now(), **extra}
    return render(request, "tickets/_card.html", context)


def _perform(action: Action, form: ActionForm, ticket: Ticket, user: User) -> Ticket:
    data = form.cleaned_data
    kwargs = {
        "ticket": ticket,
        "actor": user,
        "now": timezone.now(),
        "expected_version": data["expected_version"],
        **action.arguments(data),
    }
    if isinstance(form, ReplyForm) and data.get("evidence"):
        return s.ticket_reply(**kwargs, uploads=data["evidence"])
    return action.service(**kwargs)


@signed_in
def ticket_action(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """GET: the action's form (fragment for htmx). POST: run it."""
    action = ACTIONS.get(name)
    if action is None:
        raise Http404("no such action")
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket_or_404(user, number)
    desk = request.GET.get("desk") or request.POST.get("desk") or ""
    if request.method != "POST":
        form = action.form(ticket=ticket, user=user)
        return _action_response(request, ticket, desk, action, form)
    form = action.form(request.POST, request.FILES, ticket=ticket, user=user)
    if not form.is_valid():
        return _action_response(request, ticket, desk, action, form, status=422)
    try:
        done = _perform(action, form, ticket, user)
    except DomainError as exc:
        field = exc.details.get("field")
        fresh = _ticket_or_404(user, number)
        if exc.code == "stale_version":
            form = action.form(request.POST, ticket=fresh, user=user)
            form.data = form.data.copy()
            form.data["expected_version"] = str(fresh.version)
        elif field in form.fields:
            form.add_error(field, readable(exc))
        return _action_response(request, fresh, desk, action, form, error=exc, status=exc.status)
    message = done_message(action.name, action.label, done)
    fresh = _ticket_or_404(user, number) if done.state != "merged" else done
    if request.htmx:  # type: ignore[attr-defined]
        if desk:
            return _card(request, fresh, desk, done_message=message)
        return _panel(request, fresh, done_message=message)
    messages.success(request, message)
    return redirect("tickets:detail", number=number)


def _panel(request: HttpRequest, ticket: Ticket, **extra: Any) -> HttpResponse:
    context = {"t": ticket, "actions": available_actions(ticket, request.user), **extra}  # type: ignore[arg-type]
    response = render(request, "tickets/_panel.html", context)
    if extra.get("done_message"):
        response["HX-Refresh"] = "true"
        messages.success(request, extra["done_message"])
    return response


def _action_response(
    request: HttpRequest,
    ticket: Ticket,
    desk: str,
    action: Action,
    form: ActionForm,
    *,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    extra = {"action": action, "form": form, "error": readable(error) if error else ""}
    if request.htmx:  # type: ignore[attr-defined]
        # htmx swaps only 2xx answers: the notice travels in the fragment.
        if desk:
            return _card(request, ticket, desk, **extra)
        return _panel(request, ticket, **extra)
    context = _page_context(request, ticket, **extra)
    return render(request, "tickets/ticket.html", context, status=status)


@require_POST
@signed_in
def unmask_caller(request: HttpRequest, number: str) -> HttpResponse:
    """Reveal the caller's full details (the ID number included) to staff who give a reason;
    the service records an event and a personal-data access."""
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket_or_404(user, number)
    if ticket.caller is None or not user.has_role(UNMASK_ROLES):
        return HttpResponse(status=403)
    try:
        caller = s.ticket_reveal_caller(
            ticket=ticket, actor=user, now=timezone.now(), reason=request.POST.get("reason", "")
        )
    except InvalidInput as exc:
        context = {
            "t": ticket,
            "caller": selectors.caller_view(ticket.caller, user),
            "can_unmask": True,
            "reveal_error": readable(exc),
        }
        return render(request, "tickets/_caller.html", context, status=422)
    except DomainError:
        return HttpResponse(status=403)
    context = {"t": ticket, "caller": selectors.caller_view(caller, user, revealed=True)}
    return render(request, "tickets/_caller.html", {**context, "full": True})


@signed_in
def attachment_file(request: HttpRequest, number: str, pk: int) -> FileResponse:
    ticket = _ticket_or_404(request.user, number)  # type: ignore[arg-type]
    attachment = ticket_attachment(ticket=ticket, pk=pk)
    if attachment is None:
        raise Http404("no such attachment")
    inline = attachment.content_type.startswith("image/") or attachment.content_type.endswith("pdf")
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


def _phone(value: str) -> str | None:
    """``value`` as a normalised phone number, or None when it is not one (or is a ticket
    number: those have 14 digits, no phone has)."""
    if TICKET_NUMBER_RE.match(value):
        return None
    try:
        return normalise_phone(value) or None
    except DomainError:
        return None


@signed_in
def find_ticket(request: HttpRequest) -> HttpResponse:
    """The header's box: a ticket number opens the ticket page (404 when not visible); a
    phone number opens 工单查询 filtered by that caller, for staff who see personal data."""
    user: User = request.user  # type: ignore[assignment]
    value = (request.GET.get("number") or "").strip()
    if not value:
        return redirect("web:home")
    phone = _phone(value)
    if phone is None:
        return redirect("tickets:detail", number=value)
    if user.role in PERSONAL_DATA_ROLES:
        return redirect(f"{reverse('web:search')}?{urlencode({'phone': phone})}")
    messages.error(request, _("按来电号码查询工单仅限受理员、派单员使用，请输入 14 位工单编号。"))
    return redirect("web:home")
