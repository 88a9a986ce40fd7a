"""The API contract of issue 13: programmes with checklist sizes, paged findings with their
ticket and verification, rankings with ranks; bad input is a 4xx with a stable code; the
lists run a fixed number of queries."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from django.test import Client

from duban.inspections import services as s
from duban.inspections.models import Finding, SiteCheck

from .conftest import PNG, photo
from .test_services import walk_road

DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_programmes_list_the_checklist_sizes(insp) -> None:
    body = client_for(insp.inspector).get("/api/v1/inspections/programmes").json()
    assert body == [
        {
            "code": "cw",
            "name": "创文",
            "boards": 2,
            "items": 3,
            "standards": 3,
            "repeat_window_days": 30,
        }
    ]


def test_findings_are_paged_with_ticket_and_verification(insp, unit_head) -> None:
    walk_road(insp)
    c = client_for(insp.office)
    body = c.get("/api/v1/inspections/findings?programme=cw").json()
    assert body["count"] == 2
    by_fix = {i["fixed_on_spot"]: i for i in body["items"]}
    assert by_fix[True]["ticket"] is None and by_fix[True]["verification"] is None
    ticketed = by_fix[False]
    assert ticketed["ticket"] == Finding.objects.get(fixed_on_spot=False).ticket.number
    assert ticketed["site"] == "湖滨路" and ticketed["standard"] == "S2"
    assert ticketed["verification"] is None
    s.finding_rectify(
        actor=unit_head,
        now=insp.later(1),
        finding=Finding.objects.get(fixed_on_spot=False),
        text="已清除",
        photos=[photo()],
    )
    body = c.get("/api/v1/inspections/findings?state=awaiting").json()
    assert body["count"] == 1 and body["items"][0]["verification"] == "pending"
    assert c.get("/api/v1/inspections/findings?limit=1").json()["count"] == 2
    assert len(c.get("/api/v1/inspections/findings?limit=1").json()["items"]) == 1


def test_a_unit_sees_only_its_own_findings(insp, district) -> None:
    from duban.testing.personas import make_user

    walk_road(insp)
    other = make_user("other_head", "unit_head", district.hubin)
    assert client_for(other).get("/api/v1/inspections/findings").json()["count"] == 0
    housing = make_user("housing_handler", "handler", district.housing)
    assert client_for(housing).get("/api/v1/inspections/findings").json()["count"] == 2


def test_rankings_rank_streets_and_units(insp) -> None:
    walk_road(insp)
    s.check_submit(
        actor=insp.inspector,
        now=insp.later(0),
        assignment=insp.a_estate,
        client_token="tok-estate-01",
        results=[s.StandardResult(insp.std["S3"].pk, "pass")],
    )
    c = client_for(insp.office)
    body = c.get("/api/v1/inspections/rankings?period=2025-03&group=streets").json()
    assert [(r["unit"], r["rank"]) for r in body["ranked"]] == [("滨湖街道", 1)]
    assert body["ranked"][0]["score"] == pytest.approx((99.4 + 100) / 2)
    units = c.get("/api/v1/inspections/rankings?period=2025-03&group=units").json()["ranked"]
    assert [(r["unit"], r["score"], r["rank"]) for r in units] == [
        ("东留村", 100.0, 1),
        ("住建局", 99.4, 2),
    ]
    week = c.get("/api/v1/inspections/rankings?period=2025-W10&group=units").json()
    assert week["previous_period"] == "2025-W09" and len(week["ranked"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        "period=2025-13&group=streets",
        "period=abc&group=streets",
        "period=2025-03&group=moon",
        "period=2025-W60&group=streets",
        "period=2025-03&programme=nope",
    ],
)
def test_bad_ranking_queries_are_4xx_with_a_code(insp, query) -> None:
    response = client_for(insp.office).get(f"/api/v1/inspections/rankings?{query}")
    assert 400 <= response.status_code < 500
    assert response.json()["code"] in {"invalid_input", "not_found"}


def test_a_unit_handler_may_not_read_rankings(insp, district) -> None:
    from duban.testing.personas import make_user

    handler = make_user("h1", "handler", district.housing)
    response = client_for(handler).get("/api/v1/inspections/rankings?period=2025-03")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Client().get("/api/v1/inspections/programmes").status_code == 401


def _submit(c, assignment, token, results):
    return c.post(
        f"/api/v1/inspections/assignments/{assignment.pk}/check",
        {"client_token": token, "results": results},
        content_type="application/json",
    )


def test_submit_is_idempotent_and_refuses_bad_input(insp) -> None:
    c = client_for(insp.inspector)
    s2 = insp.std["S2"].pk
    ok = [{"standard": s2, "outcome": "fail", "description": "小广告", "photos": [DATA_URL]}]
    first = _submit(c, insp.a_road, "tok-api-00001", ok)
    assert first.status_code == 201 and len(first.json()["tickets"]) == 1
    again = _submit(c, insp.a_road, "tok-api-00001", ok)
    assert (
        again.status_code == 200
        and again.json()["replayed"]
        and again.json()["id"] == first.json()["id"]
    )
    twice = _submit(c, insp.a_road, "tok-api-00002", ok)
    assert twice.status_code == 409 and twice.json()["code"] == "check_already_submitted"
    s3 = insp.std["S3"].pk
    cases = [
        ([{"standard": s3, "outcome": "pass"}], 422, "standard_not_applicable", insp.a_road),
        (
            [{"standard": s3, "outcome": "fail", "description": "长" * 600}],
            422,
            "invalid_input",
            insp.a_estate,
        ),
        ([{"standard": s2, "outcome": "fail"}], 422, "photo_required", insp.a_estate),
        (
            [{"standard": s2, "outcome": "fail", "photos": ["data:image/png;base64,AAAA"]}],
            422,
            "invalid_photo",
            insp.a_estate,
        ),
        (
            [{"standard": s2, "outcome": "fail", "photos": ["not a photo"]}],
            422,
            "invalid_photo",
            insp.a_estate,
        ),
        ([{"standard": s2, "outcome": "maybe"}], 422, "invalid_input", insp.a_estate),
        ([], 422, "invalid_input", insp.a_estate),
    ]
    for results, status, code, assignment in cases:
        response = _submit(c, assignment, "tok-api-bad01", results)
        if assignment == insp.a_road:
            # the road was already checked this round
            assert response.status_code in (409, 422)
            continue
        assert (response.status_code, response.json()["code"]) == (status, code), results
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])
    assert SiteCheck.objects.count() == 1
    bad_json = c.post(
        f"/api/v1/inspections/assignments/{insp.a_estate.pk}/check",
        "{",
        content_type="application/json",
    )
    assert bad_json.status_code == 400


def test_verify_over_the_api(insp, unit_head) -> None:
    walk_road(insp)
    finding = Finding.objects.get(fixed_on_spot=False)
    c = client_for(insp.office)
    response = c.post(
        f"/api/v1/inspections/findings/{finding.pk}/verify",
        {"confirmed": True},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "not_awaiting_verification"
    s.finding_rectify(
        actor=unit_head, now=insp.later(1), finding=finding, text="已清除", photos=[photo()]
    )
    response = c.post(
        f"/api/v1/inspections/findings/{finding.pk}/verify",
        {"confirmed": False, "reason": "仍有小广告"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["verification"] == "rejected"
    assert response.json()["state"] == "rectifying"


def test_list_endpoints_run_a_fixed_number_of_queries(insp, django_assert_max_num_queries) -> None:
    walk_road(insp)
    c = client_for(insp.office)
    c.get("/api/v1/inspections/findings")  # warm the session
    for url in (
        "/api/v1/inspections/findings",
        "/api/v1/inspections/programmes",
        "/api/v1/inspections/rankings?period=2025-03&group=units",
    ):
        with django_assert_max_num_queries(6) as small:
            c.get(url)
        rnd = s.round_plan(
            actor=insp.office,
            now=insp.later(1),
            programme=insp.programme,
            name=f"加查{url[-5:]}",
            starts_on=date(2025, 3, 4),
            ends_on=date(2025, 3, 5),
            assignments=[(insp.road, insp.inspector)],
        )
        s.check_submit(
            actor=insp.inspector,
            now=insp.later(1),
            assignment=rnd.assignments.get(),
            client_token=f"tok-more-{rnd.pk:05d}",
            results=[
                s.StandardResult(insp.std["S2"].pk, "fail", "x", photos=[photo()]),
                s.StandardResult(insp.std["S1"].pk, "fail", "y", photos=[photo()]),
            ],
        )
        with django_assert_max_num_queries(len(small.captured_queries)):
            c.get(url)
