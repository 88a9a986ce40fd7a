"""No leaks: a user who may see ticket B learns nothing, through B, of a ticket they may not see.

The district is planted with tickets of 湖滨路街道 that 滨湖街道's tickets point at: A is a
near-duplicate of 滨湖's B from the same caller (so B's intake suggestions name it as a
duplicate and as the caller's earlier ticket), D from the same caller is merged into B, and
滨湖's E is merged into 湖滨's F. Then every page (each URL pattern, with its tabs, search and
exports, htmx fragments and action forms) and every GET endpoint of the API (from the OpenAPI
listing), as 滨湖's clerk, its head and the clerk of the village B was sub-dispatched to, is
read for A's, D's and F's numbers and titles: none may appear. The portal's page of B too.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from duban.testing import factories as f
from duban.testing.api import client_for as api_client_for
from duban.tickets import services as s
from duban.tickets.forms import ACTIONS
from duban.tickets.models import Ticket
from duban.web.selectors import DESKS

pytestmark = pytest.mark.django_db

PHONE = "13712345678"
CONTENT = (
    "东留村主街东段的井盖缺失已经三天了，夜间行人和电动车很容易跌落，请尽快补装井盖并设置警示。"
)
# URL patterns not read here: the admin and the API (walked from the OpenAPI listing below),
# sign-in/out, the public portal (read below by number and phone), POST-only endpoints and
# the ones keyed by something other than a ticket number.
SKIPPED = ("admin/", "api/v1/", "login/", "logout/", "portal/", "desk/bulk/", "notices/<int:pk>")


def _register(p, now: datetime, title: str, phone: str = PHONE) -> Ticket:
    return f.registered(actor=p.operator, now=now, title=title, content=CONTENT, caller_phone=phone)


def _dispatch(p, now: datetime, t: Ticket, unit) -> Ticket:
    return s.ticket_dispatch(ticket=t, actor=p.operator, now=now, unit=unit)


@pytest.fixture
def planted(p, recent) -> SimpleNamespace:
    d = p.district
    now = recent - timedelta(hours=1)
    a = _dispatch(p, now, _register(p, now, "井盖缺失（湖滨探针甲）"), d.hubin)
    b = _dispatch(p, now, _register(p, now, "井盖缺失（滨湖本单）"), d.binhu)
    b = s.ticket_accept(ticket=b, actor=p.street_handler, now=now)
    b = s.ticket_sub_dispatch(ticket=b, actor=p.street_handler, now=now, unit=d.dongliu)
    dup = _dispatch(p, now, _register(p, now, "井盖缺失（湖滨探针丁）"), d.hubin)
    s.ticket_merge(ticket=dup, actor=p.operator, now=now, master=b)
    f_master = _dispatch(
        p, now, _register(p, now, "井盖缺失（湖滨探针丙）", "13700000001"), d.hubin
    )
    e = _dispatch(p, now, _register(p, now, "井盖缺失（滨湖合并件）", "13700000002"), d.binhu)
    e = s.ticket_merge(ticket=e, actor=p.operator, now=now, master=f_master)
    hidden = [a, dup, f_master]
    return SimpleNamespace(
        a=a,
        b=b,
        e=e,
        visible=[b, e],
        secrets=[t.number for t in hidden] + [t.title for t in hidden],
    )


def _text(response: Any) -> str:
    """The body as text: JSON re-read with its Chinese unescaped, workbooks and documents
    (zip files) unpacked."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(name).decode("utf-8", "ignore") for name in z.namelist())
    text = body.decode("utf-8", "ignore")
    if "json" in response.get("Content-Type", ""):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _page_urls(numbers: list[str]) -> list[str]:
    """Every page a signed-in user can GET, with the visible tickets' numbers filled in."""
    urls: list[str] = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(SKIPPED) or any(skip in route for skip in SKIPPED) or "^" in route:
            continue
        filled = [route]
        if "<str:number>" in route:
            filled = [r.replace("<str:number>", n) for r in filled for n in numbers]
        if "<slug:name>" in route:
            filled = [r.replace("<slug:name>", name) for r in filled for name in ACTIONS]
        if any("<" in r for r in filled):  # keyed by a file, a token …: not a ticket's page
            continue
        urls += ["/" + r for r in filled]
    urls += [f"/desk/{desk}/?tab={tab.key}" for desk, tabs in DESKS.items() for tab in tabs]
    urls += [
        "/search/?ordering=-number",
        "/search/?q=井盖缺失",
        "/search/?q=湖滨探针",
        "/search/?q=井盖缺失&export=xlsx",
        "/metrics/export/figures.xlsx?by=unit",
        "/metrics/export/figures.xlsx?by=category",
        "/metrics/export/rankings.xlsx?group=streets",
    ]
    return urls


