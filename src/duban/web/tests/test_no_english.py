"""No English in the UI: every main page, as each role, and the admin's pages show
Chinese only (proper nouns such as API, Excel and ID excepted).

The pages are rendered over tickets driven through the real services into every state
the timeline shows (dispatch, breach, urge, supervise, reply, call-back and rating …).
The visible text is what a browser shows: text nodes (not scripts or styles), tooltips,
placeholders, button values and options. Data the test itself
wrote with Latin letters (usernames, unit codes) is not UI text and is left out.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client

from duban.org.models import Unit, User
from duban.org.services import user_create
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Proper nouns a Chinese UI writes in Latin letters: formats and products, and the key
# and system names in Django's own Chinese (按住 Control 键或 Mac 上的 Command 键 …).
PROPER_NOUNS = frozenset(
    {"API", "ID", "Excel", "Word", "PDF", "JPG", "PNG", "KB", "MB", "LDAP"}
    | {"Chrome", "Edge", "Firefox", "Mac", "Alt", "Shift", "Ctrl", "Tab", "Enter"}
    | {"Control", "Command"}
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Attributes a sighted user reads (tooltips, placeholders); alt and aria labels are not
# shown (Django's admin writes its icons' alt as True/False and Search, untranslatable).
_ATTRIBUTES = ("title", "placeholder")


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        values = dict(attrs)
        self.parts += [v for k, v in attrs if k in _ATTRIBUTES and v]
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def english_words(html: str, allowed: frozenset[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return sorted(
        {w for part in parser.parts for w in WORD.findall(part) if w not in allowed | PROPER_NOUNS}
    )


@pytest.fixture
def world(p, now) -> dict[str, Ticket]:
    """Tickets in the states whose pages, cards and timelines show the most."""
    closed = f.closed(p=p, now=now, appeal_type="consultation")
    supervised = f.accepted(p=p, now=now)
    s.ticket_urge(
        ticket=supervised, actor=p.supervisor, now=now + timedelta(hours=2), note="请加快"
    )
    supervised = Ticket.objects.get(pk=supervised.pk)
    s.ticket_supervise(
        ticket=supervised, actor=p.supervisor, now=now + timedelta(hours=3), level=2, note="督办"
    )
    late = f.dispatched(p=p, now=now - timedelta(days=20))
    s.sla_tick(now=now)
    extension = f.accepted(p=p, now=now)
    s.ticket_request_extension(
        ticket=extension,
        actor=p.street_handler,
        now=now + timedelta(hours=4),
        days=5,
        reason="需协调多个部门",
    )
    return {"closed": closed, "supervised": supervised, "late": late, "extension": extension}


def _latin_data() -> frozenset[str]:
    """Latin-letter data the fixtures wrote: usernames, unit codes (not UI text)."""
    words: set[str] = set()
    for value in [
        *User.objects.values_list("username", flat=True),
        *User.objects.values_list("full_name", flat=True),
        *Unit.objects.values_list("code", flat=True),
    ]:
        words |= set(WORD.findall(value))
    return frozenset(words)


def _check(client: Client, urls: list[str]) -> dict[str, list[str]]:
    allowed = _latin_data()
    found = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        words = english_words(response.content.decode(), allowed)
        if words:
            found[url] = words
    return found


def _report(found: dict[str, list[str]]) -> str:
    return "English on these pages:\n" + "\n".join(
        f"  {u}: {' '.join(w)}" for u, w in found.items()
    )


PAGES = {
    "operator": [
        "/",
        "/desk/intake/",
        "/desk/centre/",
        "/search/",
        "/metrics/",
        "/metrics/rankings/",
    ],
    "dispatcher": ["/desk/centre/", "/search/", "/metrics/", "/metrics/report/"],
    "street_handler": ["/desk/inbox/", "/search/"],
    "street_head": ["/desk/inbox/", "/metrics/"],
    "supervisor": ["/desk/supervision/", "/desk/circular/", "/metrics/rankings/"],
    "leader": ["/metrics/", "/metrics/rankings/", "/desk/supervision/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_main_pages_are_chinese(role: str, p, world: dict[str, Ticket]) -> None:
    client = Client()
    client.force_login(getattr(p, role))
    tickets = [f"/tickets/{t.number}/" for t in world.values()]
    visible = [
        u
        for u in tickets
        if Ticket.objects.visible_to(getattr(p, role)).filter(number=u.split("/")[2]).exists()
    ]
    found = _check(client, PAGES[role] + visible)
    assert found == {}, _report(found)


def test_public_pages_are_chinese(world: dict[str, Ticket]) -> None:
    found = _check(Client(), ["/login/", "/portal/", "/portal/submit/", "/portal/track/"])
    assert found == {}, _report(found)


@pytest.fixture
def admin_browser(p, world) -> Client:
    admin_user = user_create(
        username="sysadmin", role="admin", unit=p.district.district, full_name="系统管理员"
    )
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_pages_are_chinese(admin_browser: Client, world: dict[str, Ticket]) -> None:
    changelists = [
        f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry
    ]
    forms = [
        "/admin/org/unit/add/",
        f"/admin/org/unit/{Unit.objects.get(code='t-binhu').pk}/change/",
        "/admin/sla/slarule/add/",
        "/admin/sla/calendarday/add/",
        "/admin/sla/calendaryear/notice/",
        "/admin/dispatch/knowledgeentry/add/",
        "/admin/tickets/category/add/",
        f"/admin/tickets/ticket/{world['closed'].pk}/change/",
        "/admin/org/user/add/",
        f"/admin/org/user/{User.objects.get(username='sysadmin').pk}/change/",
        "/admin/sla/workingperiod/add/",
        "/admin/dispatch/dispatchsettings/",
        "/admin/metrics/metricsettings/",
    ]
    found = _check(admin_browser, ["/admin/", *changelists, *forms])
    assert found == {}, _report(found)
