"""The figures, rankings and hot-spots answer the same roles on the API as on the pages.

PRODUCT.md: a unit head "sees the unit's figures"; the centre, supervision, leaders and the
admin read the district's; a handler accepts, handles and replies — no figures. So
``org.roles.DASHBOARD_ROLES`` opens both the pages (``metrics.views``) and the API
(``metrics.api``, ``GET /hotspots``): every other role gets 403 on both.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from duban.org.models import Role
from duban.org.roles import DASHBOARD_ROLES
from duban.testing.api import client_for
from duban.testing.personas import build_district, make_user

pytestmark = pytest.mark.django_db

# Where a user of each role sits.
SEATS = {
    Role.OPERATOR: "centre",
    Role.DISPATCHER: "centre",
    Role.HANDLER: "binhu",
    Role.UNIT_HEAD: "binhu",
    Role.SUPERVISOR: "jgw",
    Role.LEADER: "district",
    Role.SERVICE_OFFICER: "binhu",
    Role.PROJECT_REPORTER: "binhu",
    Role.PROJECT_OFFICE: "housing",
    Role.STATS_OFFICE: "housing",
    Role.INSPECTOR: "jgw",
    Role.INSPECTION_OFFICE: "jgw",
    Role.ADMIN: "district",
}


@pytest.fixture
def units(db: None) -> SimpleNamespace:
    """The personas' district (this folder's ``district`` fixture is a bare root)."""
    return build_district()


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _query() -> str:
    return f"period={_month()}&group=streets&unit=t-binhu&by=unit"


def _pages() -> list[str]:
    """Every page of the metrics app (the report is for district-wide roles only: its own
    test), with the parameters any of them reads."""
    (metrics,) = [
        r
        for r in get_resolver().url_patterns
        if isinstance(r, URLResolver) and str(r.pattern) == "metrics/"
    ]
    routes = [str(p.pattern) for p in metrics.url_patterns if isinstance(p, URLPattern)]
    return [f"/metrics/{r}?{_query()}" for r in routes if not r.startswith("report")]


def _api() -> list[str]:
    """The API's figures, rankings and hot-spots: every GET of the metrics router (from the
    OpenAPI listing) and ``/hotspots``."""
    listing = client_for(None).get("/openapi.json").json()
    paths = [
        path.removeprefix("/api/v1")
        for path, operations in listing["paths"].items()
        if "get" in operations
        and ("metrics" in operations["get"].get("tags", []) or path.endswith("/hotspots"))
    ]
    assert {"/metrics", "/rankings", "/hotspots"} <= set(paths)
    return [f"{path}?{_query()}" for path in paths]


def test_every_role_is_on_one_side_of_the_line() -> None:
    assert set(SEATS) == set(Role)
    assert Role.UNIT_HEAD in DASHBOARD_ROLES and Role.HANDLER not in DASHBOARD_ROLES


@pytest.mark.parametrize("role", list(SEATS))
def test_pages_and_api_agree_for_every_role(units, role) -> None:
    user = make_user(f"u_{role}", role, getattr(units, SEATS[role]))
    allowed = role in DASHBOARD_ROLES
    page = Client()
    page.force_login(user)
    pages = _pages()
    assert len(pages) >= 7  # dashboard, hot-spots, rankings, the four exports …
    for url in pages:
        status = page.get(url).status_code
        assert (status != 403) == allowed, (role, url, status)
        assert status < 500, (role, url, status)
    api = client_for(user)
    for path in _api():
        response = api.get(path)
        assert (response.status_code != 403) == allowed, (role, path, response.status_code)
        assert response.status_code < 500, (role, path, response.status_code)
        if not allowed:
            assert response.json()["code"] == "permission_denied"


def test_a_unit_head_reads_its_units_figures_and_no_others(units) -> None:
    head = make_user("binhu_head", Role.UNIT_HEAD, units.binhu)
    api = client_for(head)
    own = api.get(f"/metrics?period={_month()}")
    assert own.status_code == 200 and own.json()["unit_code"] == "t-binhu"
    other = api.get(f"/metrics?period={_month()}&unit=t-hubin")
    assert other.status_code == 404


def test_an_unknown_caller_is_401_not_403(db: None) -> None:
    response = client_for(None).get(f"/metrics?period={_month()}")
    assert response.status_code == 401


def test_the_session_is_checked_like_the_token(units) -> None:
    handler = make_user("binhu_handler", Role.HANDLER, units.binhu)
    client = Client()
    client.force_login(handler)
    response = client.get(f"/api/v1/rankings?period={_month()}&group=streets")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
