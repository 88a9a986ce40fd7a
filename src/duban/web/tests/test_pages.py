"""Sign-in, landing pages by role, and who may open which page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from duban.testing import factories as f
from duban.testing.personas import make_user

pytestmark = pytest.mark.django_db

LANDING = {
    "operator": "/desk/intake/",
    "dispatcher": "/desk/centre/",
    "street_handler": "/desk/inbox/",
    "street_head": "/desk/inbox/",
    "supervisor": "/desk/supervision/",
    "leader": "/metrics/",
}


def test_login_page_is_chinese_and_signs_in(p):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "用户名" in page.content.decode() and "登录" in page.content.decode()
    bad = client.post("/login/", {"username": "operator", "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()
    ok = client.post("/login/", {"username": "operator", "password": "pass-12345"})
    assert ok.status_code == 302 and ok["Location"] == "/desk/intake/"


@pytest.mark.parametrize("persona", sorted(LANDING))
def test_each_role_lands_on_its_work_list(p, client_for, persona):
    client = client_for(getattr(p, persona))
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == LANDING[persona]
    page = client.get(LANDING[persona])
    assert page.status_code == 200


def test_admin_lands_on_django_admin(p, client_for):
    # pytest-django's own ``admin_user`` fixture shadows the persona of that name.
    admin = make_user("sysadmin", "admin", p.district.district)
    assert client_for(admin).get("/")["Location"] == "/admin/"


def test_anonymous_is_sent_to_login():
    for url in ("/", "/desk/inbox/", "/desk/centre/", "/metrics/", "/tickets/2025030300001/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


PAGES = {
    "/desk/intake/": {"operator"},
    "/desk/inbox/": {"street_handler", "street_head", "village_handler"},
    "/desk/centre/": {"operator", "dispatcher"},
    "/desk/supervision/": {"supervisor", "leader"},
    "/desk/circular/": {"supervisor", "leader"},
    "/metrics/": {"operator", "dispatcher", "supervisor", "leader", "street_head"},
    "/metrics/rankings/": {"operator", "dispatcher", "supervisor", "leader", "street_head"},
}
PERSONAS = (
    "operator",
    "dispatcher",
    "street_handler",
    "street_head",
    "village_handler",
    "supervisor",
    "leader",
)


@pytest.mark.parametrize("url", sorted(PAGES))
def test_pages_render_for_allowed_roles_and_403_for_others(p, client_for, url):
    for persona in PERSONAS:
        response = client_for(getattr(p, persona)).get(url)
        expected = 200 if persona in PAGES[url] else 403
        assert response.status_code == expected, (url, persona)
        if expected == 403:
            assert "无权访问" in response.content.decode()


def test_navigation_follows_the_role(p, client_for):
    handler_page = client_for(p.street_handler).get("/desk/inbox/").content.decode()
    assert "本单位待办" in handler_page and "中心工作台" not in handler_page
    centre_page = client_for(p.dispatcher).get("/desk/centre/").content.decode()
    assert "中心工作台" in centre_page and "本单位待办" not in centre_page


def test_logout_is_a_post(p, client_for):
    client = client_for(p.operator)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/desk/intake/").status_code == 302


def test_intake_desk_lists_own_registrations(p, client_for, recent):
    t = f.registered(actor=p.operator, now=recent)
    page = client_for(p.operator).get("/desk/intake/").content.decode()
    assert t.number in page
