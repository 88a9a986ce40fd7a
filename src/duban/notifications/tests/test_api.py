"""The notice endpoints: the caller's own notices only, stable error codes, fixed queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.notifications.models import Notice, NoticeKind
from duban.testing import factories as f
from duban.testing.api import client_for, fast_passwords, recent, session_client_for  # noqa: F401

pytestmark = pytest.mark.django_db


def test_my_notices_newest_first(p):
    first = f.dispatched(p=p, now=recent())
    second = f.dispatched(p=p, now=recent())
    f.dispatched(p=p, now=recent(), unit=p.district.hubin)
    response = client_for(p.street_handler).get("/notices")
    assert response.status_code == 200
    body = response.json()
    assert [i["ticket_number"] for i in body["items"]] == [second.number, first.number]
    assert body["items"][0]["kind"] == NoticeKind.DISPATCH
    assert body["items"][0]["kind_label"] == "新派单"
    assert body["items"][0]["read_at"] is None and body["has_next"] is False


def test_unread_count_and_marking(p):
    f.dispatched(p=p, now=recent())
    f.dispatched(p=p, now=recent())
    api = client_for(p.street_handler)
    assert api.get("/notices/unread-count").json() == {"unread": 2}
    mine = Notice.objects.filter(recipient=p.street_handler).order_by("pk")
    one = api.post(f"/notices/{mine[0].pk}/read")
    assert one.status_code == 200 and one.json()["read_at"] is not None
    assert api.get("/notices/unread-count").json() == {"unread": 1}
    assert api.get("/notices", {"unread": "true"}).json()["items"][0]["id"] == mine[1].pk
    assert api.post("/notices/read-all").json() == {"marked": 1}
    assert api.get("/notices/unread-count").json() == {"unread": 0}
    assert Notice.objects.get(recipient=p.street_head, ticket=mine[0].ticket).read_at is None


def test_read_all_up_to_an_id(p):
    f.dispatched(p=p, now=recent())
    f.dispatched(p=p, now=recent())
    older = Notice.objects.filter(recipient=p.street_handler).order_by("pk").first()
    api = client_for(p.street_handler)
    assert api.post("/notices/read-all", {"up_to": older.pk}).json() == {"marked": 1}


def test_errors_have_stable_codes(p):
    f.dispatched(p=p, now=recent())
    theirs = Notice.objects.get(recipient=p.street_head)
    api = client_for(p.street_handler)
    missing = api.post(f"/notices/{theirs.pk}/read")
    assert missing.status_code == 404 and missing.json()["code"] == "notice_not_found"
    assert api.post("/notices/0/read").json()["code"] == "invalid_input"
    assert api.get("/notices", {"page": "0"}).json()["code"] == "invalid_input"
    assert api.post("/notices/read-all", {"up_to": "x"}).status_code == 422
    assert api.post("/notices/read-all", {"other": 1}).status_code == 422
    assert client_for(None).get("/notices").json()["code"] == "unauthenticated"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_session_writes_need_csrf(p):
    f.dispatched(p=p, now=recent())
    api = session_client_for(p.street_handler, enforce_csrf=True)
    assert api.post("/notices/read-all").status_code == 403
    assert Notice.objects.filter(recipient=p.street_handler, read_at__isnull=True).exists()


def test_a_ticket_out_of_sight_is_not_named(p):
    t = f.dispatched(p=p, now=recent(), title="滨湖某小区漏水")
    p.street_handler.unit = p.district.hubin
    p.street_handler.save(update_fields=["unit"])
    [item] = client_for(p.street_handler).get("/notices").json()["items"]
    assert item["ticket_number"] is None and t.number not in item["text"]
    assert "滨湖某小区漏水" not in item["text"]


def test_the_list_runs_a_fixed_number_of_queries(p):
    t = f.dispatched(p=p, now=recent())
    api = client_for(p.street_handler)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/notices").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request also writes the token's last use (once a minute)
    few = queries()
    Notice.objects.bulk_create(
        Notice(recipient=p.street_handler, ticket=t, kind="urge", text="催办", created_at=recent())
        for _ in range(30)
    )
    assert queries() == few
