"""The operator's intake desk (受理台): register an appeal during a call, in one submit.

- ``desk``: GET shows the form (a fresh idempotency key per render) and, after a
  submit, a banner with the new ticket; POST registers and routes it and stores its files
  in one transaction (``tickets.services.ticket_register_and_route``) and redirects back
  to an empty form.
- ``suggest``: htmx fragment of live suggestions for the draft (units, duplicates —
  including the typed phone's open tickets — and knowledge answers) — read-only.
- ``caller``: htmx fragment of the phone's earlier tickets within 90 days (重复来电).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from duban.core.access import role_required
from duban.core.errors import DomainError
from duban.dispatch.suggest import caller_history, draft_suggestions
from duban.org.models import User
from duban.org.roles import INTAKE_ROLES
from duban.tickets.services import privacy, ticket_register_and_route
from duban.tickets.services.intake import normalise_phone

from . import selectors
from .intake_forms import ROUTE_LABELS, IntakeForm

DONE_NOTICE = {
    "dispatch": "已登记并派单",
    "direct": "已直办办结",
    "register": "已登记（待派单）",
}


def _page(
    request: HttpRequest, form: IntakeForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    context = {
        "form": form,
        "routes": ROUTE_LABELS,
        "tickets": selectors.recent_registered(user=user, now=now),
        "now": now,
        **extra,
    }
    return render(request, "web/intake.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(INTAKE_ROLES)
def desk(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method != "POST":
        done = selectors.registered_ticket(user=user, number=request.GET.get("done"))
        route = request.GET.get("route") or ""
        return _page(request, IntakeForm(), done=done, done_notice=DONE_NOTICE.get(route, ""))
    form = IntakeForm(request.POST, request.FILES)
    if not form.is_valid():
        form.ask_files_again()
        return _page(request, form, status=422)
    data = form.cleaned_data
    try:
        result = ticket_register_and_route(
            actor=user,
            now=timezone.now(),
            route=data["route"],
            ticket_fields=form.ticket_fields(),
            channel=data["channel"],
            unit=data["unit"] if data["route"] == "dispatch" else None,
            co_units=list(data["co_units"]) if data["route"] == "dispatch" else [],
            answer=data["answer"],
            idempotency_key=data["idempotency_key"],
            uploads=data["attachments"],
        )
    except DomainError as exc:
        form.add_domain_error(exc)
        form.ask_files_again()
        return _page(request, form, status=exc.status if exc.status >= 400 else 422)
    url = reverse("web:intake")
    return redirect(f"{url}?done={result.ticket.number}&route={result.route}")


@require_POST
@role_required(INTAKE_ROLES)
def suggest(request: HttpRequest) -> HttpResponse:
    """Live suggestions for the draft in the form (htmx, on typing)."""
    data = request.POST
    s = draft_suggestions(
        title=data.get("title", ""),
        content=data.get("content", ""),
        location=data.get("location", ""),
        appeal_type=data.get("appeal_type", ""),
        phone=_phone_or_blank(data.get("caller_phone", "")),
        category_id=_id_or_none(data.get("category", "")),
        now=timezone.now(),
        district_id=request.user.district_pk,  # type: ignore[union-attr]
    )
    return render(request, "web/intake_suggestions.html", {"s": s})


def _phone_or_blank(raw: str) -> str:
    """The normalised phone of a draft, or "" while it is incomplete or malformed."""
    try:
        return normalise_phone(raw.strip())
    except DomainError:
        return ""


def _id_or_none(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@require_http_methods(["GET", "POST"])
@role_required(INTAKE_ROLES)
def caller(request: HttpRequest) -> HttpResponse:
    """Earlier tickets of the typed phone (htmx, on typing or leaving the field)."""
    raw = (request.POST.get("caller_phone") or request.GET.get("caller_phone") or "").strip()
    try:
        phone = normalise_phone(raw)
    except DomainError:
        phone, bad = "", bool(raw) and len(raw) >= 7
    else:
        bad = False
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    rows = caller_history(phone=phone, now=now, district_id=user.district_pk) if phone else []
    # Tickets found by a person's phone tell whose they are: a search of that person, audited.
    privacy.personal_data_list_record(actor=user, tickets=rows, now=now, by_person=True)
    context = {"phone": phone, "rows": rows, "bad": bad}
    return render(request, "web/intake_caller.html", context)
