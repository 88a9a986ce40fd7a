"""Full-data reads of lists are audited too (issue 14, point 4): the 工单查询 page shows a
centre role every caller's name and phone, so each page they read leaves one access row per
caller shown, written in one insert; a role that sees callers masked leaves none; the
spreadsheet export (no caller column) is audited only when it was found by a caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.testing import factories as f
from duban.tickets.models import PersonalDataAccess

pytestmark = pytest.mark.django_db

Kind = PersonalDataAccess.Kind
PHONE = "13812341234"


def _page(user):
    client = Client()
    client.force_login(user)
    return client


def _callers(p, n, *, now=None, **more):
    now = now or timezone.now() - timedelta(hours=1)
    return [
        f.dispatched(
            p=p, now=now, title=f"占道经营{i}", caller_name=f"李{i}", caller_phone=PHONE, **more
        )
        for i in range(n)
    ]


def _accesses(**filters):
    return set(
        PersonalDataAccess.objects.filter(**filters).values_list(
            "kind", "actor__username", "ticket_id", "caller_id"
        )
    )


def test_a_centre_role_reading_the_list_leaves_a_view_row_per_caller_shown(p):
    shown = _callers(p, 2)
    anonymous = f.dispatched(
        p=p,
        now=timezone.now() - timedelta(hours=1),
        title="占道经营匿名",
        caller_name="",
        caller_phone="",
    )
    response = _page(p.operator).get("/search/", {"q": "占道经营"})
    assert response.status_code == 200
    page = response.content.decode()
    assert all(t.number in page for t in [*shown, anonymous]) and PHONE in page
    assert _accesses() == {
        (Kind.VIEW, p.operator.username, t.pk, t.caller_id) for t in shown
    }  # the anonymous ticket has no caller to audit


def test_a_masked_role_reading_the_same_list_leaves_none(p):
    shown = _callers(p, 2)
    response = _page(p.leader).get("/search/", {"q": "占道经营"})
    page = response.content.decode()
    assert response.status_code == 200 and all(t.number in page for t in shown)
    assert PHONE not in page and "李0" not in page
    assert not PersonalDataAccess.objects.exists()


def test_a_search_by_a_caller_is_a_search_of_that_person(p):
    shown = _callers(p, 1)
    _page(p.operator).get("/search/", {"phone": PHONE})
    assert _accesses() == {(Kind.SEARCH, p.operator.username, shown[0].pk, shown[0].caller_id)}


def test_the_export_is_audited_only_when_found_by_a_caller(p):
    shown = _callers(p, 2)
    client = _page(p.operator)
    by_text = client.get("/search/", {"q": "占道经营", "export": "xlsx"})
    assert by_text.status_code == 200 and by_text["Content-Type"].startswith("application/vnd")
    assert not PersonalDataAccess.objects.exists()  # no caller column in the workbook
    by_phone = client.get("/search/", {"phone": PHONE, "export": "xlsx"})
    assert by_phone.status_code == 200
    assert _accesses() == {(Kind.SEARCH, p.operator.username, t.pk, t.caller_id) for t in shown}


def test_the_audit_is_one_insert_whatever_the_page_length(p, django_assert_num_queries):
    client = _page(p.operator)
    _callers(p, 2)
    client.get("/search/", {"q": "占道经营"})
    PersonalDataAccess.objects.all().delete()
    with CaptureQueriesContext(connection) as short:
        client.get("/search/", {"q": "占道经营"})
    inserts = [q for q in short.captured_queries if "tickets_personaldataaccess" in q["sql"]]
    assert len(inserts) == 1 and PersonalDataAccess.objects.count() == 2
    _callers(p, 18)
    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get("/search/", {"q": "占道经营"})
    assert len(response.context["tickets"]) == 20
    assert PersonalDataAccess.objects.count() == 2 + 20
