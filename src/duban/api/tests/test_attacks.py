"""The API under attack: oversize and malformed bodies, dead tokens, and a bounded
schemathesis run over ``/api/v1/openapi.json`` with zero server errors.

The fuzzing run is in-process (schemathesis' WSGI support, no server), derandomised and
bounded (``FUZZ_EXAMPLES`` per operation) so it stays well under a minute; an operator's
and a leader's tokens take turns, and a path's ``{number}`` is now and then a real ticket's.
It runs on SQLite and PostgreSQL alike, in autocommit like the server (see the test).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import schemathesis
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from duban.org.models import ApiToken
from duban.org.services import token_create, token_revoke
from duban.testing import factories as f
from duban.testing.api import client_for, fast_passwords  # noqa: F401
from duban.testing.api import recent as an_hour_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def recent():
    return an_hour_ago()


FUZZ_EXAMPLES = 6


# --- bodies -------------------------------------------------------------------------------


def test_an_oversize_json_body_is_413_with_the_json_error(p):
    _, secret = token_create(user=p.operator, now=timezone.now())
    body = json.dumps({"title": "x", "content": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    response = client_for(None, secret).client.post(
        "/api/v1/tickets",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large" and response.json()["message"]


def test_an_oversize_upload_is_413(p, recent):
    ticket = f.dispatched(p=p, now=recent)
    _, secret = token_create(user=p.operator, now=timezone.now())
    client = client_for(None, secret).client
    response = client.generic(
        "POST",
        f"/api/v1/tickets/{ticket.number}/attachments",
        b"x",
        content_type="multipart/form-data; boundary=zzz",
        headers={"Authorization": f"Bearer {secret}"},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "multipart/form-data; charset=utf-8"]
)
def test_multipart_without_a_boundary_is_400(p, recent, content_type):
    ticket = f.dispatched(p=p, now=recent)
    _, secret = token_create(user=p.operator, now=timezone.now())
    response = client_for(None, secret).client.generic(
        "POST",
        f"/api/v1/tickets/{ticket.number}/attachments",
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--\r\n",
        content_type=content_type,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_a_bad_content_length_is_400(p):
    _, secret = token_create(user=p.operator, now=timezone.now())
    response = client_for(None, secret).client.generic(
        "POST",
        "/api/v1/tickets",
        b"{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
        CONTENT_LENGTH="12abc",
    )
    assert response.status_code == 400


# --- tokens -------------------------------------------------------------------------------


def test_revoked_and_expired_tokens_are_401_with_stable_codes(p):
    now = timezone.now()
    token, secret = token_create(user=p.operator, now=now)
    assert client_for(None, secret).get("/units").status_code == 200
    token_revoke(token=token, actor=None, now=now)
    response = client_for(None, secret).get("/units")
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"

    _, secret = token_create(user=p.operator, now=now - timedelta(days=40), days=30)
    response = client_for(None, secret).get("/units")
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 1


# --- fuzzing ------------------------------------------------------------------------------


def _schema():
    from duban.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


# The calls go through duban's WSGI handler, whose request signals run Django's
# ``close_old_connections`` as in production. Inside the usual per-test transaction that
# handler finds autocommit off and closes the connection at the first request (on
# PostgreSQL; SQLite's in-memory test database ignores the close), so every later case
# answered 500. A transactional test runs as the server does: in autocommit, each request
# committing or rolling back on its own, the connection checked between requests.
@pytest.mark.django_db(transaction=True)
def test_fuzzing_the_openapi_schema_finds_no_server_error(p, recent):
    ticket = f.dispatched(p=p, now=recent)
    secrets = [token_create(user=u, now=timezone.now())[1] for u in (p.operator, p.leader)]
    failures: list[str] = []
    operations = [result.ok() for result in _schema().get_all_operations()]
    assert len(operations) > 30

    for operation in operations:

        @hypothesis_settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), who=st.integers(0, 1), real=st.booleans())
        def run(case, who, real):
            if real and case.path_parameters and "number" in case.path_parameters:
                case.path_parameters["number"] = ticket.number
            response = case.call(headers={"Authorization": f"Bearer {secrets[who]}"})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query} "
                    f"body={str(case.body)[:200]} → {response.status_code}"
                )

        run()
    assert not failures, "\n".join(failures[:40])
