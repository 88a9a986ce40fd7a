"""The admin's notices and SMS outbox are read-only; phone numbers are masked to everyone
but the system administrator."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from duban.notifications.models import SmsMessage
from duban.testing import factories as f
from duban.testing.api import recent
from duban.testing.personas import make_user

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def administrator(p):
    """The system administrator (role admin; pytest-django's ``admin_user`` is a superuser)."""
    return make_user("sysadmin", "admin", p.district.district)


@pytest.fixture
def message(p) -> SmsMessage:
    t = f.dispatched(p=p, now=recent())
    return SmsMessage.objects.create(
        phone=PHONE,
        text="【督办】工单被催办",
        ticket=t,
        created_at=recent(),
        next_attempt_at=recent(),
    )


def admin_client(user, *, superuser: bool = False) -> Client:
    user.is_staff = True
    user.is_superuser = superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    if not superuser:
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_smsmessage", "view_notice"])
        )
    client = Client()
    client.force_login(user)
    return client


def test_the_administrator_sees_the_phone(p, administrator, message):
    client = admin_client(administrator)
    html = client.get("/admin/notifications/smsmessage/").content.decode()
    assert PHONE in html
    assert (
        PHONE
        in client.get(f"/admin/notifications/smsmessage/{message.pk}/change/").content.decode()
    )


def test_other_staff_see_it_masked(p, message):
    client = admin_client(p.supervisor)
    listing = client.get("/admin/notifications/smsmessage/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert PHONE not in html and "138****5678" in html
    detail = client.get(f"/admin/notifications/smsmessage/{message.pk}/change/").content.decode()
    assert PHONE not in detail and "138****5678" in detail
    # Searching by number would confirm it: only the ticket number is searchable.
    found = client.get("/admin/notifications/smsmessage/", {"q": PHONE}).content.decode()
    assert "138****5678" not in found


def test_the_outbox_and_notices_cannot_be_edited_in_the_admin(p, administrator, message):
    client = admin_client(administrator, superuser=True)
    assert client.get("/admin/notifications/smsmessage/add/").status_code == 403
    assert client.post(f"/admin/notifications/smsmessage/{message.pk}/delete/").status_code == 403
    assert client.get("/admin/notifications/notice/").status_code == 200
    assert client.get("/admin/notifications/notice/add/").status_code == 403
