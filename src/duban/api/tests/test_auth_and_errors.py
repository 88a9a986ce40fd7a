"""Authentication (bearer and session + CSRF), the JSON error contract, OpenAPI and docs."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from duban.org.models import ApiToken
from duban.org.services import token_create
from duban.testing import factories as f
from duban.testing.api import (  # noqa: F401
    ApiClient,
    client_for,
    counts,
    fast_passwords,
    recent,
    session_client_for,
)

pytestmark = pytest.mark.django_db

REGISTER = {
    "title": "路灯不亮",
    "content": "东留村主街路灯不亮。",
    "appeal_type": "complaint",
    "channel": "phone",
}


# --- authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer dbn_not-a-real-token", "Bearer ", "Basic b3BlcmF0b3I6cGFzcw==", "dbn_x"],
    ids=["missing", "wrong", "empty", "basic", "no-scheme"],
)
def test_bad_credentials_are_401_and_write_nothing(p, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    client = ApiClient(Client(headers=headers))
    for response in (client.get("/tickets"), client.post("/tickets", REGISTER)):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated" and response.json()["message"]
    assert counts() == (0, 0)


def test_revoked_token_and_inactive_user_are_401(p):
    token, secret = token_create(user=p.operator, now=timezone.now())
    assert client_for(None, secret).get("/tickets").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert client_for(None, secret).get("/tickets").status_code == 401
    _, secret = token_create(user=p.dispatcher, now=timezone.now())
    p.dispatcher.is_active = False
    p.dispatcher.save()
    assert client_for(None, secret).get("/tickets").status_code == 401


def test_token_use_is_recorded(p):
    token, secret = token_create(user=p.operator, now=timezone.now())
    client_for(None, secret).get("/units")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_session_auth_reads_and_writes_with_csrf(p):
    client = session_client_for(p.operator, enforce_csrf=True)
    assert client.get("/tickets").status_code == 200
    refused = client.post("/tickets", REGISTER)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert counts() == (0, 0)
    # The page's CSRF cookie + header pass.
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    client.client.cookies[settings.CSRF_COOKIE_NAME] = token
    created = client.post("/tickets", REGISTER, **{"X-CSRFToken": token})
    assert created.status_code == 201, created.json()
    assert counts()[0] == 1


def test_bearer_needs_no_csrf(p):
    _, secret = token_create(user=p.operator, now=timezone.now())
    client = ApiClient(
        Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    )
    assert client.post("/tickets", REGISTER).status_code == 201


def test_logged_out_session_is_401(p):
    client = ApiClient(Client(enforce_csrf_checks=True))
    response = client.post("/tickets", REGISTER)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


# --- the error contract on actions ------------------------------------------------------


def refused(client, path, body=None, *, raw=None, status, code, field=None, **headers):
    """POST, assert the JSON error, and return it."""
    response = client.post(path, body, raw=raw, **headers)
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) == {"code", "message", "details"}
    assert data["code"] == code and data["message"]
    if field is not None:
        details = data["details"]
        assert details.get("field") == field or field in details.get("fields", []), details
    return data


MAX = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))


@pytest.mark.parametrize(
    ("action", "body", "raw", "status", "code", "field"),
    [
        ("reply", None, '{"result": "solved", "text": ', 400, "malformed_json", None),
        ("reply", None, "not json at all", 400, "malformed_json", None),
        (
            "reply",
            {"result": "solved", "text": "ok", "mood": "good"},
            None,
            422,
            "invalid_input",
            "mood",
        ),
        ("reply", {"result": "fixed", "text": "ok"}, None, 422, "invalid_input", "result"),
        ("reply", {"result": "solved", "text": 42}, None, 422, "invalid_input", "text"),
        ("reply", {"result": "solved"}, None, 422, "invalid_input", "text"),
        (
            "reply",
            {"result": "solved", "text": "长" * (MAX + 1)},
            None,
            422,
            "invalid_input",
            "text",
        ),
        ("reply", {"result": "solved", "text": "   "}, None, 422, "invalid_input", "text"),
        ("reply", {"result": "cannot", "text": "无法解决"}, None, 422, "invalid_input", "reason"),
        (
            "reply",
            {"result": "solved", "text": "ok", "attachment_ids": ["a"]},
            None,
            422,
            "invalid_input",
            None,
        ),
        ("reply", {"result": "solved", "text": "a\x00b"}, None, 422, "invalid_input", "text"),
        ("extension-request", {"days": "three", "reason": "x"}, None, 422, "invalid_input", "days"),
        ("extension-request", {"days": 30, "reason": "x"}, None, 422, "extension_limit", None),
        (
            "extension-request",
            {"days": 2, "reason": "长" * 501},
            None,
            422,
            "invalid_input",
            "reason",
        ),
        ("sub-dispatch", {"unit": "no-such-unit"}, None, 422, "unknown_unit", "unit"),
        ("sub-dispatch", {"unit": 99999999}, None, 422, "unknown_unit", "unit"),
        ("sub-dispatch", {"unit": "t-jianye"}, None, 422, "invalid_input", "unit"),
        ("accept", None, None, 409, "illegal_transition", None),
        ("accept", {"expected_version": 1}, None, 409, "stale_version", None),
        ("contact", {"expected_version": 0}, None, 422, "invalid_input", "expected_version"),
        ("contact", {"expected_version": 10**30}, None, 422, "invalid_input", "expected_version"),
    ],
)
def test_bad_action_input_is_refused_and_nothing_written(p, action, body, raw, status, code, field):
    ticket = f.accepted(p=p, now=recent())
    before = counts(), ticket.version
    client = client_for(p.street_handler)
    refused(
        client,
        f"/tickets/{ticket.number}/{action}",
        body,
        raw=raw,
        status=status,
        code=code,
        field=field,
    )
    ticket.refresh_from_db()
    assert (counts(), ticket.version) == before
    assert ticket.state == "accepted"


def test_stale_if_match_header(p):
    ticket = f.dispatched(p=p, now=recent())
    client = client_for(p.street_handler)
    data = refused(
        client,
        f"/tickets/{ticket.number}/accept",
        status=409,
        code="stale_version",
        **{"If-Match": "1"},
    )
    assert data["details"]["current_version"] == ticket.version
    refused(
        client,
        f"/tickets/{ticket.number}/accept",
        status=422,
        code="invalid_input",
        **{"If-Match": "abc"},
    )
    ticket.refresh_from_db()
    assert ticket.state == "dispatched"


def test_unknown_references_on_centre_actions(p):
    ticket = f.registered(actor=p.operator, now=recent())
    before = counts()
    client = client_for(p.operator)
    path = f"/tickets/{ticket.number}"
    refused(
        client,
        f"{path}/dispatch",
        {"unit": "nowhere"},
        status=422,
        code="unknown_unit",
        field="unit",
    )
    refused(
        client,
        f"{path}/dispatch",
        {"unit": "t-binhu", "co_units": ["t-binhu"]},
        status=422,
        code="invalid_input",
        field="co_units",
    )
    refused(
        client,
        f"{path}/dispatch",
        {"unit": "t-centre"},
        status=422,
        code="invalid_input",
        field="unit",
    )
    refused(
        client,
        f"{path}/merge",
        {"master": "20990101000001"},
        status=422,
        code="unknown_reference",
        field="master",
    )
    refused(
        client,
        f"{path}/merge",
        {"master": ticket.number},
        status=422,
        code="invalid_input",
        field="master",
    )
    refused(
        client, f"{path}/merge", {"master": "x"}, status=422, code="invalid_input", field="master"
    )
    supervisor = client_for(p.supervisor)
    refused(
        supervisor,
        f"{path}/assign-leader",
        {"leader": "nobody"},
        status=422,
        code="unknown_reference",
        field="leader",
    )
    refused(
        supervisor,
        f"{path}/assign-leader",
        {"leader": "operator"},
        status=422,
        code="invalid_input",
        field="leader",
    )
    refused(
        supervisor,
        f"{path}/supervise",
        {"level": 4},
        status=422,
        code="invalid_input",
        field="level",
    )
    assert counts() == before


def test_unknown_ticket_and_unknown_endpoint_are_json_404(p):
    client = client_for(p.dispatcher)
    refused(client, "/tickets/20990101000001/accept", status=404, code="ticket_not_found")
    for path in ("/nothing-here", "/tickets/20990101000001/fly"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unexpected_errors_are_logged_json_500(p, monkeypatch, caplog):
    from duban.tickets import selectors

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "ticket_list", boom)
    response = client_for(p.dispatcher).get("/tickets")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "boom" not in response.content.decode()
    assert any("unhandled API error" in r.getMessage() for r in caplog.records)


# --- OpenAPI and docs -------------------------------------------------------------------


def test_openapi_lists_the_paths(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{number}",
        "/api/v1/tickets/{number}/events",
        "/api/v1/tickets/{number}/dispatch",
        "/api/v1/tickets/{number}/reassign",
        "/api/v1/tickets/{number}/assign-leader",
        "/api/v1/tickets/{number}/attachments",
        "/api/v1/units",
        "/api/v1/metrics",
        "/api/v1/rankings",
        "/api/v1/tickets/{number}/duplicates",
        "/api/v1/knowledge",
        "/api/v1/hotspots",
    ):
        assert path in paths, path
    # events, attachments, duplicates, the caller's reveal and the 23 actions
    assert len([p for p in paths if p.startswith("/api/v1/tickets/{number}/")]) == 31
    schemes = response.json()["components"]["securitySchemes"]
    assert {"BearerAuth", "SessionAuth"} <= set(schemes)


def test_docs_page_uses_no_cdn(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=[\"']https?://", html), html
    assert "cdn" not in html.lower()
