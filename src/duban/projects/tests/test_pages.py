"""The projects pages: who may open which, and what the desks show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from duban.projects.models import MonthlyReport, Project
from duban.projects.selectors import report_month, today_of
from duban.projects.services_reports import report_approve, report_submit

from .conftest import make_project


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def project(w):
    year = today_of(timezone.now()).year
    return make_project(
        w, "A-1", now=timezone.now() - timedelta(days=400), plan_year=year, name="吾悦广场"
    )


def test_anonymous_visitors_are_sent_to_sign_in(db) -> None:
    r = Client().get("/projects/")
    assert r.status_code == 302 and "login" in r["Location"]


@pytest.mark.parametrize(
    "who, page, status",
    [
        ("office", "/projects/dispatch/", 200),
        ("reporter", "/projects/dispatch/", 403),
        ("lead", "/projects/dispatch/", 403),
        ("reporter", "/projects/report/", 200),
        ("lead", "/projects/report/", 403),
        ("lead", "/projects/mine/", 200),
        ("reporter", "/projects/mine/", 403),
        ("operator", "/projects/", 403),
        ("street_handler", "/projects/", 200),
        ("supervisor", "/projects/dashboard/", 200),
        ("office", "/projects/boards/", 200),
        ("office", "/projects/bulletin/", 200),
        ("office", "/projects/contests/", 200),
        ("office", "/projects/export.xlsx", 200),
    ],
)
def test_who_opens_which_page(w, project, who, page, status) -> None:
    assert browser(getattr(w, who)).get(page).status_code == status


def test_the_project_page_shows_chart_data_and_no_inline_script(w, project) -> None:
    r = browser(w.office).get("/projects/p/A-1/")
    html = r.content.decode()
    assert r.status_code == 200 and "吾悦广场" in html
    assert 'id="project-chart-data"' in html and "projects/charts.js" in html
    assert "onclick" not in html and "<script>" not in html
    assert browser(w.reporter2).get("/projects/p/A-1/").status_code == 404


def test_the_reporter_files_on_the_phone_form_and_the_office_approves_on_the_desk(
    w, project
) -> None:
    y, m = report_month(today_of(timezone.now()))
    r = browser(w.reporter).post(
        "/projects/report/",
        {
            "project": "A-1",
            "month": f"{y}-{m:02d}",
            "investment_month": "88",
            "progress": "主体施工",
        },
    )
    assert r.status_code == 302
    report = MonthlyReport.objects.get(project=project)
    desk = browser(w.office).get("/projects/dispatch/").content.decode()
    assert "吾悦广场" in desk and 'id="to-review"' in desk
    r = browser(w.office).post(
        f"/projects/reports/{report.pk}/review/", {"decision": "approve", "comment": "同意"}
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.state == "approved"
    bad = browser(w.reporter).post(
        "/projects/report/",
        {"project": "A-1", "month": "1999-01", "investment_month": "1", "progress": "x"},
    )
    assert bad.status_code == 422 and "月份" in bad.content.decode()


def test_a_lagging_project_warns_its_lead_official(w, project) -> None:
    now = timezone.now()
    y, m = report_month(today_of(now))
    report = report_submit(
        project=project,
        actor=w.reporter,
        now=now,
        year=y,
        month=m,
        investment_month="1",
        progress="x",
    )
    report_approve(report=report, actor=w.office, now=now)
    Project.objects.filter(pk=project.pk).update(plan_to_date=600)  # half the year's plan due
    html = browser(w.lead).get("/projects/mine/").content.decode()
    assert "吾悦广场" in html and "红色预警" in html
    assert "吾悦广场" not in browser(w.lead2).get("/projects/mine/").content.decode()
