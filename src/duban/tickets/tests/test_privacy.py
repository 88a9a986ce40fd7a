"""Callers' personal data (PIPL): encrypted at rest and found through keyed hashes, ID
numbers masked for every role until revealed with a reason, full reads by centre roles
audited, the retention purge, and export and erasure on request."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from duban.core import crypto
from duban.testing import factories as f
from duban.testing.api import client_for
from duban.tickets.models import Caller, PersonalDataAccess, Ticket, TicketEvent
from duban.tickets.services.privacy import personal_data_purge

pytestmark = pytest.mark.django_db

ID = "41010219900102123X"
PHONE = "13812341234"
Kind = PersonalDataAccess.Kind


def _with_caller(p, now=None, **more):
    now = now or timezone.now() - timedelta(hours=1)
    return f.dispatched(
        p=p, now=now, caller_name="张三", caller_phone=PHONE, caller_id_number=ID, **more
    )


def _raw(caller_pk: int) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, id_number, phone_hash FROM tickets_caller WHERE id = %s",
            [caller_pk],
        )
        return tuple(cursor.fetchone())


def test_personal_data_is_encrypted_at_rest_and_found_by_phone(p):
    t = _with_caller(p)
    name, phone, id_number, phone_hash = _raw(t.caller_id)
    assert all(v.startswith("enc1:") for v in (name, phone, id_number))
    assert PHONE not in phone and ID not in id_number and "张三" not in name
    assert phone_hash == crypto.phone_hash(PHONE) and len(phone_hash) == 64
    assert list(Caller.objects.with_phone("138 1234 1234")) == [t.caller]
    assert Caller.objects.with_name("张三").get().id_number == ID


def test_the_id_number_is_masked_even_for_the_centre_until_revealed(p):
    t = _with_caller(p)
    operator = client_for(p.operator)
    assert operator.get(f"/tickets/{t.number}").json()["caller"] == {
        "name": "张三",
        "phone": PHONE,
        "id_number": "4101**********123X",
    }
    refused = operator.post(f"/tickets/{t.number}/caller/reveal", {"reason": " "})
    assert refused.status_code == 422
    shown = operator.post(f"/tickets/{t.number}/caller/reveal", {"reason": "回电核实身份"})
    assert shown.status_code == 200 and shown.json()["id_number"] == ID
    event = TicketEvent.objects.get(ticket=t, type="reveal_caller")
    assert event.actor == p.operator and event.payload["reason"] == "回电核实身份"
    access = PersonalDataAccess.objects.get(kind=Kind.REVEAL)
    assert (access.actor, access.ticket_id, access.reason) == (p.operator, t.pk, "回电核实身份")


def test_a_handler_reveals_on_the_page_with_a_reason(p):
    t = f.accepted(p=p, now=timezone.now() - timedelta(hours=2), caller_id_number=ID)
    page = Client()
    page.force_login(p.street_handler)
    without = page.post(f"/tickets/{t.number}/caller/", {"reason": ""})
    assert without.status_code == 422 and ID not in without.content.decode()
    shown = page.post(f"/tickets/{t.number}/caller/", {"reason": "上门核实"})
    assert shown.status_code == 200 and ID in shown.content.decode()
    assert PersonalDataAccess.objects.filter(kind=Kind.REVEAL, actor=p.street_handler).count() == 1


def test_full_reads_by_centre_roles_are_audited(p):
    t = _with_caller(p)
    client_for(p.operator).get(f"/tickets/{t.number}")
    client_for(p.operator).get("/tickets")
    client_for(p.street_handler).get(f"/tickets/{t.number}")  # masked: not a full read
    page = Client()
    page.force_login(p.dispatcher)
    page.get(f"/tickets/{t.number}/")
    views = PersonalDataAccess.objects.filter(kind=Kind.VIEW, caller=t.caller)
    assert sorted(v.actor.username for v in views) == ["dispatcher", "operator", "operator"]


def test_the_retention_rule_erases_callers_whose_tickets_ended_long_ago(p, settings):
    settings.DUBAN_PERSONAL_DATA_YEARS = 3
    now = timezone.now()
    old = f.closed(p=p, now=now - timedelta(days=4 * 366), caller_name="老王", caller_phone=PHONE)
    recent = f.closed(p=p, now=now - timedelta(days=500), caller_name="小李")
    still_open = _with_caller(p, now=now - timedelta(days=5 * 366))
    assert personal_data_purge(now=now) == 1
    erased = Caller.objects.get(pk=old.caller_id)
    assert (erased.name, erased.phone, erased.id_number, erased.phone_hash) == ("", "", "", "")
    assert erased.erased_at == now
    assert Caller.objects.get(pk=recent.caller_id).name == "小李"
    assert Caller.objects.get(pk=still_open.caller_id).phone == PHONE
    assert Ticket.objects.filter(pk=old.pk).exists()  # the ledger stays
    assert PersonalDataAccess.objects.filter(kind=Kind.PURGE, caller_id=old.caller_id).count() == 1
    assert personal_data_purge(now=now) == 0  # idempotent
    call_command("privacy", "purge", "--years", "1")
    assert Caller.objects.get(pk=recent.caller_id).name == ""


def test_export_and_erasure_on_request_in_the_admin(p, admin_user):
    t = _with_caller(p)
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/admin/tickets/caller/", {"q": PHONE})
    assert listing.status_code == 200 and "138****1234" in listing.content.decode()
    assert "张三" not in listing.content.decode() and ID not in listing.content.decode()
    assert admin.post(f"/admin/tickets/caller/{t.caller_id}/export/", {}).status_code == 200
    exported = admin.post(f"/admin/tickets/caller/{t.caller_id}/export/", {"reason": "本人申请"})
    data = json.loads(exported.content)
    assert data["caller"]["id_number"] == ID and data["tickets"][0]["number"] == t.number
    erased = admin.post(f"/admin/tickets/caller/{t.caller_id}/erase/", {"reason": "本人申请删除"})
    assert erased.status_code == 302
    caller = Caller.objects.get(pk=t.caller_id)
    assert caller.erased_at is not None and caller.phone == "" and caller.id_number == ""
    kinds = set(PersonalDataAccess.objects.values_list("kind", flat=True))
    assert {Kind.EXPORT, Kind.ERASE} <= kinds
    # Staff without the admin role cannot open it.
    p.operator.is_staff = True
    p.operator.save(update_fields=["is_staff"])
    other = Client()
    other.force_login(p.operator)
    assert other.get(f"/admin/tickets/caller/{t.caller_id}/export/").status_code == 403


def test_key_rotation_re_encrypts_with_the_new_first_key(p, settings):
    t = _with_caller(p)
    settings.DUBAN_DATA_KEY = f"{crypto.generate_key('k9')},{settings.DUBAN_DATA_KEY}"
    call_command("privacy", "rotate")
    name, phone, _, _ = _raw(t.caller_id)
    assert crypto.key_id_of(phone) == "k9" and crypto.decrypt(phone) == PHONE
    assert Caller.objects.with_phone(PHONE).get().name == "张三"


def test_a_search_by_phone_is_audited(p):
    t = _with_caller(p)
    page = Client()
    page.force_login(p.operator)
    response = page.get("/search/", {"phone": PHONE})
    assert response.status_code == 200 and t.number in response.content.decode()
    access = PersonalDataAccess.objects.get(kind=Kind.SEARCH)
    assert (access.actor, access.ticket_id) == (p.operator, t.pk)
