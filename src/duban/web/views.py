"""Sign-in, sign-out and the role-based landing redirect."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from duban.core.access import signed_in
from duban.org.forms import LoginForm

from .nav import home_url


class LoginView(auth_views.LoginView):
    """Sign-in with the failed-login lock, the audit and the optional second factor
    (``org.forms.LoginForm``)."""

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url(self.request.user)  # type: ignore[union-attr]


class LogoutView(auth_views.LogoutView):
    next_page = "web:login"


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url(request.user))  # type: ignore[union-attr]


@signed_in
def no_desk(request: HttpRequest) -> HttpResponse:
    """Roles without a work list yet (service officers, project reporters)."""
    return render(request, "web/no_desk.html")
