"""POST /api/v1/tickets: registration, idempotent retries, and refused input."""

from __future__ import annotations

import pytest
from django.conf import settings

from duban.testing.api import client_for, counts, fast_passwords  # noqa: F401
from duban.tickets.models import Caller, IdempotencyKey, Ticket

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "title": "建业社区垃圾未清运",
        "content": "建业社区3号楼旁垃圾已堆放三天，气味很大。",
        "appeal_type": "complaint",
        "channel": "phone",
        "kind": "appeal",
        "urgency": "normal",
        "location": "湖滨路街道建业社区",
        "caller": {"name": "李四", "phone": "13912345678", "id_number": "11010519491231002X"},
    }
    data.update(overrides)
    return data


def test_register_creates_ticket_caller_and_event(p):
    response = client_for(p.operator).post("/tickets", body())
    assert response.status_code == 201, response.json()
    data = response.json()
    ticket = Ticket.objects.get(number=data["number"])
    assert (ticket.state, ticket.registered_by, ticket.title) == (
        "registered",
        p.operator,
        "建业社区垃圾未清运",
    )
    assert ticket.caller is not None
    assert ticket.caller.phone == "13912345678"
    assert data["caller"] == {
        "name": "李四",
        "phone": "13912345678",
        "id_number": "1101**********002X",  # masked until revealed with a reason
    }
    assert ticket.caller.id_number == "11010519491231002X"
    # Intake may add its own events (dispatch suggestions) after the register event.
    assert ticket.events.order_by("seq")[0].type == "register"
    assert data["version"] == ticket.version


def test_idempotent_retry_returns_the_same_ticket(p):
    client = client_for(p.operator)
    first = client.post("/tickets", body(), **{"Idempotency-Key": "call-0001"})
    assert first.status_code == 201
    before = counts(), Caller.objects.count()
    retry = client.post("/tickets", body(), **{"Idempotency-Key": "call-0001"})
    assert retry.status_code == 200
    assert retry.json()["number"] == first.json()["number"]
    assert (counts(), Caller.objects.count()) == before
    assert IdempotencyKey.objects.count() == 1


def test_same_key_different_body_is_a_mismatch(p):
    client = client_for(p.operator)
    client.post("/tickets", body(), **{"Idempotency-Key": "call-0002"})
    before = counts()
    response = client.post("/tickets", body(title="另一件事"), **{"Idempotency-Key": "call-0002"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"
    assert response.json()["message"].startswith("同一幂等键对应了不同的请求")
    assert counts() == before


def test_keys_are_per_user(p):
    first = client_for(p.operator).post("/tickets", body(), **{"Idempotency-Key": "k"})
    second = client_for(p.dispatcher).post("/tickets", body(), **{"Idempotency-Key": "k"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]


def test_without_key_each_post_creates(p):
    client = client_for(p.operator)
    assert client.post("/tickets", body()).status_code == 201
    assert client.post("/tickets", body()).status_code == 201
    assert Ticket.objects.count() == 2


def test_over_long_idempotency_key_is_refused(p):
    response = client_for(p.operator).post("/tickets", body(), **{"Idempotency-Key": "k" * 101})
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert counts() == (0, 0)


def test_minimal_body_without_caller(p):
    response = client_for(p.operator).post(
        "/tickets",
        {
            "title": "咨询社保",
            "content": "如何办理社保转移？",
            "appeal_type": "consultation",
            "channel": "web",
        },
    )
    assert response.status_code == 201
    assert response.json()["caller"] is None and response.json()["kind"] == "appeal"


MAX = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        (body(title=""), 422, "invalid_input", "title"),
        (body(title="长" * 201), 422, "invalid_input", "title"),
        (body(content="长" * (MAX + 1)), 422, "invalid_input", "content"),
        (body(appeal_type="rumour"), 422, "invalid_input", "appeal_type"),
        (body(channel=5), 422, "invalid_input", "channel"),
        (body(title=["a"]), 422, "invalid_input", "title"),
        (body(category_id="abc"), 422, "invalid_input", "category_id"),
        (body(category_id=999), 422, "invalid_input", "category_id"),
        (body(colour="red"), 422, "invalid_input", "colour"),
        (body(caller={"phone": "12345"}), 422, "invalid_input", "caller_phone"),
        (body(caller={"phone": "1381234567x"}), 422, "invalid_input", "caller_phone"),
        (
            body(caller={"id_number": "110105194912310021"}),
            422,
            "invalid_input",
            "caller_id_number",
        ),
        (body(caller={"phone": "13812345678", "age": 3}), 422, "invalid_input", "caller.age"),
        (body(content="含\x00字符"), 422, "invalid_input", "content"),
        (body(kind="enterprise"), 403, "permission_denied", None),
    ],
    ids=[
        "empty-title",
        "long-title",
        "long-content",
        "bad-appeal-type",
        "channel-wrong-type",
        "title-wrong-type",
        "category-wrong-type",
        "unknown-category",
        "unknown-field",
        "short-phone",
        "bad-phone",
        "id-checksum",
        "unknown-caller-field",
        "nul-char",
        "role-may-not-register-kind",
    ],
)
def test_bad_input_is_refused_and_nothing_written(p, payload, status, code, field):
    # A street handler may register appeals but not enterprise tickets.
    response = client_for(p.street_handler).post("/tickets", payload)
    assert response.status_code == status, response.json()
    data = response.json()
    assert data["code"] == code and data["message"]
    if field is not None:
        details = data["details"]
        assert field in details.get("fields", []) or details.get("field") == field, details
    assert counts() == (0, 0)
    assert not Caller.objects.exists()


def test_malformed_json(p):
    response = client_for(p.operator).post("/tickets", raw='{"title": "x",')
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert counts() == (0, 0)


def test_json_that_is_not_an_object(p):
    response = client_for(p.operator).post("/tickets", raw="[1, 2]")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("malformed_json", "invalid_input")
    assert counts() == (0, 0)
