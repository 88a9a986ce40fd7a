"""A URL that fails, for the test that every 500 is logged with its traceback."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("a bug in a page")


urlpatterns = [path("boom/", boom), path("", include("duban.urls"))]
