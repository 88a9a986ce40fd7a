"""Public pages: submit an appeal, track it by number + phone, rate the reply.

No account, no staff navigation. Every POST is CSRF-protected; submissions pass a
honeypot and a signed arithmetic challenge; submissions and look-ups are rate
limited per client IP (429 page). A wrong number/phone is answered exactly like an
unknown number.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from duban.core.access import readable
from duban.core.errors import DomainError

from . import throttle
from .challenge import ChallengeFailed, challenge_check, challenge_new, challenge_question
from .conf import portal_setting
from .forms import HONEYPOT, RateForm, SubmitForm, TrackForm
from .selectors import access_token, public_ticket, ticket_for_caller, ticket_for_token
from .services import portal_rate, portal_submit

DONE_SALT = "duban.portal.submitted"
# Domain error fields → form fields.
FIELD_MAP = {"file": "photo", "category_id": "category"}
NOT_FOUND = "未找到：没有与该工单编号和联系电话相符的诉求，请核对后重试。"
EXPIRED = "页面已过期，请重新输入工单编号和联系电话查询后再评价。"


def _limited(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request, "portal/limited.html", {"minutes": max(1, retry_after // 60)}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"track_form": TrackForm()})


def _submit_page(
    request: HttpRequest, form: SubmitForm, *, status: int = 200, notice: str = "", fresh: bool
) -> HttpResponse:
    """The form; ``fresh`` issues a new challenge (the old one is spent or missing)."""
    token = str(form.data.get("challenge") or "") if form.is_bound else ""
    question = None if fresh else challenge_question(token)
    if question is None:
        challenge = challenge_new(now=timezone.now())
        token, question = challenge.token, challenge.question
        if form.is_bound:
            data = form.data.copy()
            data["challenge"], data["answer"] = token, ""
            form.data = data
        else:
            form.initial["challenge"] = token
    context = {
        "form": form,
        "question": question,
        "notice": notice,
        "honeypot": HONEYPOT,
        "max_mb": int(portal_setting("MAX_PHOTO_BYTES")) // (1024 * 1024),
    }
    return render(request, "portal/submit.html", context, status=status)


def _body_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > int(portal_setting("MAX_PHOTO_BYTES")) + 1024 * 1024


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _submit_page(request, SubmitForm(), fresh=True)
    retry_after = throttle.exceeded(request, throttle.SUBMIT)
    if retry_after is not None:
        return _limited(request, retry_after)
    if _body_too_large(request):
        notice = f"提交的内容过大：照片不能超过 {portal_setting('MAX_PHOTO_BYTES') // (1024 * 1024)} MB，请重新填写。"
        return _submit_page(request, SubmitForm(), status=400, notice=notice, fresh=True)
    form = SubmitForm(request.POST, request.FILES)
    if request.POST.get(HONEYPOT):
        throttle.hit(request, throttle.SUBMIT)
        return _submit_page(
            request, SubmitForm(), status=400, notice="提交未通过校验，请重新填写。", fresh=True
        )
    if not form.is_valid():
        return _submit_page(request, form, fresh=False)
    now = timezone.now()
    try:
        challenge_check(
            token=form.cleaned_data["challenge"], answer=form.cleaned_data["answer"], now=now
        )
    except ChallengeFailed as exc:
        throttle.hit(request, throttle.SUBMIT)
        return _submit_page(request, form, status=400, notice=exc.message, fresh=True)
    data = form.cleaned_data
    try:
        ticket = portal_submit(
            now=now,
            content=data["content"],
            appeal_type=data["appeal_type"],
            location=data["location"],
            caller_name=data["caller_name"],
            caller_phone=data["caller_phone"],
            title=data["title"],
            category_id=data["category"],
            photo=data["photo"],
        )
    except DomainError as exc:
        field = FIELD_MAP.get(str(exc.details.get("field")), str(exc.details.get("field")))
        form.add_error(field if field in form.fields else None, readable(exc))
        return _submit_page(request, form, status=400, fresh=True)
    throttle.hit(request, throttle.SUBMIT)
    token = signing.dumps(ticket.number, salt=DONE_SALT)
    return redirect(reverse("portal:submitted", args=[token]))


def submitted(request: HttpRequest, token: str) -> HttpResponse:
    try:
        number = signing.loads(token, salt=DONE_SALT, max_age=24 * 3600)
    except signing.BadSignature as exc:
        raise Http404 from exc
    return render(request, "portal/submitted.html", {"number": number})


def _track_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "portal/track.html", context, status=status)


def _not_found(request: HttpRequest, form: TrackForm) -> HttpResponse:
    return _track_page(request, {"form": form, "notice": NOT_FOUND}, status=404)


def _result(request: HttpRequest, ticket: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The ticket's public page; the rating form carries a signed access token, not the phone."""
    rate_form = extra.pop("rate_form", None) or RateForm(initial={"access": access_token(ticket)})
    context = {"t": public_ticket(ticket), "rate_form": rate_form, **extra}
    return _track_page(request, context, status=status)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Look-ups are POSTs: the phone number stays out of URLs and access logs."""
    if request.method == "GET":
        number = request.GET.get("number", "")[:16]
        return _track_page(request, {"form": TrackForm(initial={"number": number})})
    retry_after = throttle.exceeded(request, throttle.LOOKUP)
    if retry_after is not None:
        return _limited(request, retry_after)
    throttle.hit(request, throttle.LOOKUP)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, {"form": form})
    ticket = ticket_for_caller(number=form.cleaned_data["number"], phone=form.cleaned_data["phone"])
    if ticket is None:
        return _not_found(request, form)
    return _result(request, ticket)


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    retry_after = throttle.exceeded(request, throttle.LOOKUP)
    if retry_after is not None:
        return _limited(request, retry_after)
    throttle.hit(request, throttle.LOOKUP)
    form = RateForm(request.POST)
    ticket = ticket_for_token(
        request.POST.get("access", ""), max_age=int(portal_setting("ACCESS_MAX_AGE"))
    )
    if ticket is None:
        return _track_page(request, {"form": TrackForm(), "notice": EXPIRED}, status=400)
    if not form.is_valid():
        return _result(request, ticket, rate_form=form, status=400)
    try:
        ticket = portal_rate(
            ticket=ticket,
            now=timezone.now(),
            resolved=form.cleaned_data["resolved"],
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        return _result(request, ticket, error=readable(exc), status=400)
    return _result(request, ticket_for_token(form.cleaned_data["access"], max_age=60), thanks=True)
