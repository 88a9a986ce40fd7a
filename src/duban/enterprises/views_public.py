"""The enterprise's own pages, without a staff account: sign in with an invitation link or
the credit code + registered mobile + a one-time code (shown on the page in development),
then raise a problem, request a proxy service, follow both and rate them — on a phone.

The signed-in enterprise is kept in the session (``ENTERPRISE_KEY``); every read is of its
own rows. Sign-ins and submissions are rate limited per client address (429 page).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from duban.core.access import readable
from duban.core.errors import DomainError

from . import selectors, services_access, services_problems, services_proxy, throttle
from .models import Enterprise, Source

ENTERPRISE_KEY = "duban_enterprise_id"


def _limited(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "enterprises/public/limited.html",
        {"minutes": max(1, retry_after // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def enterprise_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enterprise = selectors.enterprise_by_pk(request.session.get(ENTERPRISE_KEY))
        if enterprise is None:
            return redirect("enterprises:e_login")
        return view(request, enterprise, *args, **kwargs)

    return wrapper


def _sign_in(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    request.session.cycle_key()
    request.session[ENTERPRISE_KEY] = enterprise.pk
    return redirect("enterprises:e_home")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "credit_code": request.POST.get("credit_code", "")[:30],
        "phone": request.POST.get("phone", "")[:20],
    }
    if request.method == "POST":
        if (retry := throttle.exceeded(request, "login")) is not None:
            return _limited(request, retry)
        throttle.hit(request, "login")
        now = timezone.now()
        try:
            if request.POST.get("step") == "verify":
                enterprise = services_access.code_verify(
                    credit_code=context["credit_code"],
                    phone=context["phone"],
                    code=request.POST.get("code", "")[:10],
                    now=now,
                )
                return _sign_in(request, enterprise)
            issued = services_access.code_send(
                credit_code=context["credit_code"], phone=context["phone"], now=now
            )
            context["sent"] = True
            if settings.DEBUG or getattr(settings, "DUBAN_SHOW_ONE_TIME_CODES", False):
                context["dev_code"] = issued.secret
        except DomainError as exc:
            context["error"] = readable(exc)
            context["sent"] = request.POST.get("step") == "verify"
            return render(request, "enterprises/public/login.html", context, status=exc.status)
    return render(request, "enterprises/public/login.html", context)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    if (retry := throttle.exceeded(request, "login")) is not None:
        return _limited(request, retry)
    throttle.hit(request, "login")
    try:
        enterprise = services_access.invitation_use(token=token[:100], now=timezone.now())
    except DomainError as exc:
        return render(
            request, "enterprises/public/login.html", {"error": readable(exc)}, status=exc.status
        )
    return _sign_in(request, enterprise)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.pop(ENTERPRISE_KEY, None)
    return redirect("enterprises:e_login")


@enterprise_required
def home(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    context = {
        "e": enterprise,
        "problems": list(selectors.problems_of(enterprise)[:50]),
        "cases": list(selectors.cases_of(enterprise)[:50]),
        "categories": selectors.categories(),
        "services": selectors.services(),
    }
    return render(request, "enterprises/public/home.html", context)


def _submit(request: HttpRequest, action: Callable[[], str]) -> HttpResponse:
    if (retry := throttle.exceeded(request, "submit")) is not None:
        return _limited(request, retry)
    throttle.hit(request, "submit")
    try:
        messages.success(request, action())
    except DomainError as exc:
        messages.error(request, readable(exc))
    return redirect("enterprises:e_home")


@require_POST
@enterprise_required
def problem_raise(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    post = request.POST

    def run() -> str:
        try:
            category = int(post.get("category", ""))
        except ValueError:
            category = 0
        problem = services_problems.problem_raise(
            actor=None,
            now=timezone.now(),
            enterprise=enterprise,
            category_id=category,
            title=post.get("title", ""),
            content=post.get("content", ""),
            source=Source.SELF,
        )
        return f"问题已提交，编号 {problem.ticket.number}"

    return _submit(request, run)


@require_POST
@enterprise_required
def case_request(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    def run() -> str:
        try:
            pk = int(request.POST.get("service", ""))
        except ValueError:
            pk = 0
        service = selectors.service_by_pk(pk)
        services_proxy.case_open(
            actor=None,
            now=timezone.now(),
            enterprise=enterprise,
            service=service,
            note=request.POST.get("note", ""),
        )
        return f"已申请代办：{service.name}"

    return _submit(request, run)


@require_POST
@enterprise_required
def problem_confirm(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    def run() -> str:
        problem = selectors.own_problem(enterprise, pk)
        services_problems.problem_confirm(
            enterprise=enterprise,
            now=timezone.now(),
            problem=problem,
            resolved=request.POST.get("resolved") == "1",
            satisfaction=request.POST.get("satisfaction", ""),
            comment=request.POST.get("comment", "")[:500],
        )
        return "感谢评价，问题已销号"

    return _submit(request, run)


@require_POST
@enterprise_required
def case_rate(request: HttpRequest, enterprise: Enterprise, pk: int) -> HttpResponse:
    def run() -> str:
        case = selectors.own_case(enterprise, pk)
        services_proxy.case_rate(
            enterprise=enterprise,
            now=timezone.now(),
            case=case,
            satisfaction=request.POST.get("satisfaction", ""),
        )
        return "感谢评价"

    return _submit(request, run)
