"""The projects API: the contract, filters, scope by reader, bad input, fixed query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.org.models import UnitKind
from duban.org.roles import Role
from duban.org.services import unit_create
from duban.projects.models import MonthlyReport, Project, ReportState
from duban.projects.selectors import report_month, today_of
from duban.projects.services_reports import report_approve, report_submit
from duban.testing.api import client_for, fast_passwords  # noqa: F401

from .conftest import make_project, person

STAGES = {"planned", "signed", "landed", "started", "building", "producing", "at_capacity"}


@pytest.fixture
def ledger(w):
    """Three projects in this district (two streets, two leads, two reporters) and one in another."""
    now = timezone.now() - timedelta(days=400)
    year = today_of(timezone.now()).year
    a = make_project(
        w, "A-1", now=now, plan_year=year, levels=["province", "city"], name="吾悦广场"
    )
    b = make_project(
        w,
        "B-1",
        now=now,
        plan_year=year,
        street=w.district.hubin,
        unit=w.district.hubin,
        lead=w.lead2,
        reporter=w.reporter2,
        stage="signed",
        name="京东数智物流产业园",
    )
    c = make_project(w, "C-1", now=now, plan_year=year, unit=w.fgj, lead=w.lead2, name="国投大数据")
    other = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    o_dept = unit_create(code="o-fgj", name="卫东发改局", kind=UnitKind.DEPARTMENT, parent=other)
    o_office = person("o_office", Role.HANDLER, o_dept, (Role.PROJECT_OFFICE,))
    from duban.projects.services import project_create

    project_create(
        actor=o_office,
        now=now,
        code="O-1",
        name="卫东项目",
        nature="industry",
        levels=["city"],
        owner_name="某公司",
        unit=o_dept,
        total_investment=1,
        annual_plan=1,
        start_year=2024,
        end_year=2026,
    )
    return {"a": a, "b": b, "c": c, "o_office": o_office}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(i["code"] for i in response.json()["items"])


def test_the_list_has_the_contract_fields(w, ledger) -> None:
    body = client_for(w.office).get("/projects").json()
    assert body["count"] == 3
    item = next(i for i in body["items"] if i["code"] == "A-1")
    for key in (
        "code",
        "name",
        "stage",
        "levels",
        "total_investment",
        "annual_plan",
        "completed_this_year",
        "completion_rate",
        "time_elapsed_rate",
        "lag_status",
    ):
        assert key in item
    assert item["stage"] in STAGES and item["levels"] == ["province", "city"]
    assert item["total_investment"] == 50000 and item["annual_plan"] == 1200
    assert item["lag_status"] in {"ahead", "normal", "lagging"}
    assert item["completion_rate"] >= 0 and 0 <= item["time_elapsed_rate"] <= 1


def test_filters_name_stage_level_and_lag_status(w, ledger) -> None:
    api = client_for(w.office)
    assert codes(api.get("/projects", {"name": "京东"})) == ["B-1"]
    assert codes(api.get("/projects", {"stage": "signed"})) == ["B-1"]
    assert codes(api.get("/projects", {"level": "province"})) == ["A-1"]
    assert codes(api.get("/projects", {"lag_status": "normal"})) == ["A-1", "B-1", "C-1"]
    assert codes(api.get("/projects", {"lag_status": "lagging"})) == []
    for bad in ({"stage": "finished"}, {"level": "national"}, {"lag_status": "late"}, {"limit": 0}):
        r = api.get("/projects", bad)
        assert r.status_code == 422 and r.json()["code"] == "invalid_input"


def test_completion_and_lag_come_from_the_last_approved_report(w, ledger) -> None:
    now = timezone.now()
    y, m = report_month(today_of(now))
    a = ledger["a"]
    report = report_submit(
        project=a,
        actor=w.reporter,
        now=now,
        year=y,
        month=m,
        investment_month="10",
        progress="开工",
    )
    report_approve(report=report, actor=w.office, now=now)
    item = next(
        i for i in client_for(w.office).get("/projects").json()["items"] if i["code"] == "A-1"
    )
    if y == a.plan_year:
        assert item["completed_this_year"] == 10
        assert item["time_elapsed_rate"] == pytest.approx(m / 12, abs=0.001)
        assert item["completion_rate"] == pytest.approx(10 / 1200, abs=1e-6)
        assert item["lag_status"] == "lagging"


def test_the_detail_adds_reports_and_blockers(w, ledger) -> None:
    now = timezone.now()
    y, m = report_month(today_of(now))
    api = client_for(w.reporter)
    r = api.post(
        "/projects/A-1/reports",
        {
            "year": y,
            "month": m,
            "investment_month": 120.5,
            "progress": "主体施工",
            "requests": "用电",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["state"] == "submitted"
    blocked = api.post(
        "/projects/A-1/blockers", {"title": "临时用电", "content": "需要协调供电公司"}
    )
    assert blocked.status_code == 201, blocked.content
    detail = client_for(w.office).get("/projects/A-1").json()
    assert [x["month"] for x in detail["reports"]] == [m]
    assert detail["blockers"] == [blocked.json()["number"]]
    assert detail["stage"] == "building" and len(detail["stage_dates"]) == 7


def test_bad_writes_get_a_code_and_write_nothing(w, ledger) -> None:
    now = timezone.now()
    y, m = report_month(today_of(now))
    api = client_for(w.reporter)
    other = api.post(
        "/projects/B-1/reports", {"year": y, "month": m, "investment_month": 1, "progress": "x"}
    )
    assert other.status_code == 404 and other.json()["code"] == "project_not_found"
    wrong_month = api.post(
        "/projects/A-1/reports", {"year": y - 2, "month": m, "investment_month": 1, "progress": "x"}
    )
    assert wrong_month.status_code == 422 and wrong_month.json()["code"] == "report_window_closed"
    extra = api.post(
        "/projects/A-1/reports", {"year": y, "month": 13, "investment_month": 1, "progress": "x"}
    )
    assert extra.status_code == 422
    nan = api.post(
        "/projects/A-1/reports",
        raw='{"year": 2025, "month": 1, "investment_month": NaN, "progress": "x"}',
    )
    assert nan.status_code in (400, 422)
    skip = client_for(w.office).post("/projects/B-1/stage", {"stage": "started"})
    assert skip.status_code == 422 and skip.json()["code"] == "stage_skipped"
    back = client_for(w.office).post("/projects/B-1/stage", {"stage": "planned"})
    assert back.json()["code"] == "stage_backwards"
    by_reporter = api.post("/projects/A-1/stage", {"stage": "producing"})
    assert by_reporter.status_code == 403 and by_reporter.json()["code"] == "project_forbidden"
    assert not MonthlyReport.objects.exists()
    assert Project.objects.get(code="B-1").stage == "signed"


def test_review_through_the_api(w, ledger) -> None:
    now = timezone.now()
    y, m = report_month(today_of(now))
    rid = (
        client_for(w.reporter)
        .post(
            "/projects/A-1/reports", {"year": y, "month": m, "investment_month": 5, "progress": "x"}
        )
        .json()["id"]
    )
    assert client_for(w.reporter).post(f"/projects/reports/{rid}/approve", {}).status_code == 403
    no_comment = client_for(w.office).post(f"/projects/reports/{rid}/return", {"comment": ""})
    assert no_comment.status_code == 422
    returned = client_for(w.office).post(
        f"/projects/reports/{rid}/return", {"comment": "请补充照片"}
    )
    assert returned.json()["state"] == "returned"
    again = client_for(w.office).post(f"/projects/reports/{rid}/approve", {})
    assert again.status_code == 409 and again.json()["code"] == "report_state"
    assert MonthlyReport.objects.get(pk=rid).state == ReportState.RETURNED


@pytest.mark.parametrize(
    "who, expected",
    [
        ("office", ["A-1", "B-1", "C-1"]),
        ("supervisor", ["A-1", "B-1", "C-1"]),
        ("reporter", ["A-1", "C-1"]),  # her own projects
        ("reporter2", ["B-1"]),
        ("lead", ["A-1"]),  # the lead official's own
        ("lead2", ["B-1", "C-1"]),
        ("street_handler", ["A-1", "C-1"]),  # located in 滨湖街道 (C-1 led by 发改局)
        ("other_street_handler", ["B-1"]),  # 湖滨路街道's
        ("dept_handler", []),  # 住建局 leads none
        ("operator", []),
        ("o_office", ["O-1"]),  # the other district sees only its own
    ],
)
def test_each_reader_sees_only_their_projects(w, ledger, who, expected) -> None:
    user = ledger["o_office"] if who == "o_office" else getattr(w, who)
    api = client_for(user)
    assert codes(api.get("/projects")) == expected
    for code in ("A-1", "B-1", "C-1", "O-1"):
        status = api.get(f"/projects/{code}").status_code
        assert status == (200 if code in expected else 404), (who, code)


def test_the_list_and_the_detail_run_a_fixed_number_of_queries(w, ledger) -> None:
    api = client_for(w.office)
    api.get("/projects")  # warm the token's last-used stamp
    with CaptureQueriesContext(connection) as few:
        api.get("/projects")
    for i in range(6):
        make_project(w, f"N-{i}", plan_year=ledger["a"].plan_year)
    with CaptureQueriesContext(connection) as many:
        assert api.get("/projects").json()["count"] == 9
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as detail:
        api.get("/projects/A-1")
    assert len(detail) <= len(few) + 4


def test_anonymous_callers_get_401(w, ledger) -> None:
    from django.test import Client

    from duban.testing.api import ApiClient

    r = ApiClient(Client()).get("/projects")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_retried_writes_are_idempotent(w, ledger) -> None:
    from duban.projects.models import Blocker, ReportRevision

    now = timezone.now()
    y, m = report_month(today_of(now))
    api = client_for(w.reporter)
    body = {"year": y, "month": m, "investment_month": 12, "progress": "主体施工"}
    first = api.post("/projects/A-1/reports", body).json()
    again = api.post("/projects/A-1/reports", body).json()
    assert first["id"] == again["id"] and again["revision"] == 1
    assert ReportRevision.objects.count() == 1
    blocker = {"title": "临时用电", "content": "需要协调供电公司"}
    one = api.post("/projects/A-1/blockers", blocker, **{"Idempotency-Key": "k-1"}).json()
    two = api.post("/projects/A-1/blockers", blocker, **{"Idempotency-Key": "k-1"}).json()
    assert one["number"] == two["number"] and Blocker.objects.count() == 1