def _api_urls(api: Any, numbers: list[str], month: str) -> list[str]:
    """Every GET endpoint of the OpenAPI listing, its path and required query filled in."""
    listing = api.get("/openapi.json").json()
    values = {"period": month, "group": "streets", "q": "井盖缺失", "limit": "200"}
    urls = []
    for path, operations in listing["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        required = [
            prm["name"]
            for prm in get.get("parameters", [])
            if prm.get("in") == "query" and prm.get("required")
        ]
        query = "&".join(f"{name}={values[name]}" for name in required if name in values)
        if path.endswith("/tickets"):
            query = "limit=200"
        rel = path.removeprefix("/api/v1")
        paths = [rel.replace("{number}", n) for n in numbers] if "{number}" in rel else [rel]
        urls += [f"{p}?{query}" if query else p for p in paths if "{" not in p]
    return urls


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret in text]


@pytest.mark.parametrize("reader", ["street_handler", "street_head", "village_handler"])
def test_nothing_of_another_units_ticket_shows_through_ones_own(p, planted, reader, recent):
    user = getattr(p, reader)
    numbers = [t.number for t in planted.visible if Ticket.objects.visible_to(user).filter(pk=t.pk)]
    assert planted.b.number in numbers  # the village sees B: it was sub-dispatched there
    client = Client()
    client.force_login(user)
    read: dict[str, int] = {}
    leaks: dict[str, list[str]] = {}
    for url in _page_urls(numbers):
        for htmx in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=htmx)
            assert response.status_code < 500, (url, response.status_code)
            read[url] = response.status_code
            if found := _leaks(_text(response), planted.secrets):
                leaks[url] = found
    api = api_client_for(user)
    for path in _api_urls(api, numbers, recent.strftime("%Y-%m")):
        response = api.get(path)
        assert response.status_code < 500, (path, response.status_code)
        read["/api/v1" + path] = response.status_code
        if found := _leaks(_text(response), planted.secrets):
            leaks["/api/v1" + path] = found
    assert leaks == {}
    # The walk read the ticket page, the API's detail, events and duplicates of B.
    for url in (
        f"/tickets/{planted.b.number}/",
        f"/api/v1/tickets/{planted.b.number}",
        f"/api/v1/tickets/{planted.b.number}/events",
        f"/api/v1/tickets/{planted.b.number}/duplicates",
    ):
        assert read.get(url) == 200, (url, read.get(url))
    assert len(read) > 60


def test_the_centre_does_see_them_so_the_walk_can_find_a_leak(p, planted):
    """The control: intake did link B to A (duplicate, same caller) and D to B, and the
    district-wide centre reads those links — the same reads a unit gets cut."""
    api = api_client_for(p.dispatcher)
    detail = _text(api.get(f"/tickets/{planted.b.number}"))
    assert planted.a.number in detail and planted.a.title in detail
    events = _text(api.get(f"/tickets/{planted.b.number}/events"))
    assert planted.a.number in events
    assert planted.a.number in _text(api.get(f"/tickets/{planted.b.number}/duplicates"))
    client = Client()
    client.force_login(p.dispatcher)
    page = _text(client.get(f"/tickets/{planted.b.number}/"))
    assert all(secret in page for secret in planted.secrets[1:2])  # D, merged into B
    assert planted.secrets[2] in _text(client.get(f"/tickets/{planted.e.number}/"))  # F


def test_a_unit_reads_its_own_links_but_not_the_others(p, planted):
    api = api_client_for(p.street_handler)
    detail = api.get(f"/tickets/{planted.b.number}").json()
    assert detail["suggestions"]["duplicates"] == []
    assert detail["suggestions"]["repeat_caller"] is None
    merged = api.get(f"/tickets/{planted.e.number}").json()
    assert merged["state"] == "merged" and merged["master"] is None
    client = Client()
    client.force_login(p.street_handler)
    page = client.get(f"/tickets/{planted.e.number}/").content.decode()
    assert "主工单不在您的管辖范围内" in page


def test_the_portal_page_of_b_says_nothing_of_the_callers_other_tickets(planted):
    html = _text(Client().post("/portal/track/", {"number": planted.b.number, "phone": PHONE}))
    assert planted.b.title in html
    assert not _leaks(html, planted.secrets)
    assert not re.search(planted.a.number, html)
